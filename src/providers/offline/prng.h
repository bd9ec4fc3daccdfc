// Hashing and a small PRNG for the offline provider. Both are fully specified here (unlike
// std::uniform_int_distribution), so outputs are identical on every platform and library.
#pragma once

#include <cstdint>
#include <string_view>

#include "atelier/core/hash.h"

namespace atelier::offline {

using atelier::Fnv1a;  // include/atelier/core/hash.h

// splitmix64: tiny, fast, good enough statistics for picking words and shapes.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform-ish integer in [lo, hi]; the modulo bias is irrelevant here.
  int Range(int lo, int hi) {
    return lo + static_cast<int>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }
  // Uniform double in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * (1.0 / 9007199254740992.0); }

 private:
  uint64_t state_;
};

}  // namespace atelier::offline
