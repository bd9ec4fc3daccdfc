// Encodes 8-bit RGB pixels as a PNG file (colour type 2, no interlace, filter 0 on every row).
// Pure function; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "atelier/core/status.h"

namespace atelier::offline {

// An RGB raster: rows top to bottom, 3 bytes per pixel, no padding.
struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // width * height * 3

  RgbImage(int w, int h) : width(w), height(h), pixels(static_cast<size_t>(w) * h * 3) {}
  uint8_t* At(int x, int y) { return &pixels[(static_cast<size_t>(y) * width + x) * 3]; }
};

// Internal if zlib fails (out of memory). A `revision` above 0 is recorded in a tEXt chunk
// ("atelier-revision"), so an edit of an edit knows how many refinements the picture has had.
Result<std::string> EncodePng(const RgbImage& image, int revision = 0);

}  // namespace atelier::offline
