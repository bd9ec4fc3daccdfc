// Decodes the PNGs this provider writes (8-bit RGB, no interlace, any of the five row filters),
// so an edit can start from the previous picture's pixels. Anything else (other colour types or
// depths, interlaced files, JPEG, corrupt data) is refused; the caller then falls back.
// Pure function; thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "png_writer.h"

namespace atelier::offline {

// Sides outside 1..max_side are refused too, so a hostile header cannot make us allocate
// gigabytes. Chunk CRCs are not checked: zlib's own checksum already guards the pixels.
std::optional<RgbImage> DecodePng(std::string_view bytes, int max_side = 2048);

// The "atelier-revision" tEXt value EncodePng recorded (how many edits led to this picture);
// 0 when there is none or `bytes` is not a PNG.
int PngRevision(std::string_view bytes);

}  // namespace atelier::offline
