#include "png_reader.h"

#include <zlib.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace atelier::offline {
namespace {

uint32_t U32(std::string_view s, size_t at) {
  return (uint32_t{static_cast<unsigned char>(s[at])} << 24) |
         (uint32_t{static_cast<unsigned char>(s[at + 1])} << 16) |
         (uint32_t{static_cast<unsigned char>(s[at + 2])} << 8) |
         uint32_t{static_cast<unsigned char>(s[at + 3])};
}

// The Paeth predictor of the PNG specification (section 9.4).
uint8_t Paeth(int a, int b, int c) {
  int p = a + b - c;
  int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return static_cast<uint8_t>(a);
  if (pb <= pc) return static_cast<uint8_t>(b);
  return static_cast<uint8_t>(c);
}

}  // namespace

std::optional<RgbImage> DecodePng(std::string_view bytes, int max_side) {
  static constexpr char kSignature[8] = {'\x89', 'P', 'N', 'G', '\r', '\n', '\x1a', '\n'};
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kSignature, 8) != 0) return std::nullopt;

  uint32_t width = 0, height = 0;
  bool have_header = false, have_end = false;
  std::string idat;
  size_t pos = 8;
  while (pos + 12 <= bytes.size()) {
    uint32_t len = U32(bytes, pos);
    if (len > bytes.size() - pos - 12) return std::nullopt;
    std::string_view type = bytes.substr(pos + 4, 4);
    std::string_view data = bytes.substr(pos + 8, len);
    if (type == "IHDR") {
      if (len != 13) return std::nullopt;
      width = U32(data, 0);
      height = U32(data, 4);
      // 8-bit truecolour, deflate, standard filters, no interlace: what EncodePng writes.
      if (data[8] != 8 || data[9] != 2 || data[10] != 0 || data[11] != 0 || data[12] != 0) {
        return std::nullopt;
      }
      have_header = true;
    } else if (type == "IDAT") {
      if (!have_header) return std::nullopt;
      idat.append(data);
    } else if (type == "IEND") {
      have_end = true;
      break;
    }
    pos += 12 + static_cast<size_t>(len);
  }
  if (!have_header || !have_end || idat.empty()) return std::nullopt;
  if (width < 1 || height < 1 || width > static_cast<uint32_t>(max_side) ||
      height > static_cast<uint32_t>(max_side)) {
    return std::nullopt;
  }

  const size_t stride = static_cast<size_t>(width) * 3;
  const size_t want = static_cast<size_t>(height) * (stride + 1);
  std::vector<uint8_t> raw(want);
  uLongf raw_len = static_cast<uLongf>(want);
  if (uncompress(raw.data(), &raw_len, reinterpret_cast<const Bytef*>(idat.data()),
                 static_cast<uLong>(idat.size())) != Z_OK ||
      raw_len != want) {
    return std::nullopt;
  }

  RgbImage img(static_cast<int>(width), static_cast<int>(height));
  std::vector<uint8_t> zero(stride, 0);
  for (size_t y = 0; y < height; ++y) {
    const uint8_t* in = &raw[y * (stride + 1)];
    uint8_t* out = &img.pixels[y * stride];
    const uint8_t* up = y > 0 ? &img.pixels[(y - 1) * stride] : zero.data();
    const uint8_t filter = in[0];
    ++in;
    for (size_t i = 0; i < stride; ++i) {
      int a = i >= 3 ? out[i - 3] : 0;  // left, same channel
      int b = up[i];
      int c = i >= 3 ? up[i - 3] : 0;
      int pred = 0;
      switch (filter) {
        case 0:
          break;
        case 1:
          pred = a;
          break;
        case 2:
          pred = b;
          break;
        case 3:
          pred = (a + b) / 2;
          break;
        case 4:
          pred = Paeth(a, b, c);
          break;
        default:
          return std::nullopt;
      }
      out[i] = static_cast<uint8_t>(in[i] + pred);
    }
  }
  return img;
}

int PngRevision(std::string_view bytes) {
  static constexpr std::string_view kKey = "atelier-revision";
  if (bytes.size() < 8 || bytes.substr(1, 3) != "PNG") return 0;
  size_t pos = 8;
  while (pos + 12 <= bytes.size()) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + pos);
    const size_t len = (size_t{p[0]} << 24) | (size_t{p[1]} << 16) | (size_t{p[2]} << 8) | p[3];
    std::string_view type = bytes.substr(pos + 4, 4);
    if (pos + 12 + len > bytes.size()) return 0;
    if (type == "tEXt") {
      std::string_view data = bytes.substr(pos + 8, len);
      if (data.size() > kKey.size() + 1 && data.substr(0, kKey.size()) == kKey &&
          data[kKey.size()] == '\0') {
        int n = 0;
        for (char c : data.substr(kKey.size() + 1)) {
          if (c < '0' || c > '9' || n > 100000) return 0;
          n = n * 10 + (c - '0');
        }
        return n;
      }
    }
    if (type == "IDAT" || type == "IEND") return 0;  // text chunks come first in our files
    pos += 12 + len;
  }
  return 0;
}

}  // namespace atelier::offline
