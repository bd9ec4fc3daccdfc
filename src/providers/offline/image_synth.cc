#include "providers/offline/image_synth.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <numbers>
#include <string>

#include "providers/offline/font5x7.h"
#include "providers/offline/prng.h"

namespace atelier::offline {
namespace {

struct Rgb {
  int r = 0, g = 0, b = 0;
};

// h, s, v in [0, 1]; h wraps.
Rgb FromHsv(double h, double s, double v) {
  h = h - std::floor(h);
  double c = v * s;
  double hp = h * 6.0;
  double x = c * (1.0 - std::fabs(std::fmod(hp, 2.0) - 1.0));
  double r = 0, g = 0, b = 0;
  switch (static_cast<int>(hp)) {
    case 0:
      r = c, g = x;
      break;
    case 1:
      r = x, g = c;
      break;
    case 2:
      g = c, b = x;
      break;
    case 3:
      g = x, b = c;
      break;
    case 4:
      r = x, b = c;
      break;
    default:
      r = c, b = x;
      break;
  }
  double m = v - c;
  auto to8 = [m](double u) {
    return std::clamp(static_cast<int>(std::lround((u + m) * 255.0)), 0, 255);
  };
  return {to8(r), to8(g), to8(b)};
}

// Blends `c` over the pixel with opacity `a` in [0, 256].
inline void Blend(uint8_t* p, const Rgb& c, int a) {
  p[0] = static_cast<uint8_t>((c.r * a + p[0] * (256 - a)) >> 8);
  p[1] = static_cast<uint8_t>((c.g * a + p[1] * (256 - a)) >> 8);
  p[2] = static_cast<uint8_t>((c.b * a + p[2] * (256 - a)) >> 8);
}

void FillGradient(RgbImage& img, Rgb from, Rgb to, double angle) {
  std::array<Rgb, 256> lut;
  for (int i = 0; i < 256; ++i) {
    lut[i] = {from.r + (to.r - from.r) * i / 255, from.g + (to.g - from.g) * i / 255,
              from.b + (to.b - from.b) * i / 255};
  }
  // t = 0.5 + ((x - cx) cos + (y - cy) sin) / diagonal, which stays within [0, 1].
  const double diag = std::hypot(img.width, img.height);
  const double dx = std::cos(angle) / diag, dy = std::sin(angle) / diag;
  const double cx = img.width / 2.0, cy = img.height / 2.0;
  for (int y = 0; y < img.height; ++y) {
    double t = 0.5 + (0 - cx) * dx + (y - cy) * dy;
    uint8_t* p = img.At(0, y);
    for (int x = 0; x < img.width; ++x, t += dx, p += 3) {
      const Rgb& c = lut[std::clamp(static_cast<int>(t * 255.0 + 0.5), 0, 255)];
      p[0] = static_cast<uint8_t>(c.r);
      p[1] = static_cast<uint8_t>(c.g);
      p[2] = static_cast<uint8_t>(c.b);
    }
  }
}

// A circle with an anti-aliased edge.
void FillCircle(RgbImage& img, double cx, double cy, double r, Rgb c, int alpha) {
  int x0 = std::max(0, static_cast<int>(std::floor(cx - r - 1)));
  int x1 = std::min(img.width - 1, static_cast<int>(std::ceil(cx + r + 1)));
  int y0 = std::max(0, static_cast<int>(std::floor(cy - r - 1)));
  int y1 = std::min(img.height - 1, static_cast<int>(std::ceil(cy + r + 1)));
  if (x0 > x1 || y0 > y1) return;
  const double inner = std::max(0.0, r - 0.5), outer = r + 0.5;
  const double inner2 = inner * inner, outer2 = outer * outer;
  for (int y = y0; y <= y1; ++y) {
    double ddy = y + 0.5 - cy;
    uint8_t* p = img.At(x0, y);
    for (int x = x0; x <= x1; ++x, p += 3) {
      double ddx = x + 0.5 - cx;
      double d2 = ddx * ddx + ddy * ddy;
      if (d2 >= outer2) continue;
      if (d2 <= inner2) {
        Blend(p, c, alpha);
      } else {
        double coverage = outer - std::sqrt(d2);  // in (0, 1) on the edge
        Blend(p, c, static_cast<int>(alpha * coverage));
      }
    }
  }
}

void FillRect(RgbImage& img, int x0, int y0, int x1, int y1, Rgb c, int alpha) {
  x0 = std::max(0, x0), y0 = std::max(0, y0);
  x1 = std::min(img.width, x1), y1 = std::min(img.height, y1);
  if (x0 >= x1 || y0 >= y1) return;
  for (int y = y0; y < y1; ++y) {
    uint8_t* p = img.At(x0, y);
    for (int x = x0; x < x1; ++x, p += 3) Blend(p, c, alpha);
  }
}

void DrawText(RgbImage& img, const std::string& text, int left, int top, int scale, Rgb c) {
  for (size_t i = 0; i < text.size(); ++i) {
    const Glyph& g = GlyphFor(text[i]);
    int gx = left + static_cast<int>(i) * (kGlyphWidth + 1) * scale;
    for (int row = 0; row < kGlyphHeight; ++row) {
      for (int col = 0; col < kGlyphWidth; ++col) {
        if (!(g[row] & (0x10 >> col))) continue;
        FillRect(img, gx + col * scale, top + row * scale, gx + (col + 1) * scale,
                 top + (row + 1) * scale, c, 256);
      }
    }
  }
}

void DrawCaption(RgbImage& img, std::string_view prompt) {
  std::string text = CaptionText(prompt);
  if (text.empty()) return;
  const int w = img.width, h = img.height;
  const int advance = kGlyphWidth + 1;  // one pixel of spacing between glyphs
  int scale = std::max(1, std::min(w, h) / 128);
  auto margin = [&](int s) { return 3 * s; };
  auto text_width = [&](size_t n, int s) { return static_cast<int>(n) * advance * s - s; };
  while (scale > 1 && text_width(text.size(), scale) > w - 2 * margin(scale)) --scale;
  const int room = w - 2 * margin(scale);
  if (text_width(text.size(), scale) > room) {
    size_t fit = static_cast<size_t>(std::max(0, (room + scale) / (advance * scale)));
    if (fit < 4) return;
    text = text.substr(0, fit - 3) + "...";
  }
  const int band = kGlyphHeight * scale + 2 * margin(scale);
  if (band > h / 3) return;  // too small an image for a legible caption
  FillRect(img, 0, h - band, w, h, Rgb{12, 12, 16}, 180);
  int left = (w - text_width(text.size(), scale)) / 2;
  int top = h - band + margin(scale);
  DrawText(img, text, left, top, scale, Rgb{245, 245, 240});
}

}  // namespace

std::string CaptionText(std::string_view prompt, size_t max_chars) {
  std::string out;
  size_t chars = 0;
  bool space = false, truncated = false;
  for (char ch : prompt) {
    auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0) == 0x80) continue;  // UTF-8 continuation byte: one '?' per code point
    if (std::isspace(c)) {
      space = !out.empty();
      continue;
    }
    size_t need = space ? 2 : 1;
    if (chars + need > max_chars) {
      truncated = true;
      break;
    }
    if (space) out.push_back(' '), ++chars;
    space = false;
    out.push_back(c >= 0x80 ? '?' : static_cast<char>(std::toupper(c)));
    ++chars;
  }
  if (truncated) out += "...";
  return out;
}

RgbImage RenderImage(std::string_view prompt, int width, int height, uint64_t palette_seed,
                     uint64_t layout_seed) {
  RgbImage img(width, height);
  SplitMix64 palette(palette_seed);
  SplitMix64 rng(layout_seed);

  const double base_hue = palette.Unit();
  const double second_hue = base_hue + 0.2 + 0.35 * palette.Unit();
  Rgb from = FromHsv(base_hue, 0.55 + 0.3 * palette.Unit(), 0.25 + 0.25 * palette.Unit());
  Rgb to = FromHsv(second_hue, 0.45 + 0.35 * palette.Unit(), 0.7 + 0.25 * palette.Unit());
  FillGradient(img, from, to, rng.Unit() * 2.0 * std::numbers::pi);

  const int shapes = rng.Range(5, 9);
  const double side = std::min(width, height);
  for (int i = 0; i < shapes; ++i) {
    // Shape colours stay near the background's two hues, plus one accent, so they look related.
    double hue = (i % 3 == 2) ? base_hue + 0.5 : (i % 2 ? base_hue : second_hue);
    Rgb c =
        FromHsv(hue + 0.08 * (rng.Unit() - 0.5), 0.4 + 0.5 * rng.Unit(), 0.55 + 0.45 * rng.Unit());
    int alpha = rng.Range(140, 230);
    double cx = rng.Unit() * width, cy = rng.Unit() * height;
    if (rng.Range(0, 9) < 6) {
      FillCircle(img, cx, cy, side * (0.05 + 0.2 * rng.Unit()), c, alpha);
    } else {
      double rw = width * (0.08 + 0.3 * rng.Unit()), rh = height * (0.08 + 0.3 * rng.Unit());
      FillRect(img, static_cast<int>(cx - rw / 2), static_cast<int>(cy - rh / 2),
               static_cast<int>(cx + rw / 2), static_cast<int>(cy + rh / 2), c, alpha);
    }
  }
  DrawCaption(img, prompt);
  return img;
}

}  // namespace atelier::offline
