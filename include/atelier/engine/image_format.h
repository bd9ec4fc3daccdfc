// What image bytes are, read from their header: the shared answer for provider adapters (images
// that come back without a type or size) and nodes (attached images). Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace atelier {

// "image/png", "image/jpeg", "image/gif" or "image/webp"; "" when not recognised.
std::string SniffImageMime(std::string_view bytes);
// Width and height from a PNG IHDR, a GIF screen descriptor or a JPEG SOF segment; {0, 0} when
// unknown.
std::pair<int, int> SniffImageSize(std::string_view bytes);
// ".png", ".jpg", ".gif", ".webp"; ".bin" for anything else.
std::string ImageExtension(const std::string& mime);

}  // namespace atelier
