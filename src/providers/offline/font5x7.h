// A built-in 5x7 bitmap font for image captions: A-Z, 0-9, space and common punctuation.
// Lower-case letters map to upper case; anything else draws as '?'.
#pragma once

#include <array>
#include <cstdint>

namespace atelier::offline {

inline constexpr int kGlyphWidth = 5;
inline constexpr int kGlyphHeight = 7;

// Seven rows, top first; in each row bit 4 is the leftmost pixel.
using Glyph = std::array<uint8_t, kGlyphHeight>;

const Glyph& GlyphFor(char c);

}  // namespace atelier::offline
