#include "atelier/engine/image_format.h"

#include <cstdint>

namespace atelier {
namespace {

uint32_t Be32(std::string_view b, size_t at) {
  return (uint32_t{static_cast<unsigned char>(b[at])} << 24) |
         (uint32_t{static_cast<unsigned char>(b[at + 1])} << 16) |
         (uint32_t{static_cast<unsigned char>(b[at + 2])} << 8) |
         uint32_t{static_cast<unsigned char>(b[at + 3])};
}

int Be16(std::string_view b, size_t at) {
  return (static_cast<unsigned char>(b[at]) << 8) | static_cast<unsigned char>(b[at + 1]);
}

bool StartsWith(std::string_view b, std::string_view prefix, size_t at = 0) {
  return b.size() >= at + prefix.size() && b.substr(at, prefix.size()) == prefix;
}

}  // namespace

std::string SniffImageMime(std::string_view b) {
  if (StartsWith(b, "\x89PNG\r\n\x1a\n")) return "image/png";
  if (StartsWith(b, "\xff\xd8\xff")) return "image/jpeg";
  if (StartsWith(b, "GIF87a") || StartsWith(b, "GIF89a")) return "image/gif";
  if (StartsWith(b, "RIFF") && StartsWith(b, "WEBP", 8)) return "image/webp";
  return "";
}

std::pair<int, int> SniffImageSize(std::string_view b) {
  const std::string mime = SniffImageMime(b);
  if (mime == "image/png" && b.size() >= 24 && StartsWith(b, "IHDR", 12))
    return {static_cast<int>(Be32(b, 16)), static_cast<int>(Be32(b, 20))};
  if (mime == "image/gif" && b.size() >= 10)
    return {static_cast<unsigned char>(b[6]) | (static_cast<unsigned char>(b[7]) << 8),
            static_cast<unsigned char>(b[8]) | (static_cast<unsigned char>(b[9]) << 8)};
  if (mime == "image/jpeg") {
    size_t pos = 2;
    while (pos + 9 <= b.size()) {
      if (static_cast<unsigned char>(b[pos]) != 0xff) break;
      unsigned marker = static_cast<unsigned char>(b[pos + 1]);
      if (marker == 0xff) {  // fill byte
        ++pos;
        continue;
      }
      if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc)
        return {Be16(b, pos + 7), Be16(b, pos + 5)};
      size_t len = static_cast<size_t>(Be16(b, pos + 2));
      if (len < 2) break;
      pos += 2 + len;
    }
  }
  return {0, 0};
}

std::string ImageExtension(const std::string& mime) {
  if (mime == "image/png") return ".png";
  if (mime == "image/jpeg") return ".jpg";
  if (mime == "image/gif") return ".gif";
  if (mime == "image/webp") return ".webp";
  return ".bin";
}

}  // namespace atelier
