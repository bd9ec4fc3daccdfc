// Deterministic stand-in pictures for the offline provider: a two-colour gradient, a few
// translucent circles and rectangles, and a caption band with the start of the prompt in a 5x7
// bitmap font; and edits of such pictures that keep the scene and change it as an instruction
// asks. Everything is derived from the inputs, so equal inputs give equal pixels.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "png_writer.h"

namespace atelier::offline {

// `palette_seed` picks the colours (shared by the images of one request, so a batch looks like a
// set); `layout_seed` places the shapes and tilts the gradient (different for each image).
// Width and height must be positive (the provider validates the request range).
RgbImage RenderImage(std::string_view prompt, int width, int height, uint64_t palette_seed,
                     uint64_t layout_seed);

// `previous` refined by `instruction`, chosen by keywords (several may apply, in this order):
//   "zoom out", "smaller", "wider", "pull back", "further"  the old scene shrunk into the centre
//                                    on a flat border of its own darkened mean colour;
//   "zoom in", "closer", "close up", "bigger", "larger", "crop"  the centre cropped and enlarged;
//   "bright", "lighter", "lighten"   brighter;   "dark", "dimmer"  darker;
//   "warm"                           a red-orange tint;   "cool", "cold"  a blue tint;
//   "contrast"                       more contrast around the mean;
//   "add", or none of the above      a new shape placed and coloured from `seed` (a circle
//                                    for "moon", "sun", "ball"..., a box for "window", "sign"...).
// The old caption band is covered and a new one shows the instruction. `variant` (0 for the first
// image of a batch) varies the strength, so the images of one call differ.
RgbImage RenderEdit(const RgbImage& previous, std::string_view instruction, uint64_t seed,
                    int variant);

// The caption as drawn: the prompt on one line, upper-cased, non-ASCII characters shown as '?',
// cut to `max_chars` characters with "..." when longer.
std::string CaptionText(std::string_view prompt, size_t max_chars = 30);

}  // namespace atelier::offline
