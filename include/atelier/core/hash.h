// FNV-1a, 64 bit: a fast hash whose values are the same on every platform, library and run, for
// content-addressed ids, cache keys and deterministic seeds. Not for security.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace atelier {

// Feed fields one at a time; Field() adds the length first so ("ab","c") and ("a","bc") hash
// differently.
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

inline uint64_t Fnv1a64(std::string_view s) { return Fnv1a().Bytes(s).value(); }

// Sixteen lower-case hex digits, most significant first.
inline std::string Hex16(uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<size_t>(i)] = kDigits[v & 0xf];
  return out;
}

}  // namespace atelier
