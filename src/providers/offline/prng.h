// Hashing and a small PRNG for the offline provider. Both are fully specified here (unlike
// std::uniform_int_distribution), so outputs are identical on every platform and library.
#pragma once

#include <cstdint>
#include <string_view>

namespace atelier::offline {

// FNV-1a, 64 bit. Feed fields one at a time; Field() adds a separator so ("ab","c") and
// ("a","bc") hash differently.
class Fnv1a {
 public:
  Fnv1a& Bytes(std::string_view s) {
    for (unsigned char c : s) {
      h_ ^= c;
      h_ *= 0x100000001b3ULL;
    }
    return *this;
  }
  Fnv1a& Field(std::string_view s) {
    Int(static_cast<int64_t>(s.size()));
    return Bytes(s);
  }
  Fnv1a& Int(int64_t v) {
    for (int i = 0; i < 8; ++i) {
      h_ ^= static_cast<uint64_t>(v >> (8 * i)) & 0xff;
      h_ *= 0x100000001b3ULL;
    }
    return *this;
  }
  uint64_t value() const { return h_; }

 private:
  uint64_t h_ = 0xcbf29ce484222325ULL;
};

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
