// Deterministic stand-in pictures for the offline provider: a two-colour gradient, a few
// translucent circles and rectangles, and a caption band with the start of the prompt in a 5x7
// bitmap font. Everything is derived from the seeds, so equal seeds give equal pixels.
// Pure function; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "providers/offline/png_writer.h"

namespace atelier::offline {

// `palette_seed` picks the colours (shared by the images of one request, so a batch looks like a
// set); `layout_seed` places the shapes and tilts the gradient (different for each image).
// Width and height must be positive (the provider validates the request range).
RgbImage RenderImage(std::string_view prompt, int width, int height, uint64_t palette_seed,
                     uint64_t layout_seed);

// The caption as drawn: the prompt on one line, upper-cased, non-ASCII characters shown as '?',
// cut to `max_chars` characters with "..." when longer.
std::string CaptionText(std::string_view prompt, size_t max_chars = 30);

}  // namespace atelier::offline
