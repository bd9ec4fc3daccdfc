// Helpers the offline provider's tests share: requests and a PNG header parser.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "atelier/providers/offline/offline_provider.h"

namespace atelier::offline_test {


inline TextRequest MakeText(const std::string& prompt) {
  TextRequest req;
  req.model = "offline-text";
  req.system = "You are a helpful copywriter.";
  req.messages = {{"user", prompt}};
  return req;
}

inline ImageRequest MakeImage(const std::string& prompt) {
  ImageRequest req;
  req.model = "offline-image";
  req.prompt = prompt;
  return req;
}

inline uint32_t ReadU32(const std::string& s, size_t at) {
  return (uint32_t{static_cast<unsigned char>(s[at])} << 24) |
         (uint32_t{static_cast<unsigned char>(s[at + 1])} << 16) |
         (uint32_t{static_cast<unsigned char>(s[at + 2])} << 8) |
         uint32_t{static_cast<unsigned char>(s[at + 3])};
}

struct ParsedPng {
  uint32_t width = 0, height = 0;
  int bit_depth = 0, colour_type = 0;
  std::string idat;
  bool crcs_ok = true;
  bool has_iend = false;
};

inline ParsedPng ParsePng(const std::string& png) {
  ParsedPng out;
  size_t pos = 8;
  while (pos + 12 <= png.size()) {
    uint32_t len = ReadU32(png, pos);
    std::string type = png.substr(pos + 4, 4);
    std::string data = png.substr(pos + 8, len);
    uint32_t crc = ReadU32(png, pos + 8 + len);
    uLong want = crc32(0L, Z_NULL, 0);
    want = crc32(want, reinterpret_cast<const Bytef*>(png.data() + pos + 4), len + 4);
    if (crc != static_cast<uint32_t>(want)) out.crcs_ok = false;
    if (type == "IHDR") {
      out.width = ReadU32(data, 0);
      out.height = ReadU32(data, 4);
      out.bit_depth = static_cast<unsigned char>(data[8]);
      out.colour_type = static_cast<unsigned char>(data[9]);
    } else if (type == "IDAT") {
      out.idat += data;
    } else if (type == "IEND") {
      out.has_iend = true;
    }
    pos += 12 + len;
  }
  return out;
}

}  // namespace atelier::offline_test
