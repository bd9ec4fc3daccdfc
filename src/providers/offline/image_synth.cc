#include "image_synth.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <initializer_list>
#include <numbers>
#include <string>

#include "font5x7.h"
#include "prng.h"

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

// How many bottom rows a caption band drawn by DrawCaption may cover: 13 glyph-scaled rows at
// most, and never more than a third of the height.
int CaptionBandLimit(int w, int h) {
  int scale = std::max(1, std::min(w, h) / 128);
  return std::min(kGlyphHeight * scale + 6 * scale, h / 3);
}

bool HasAny(const std::string& haystack, std::initializer_list<std::string_view> needles) {
  for (std::string_view n : needles) {
    if (haystack.find(n) != std::string::npos) return true;
  }
  return false;
}

// Bilinear sample of `src` at (sx, sy) in pixel-centre coordinates, clamped to rows [0, rows).
void Sample(const RgbImage& src, double sx, double sy, int rows, uint8_t* out) {
  sx = std::clamp(sx, 0.0, src.width - 1.0);
  sy = std::clamp(sy, 0.0, rows - 1.0);
  int x0 = static_cast<int>(sx), y0 = static_cast<int>(sy);
  int x1 = std::min(x0 + 1, src.width - 1), y1 = std::min(y0 + 1, rows - 1);
  double fx = sx - x0, fy = sy - y0;
  const uint8_t* p00 = &src.pixels[(static_cast<size_t>(y0) * src.width + x0) * 3];
  const uint8_t* p10 = &src.pixels[(static_cast<size_t>(y0) * src.width + x1) * 3];
  const uint8_t* p01 = &src.pixels[(static_cast<size_t>(y1) * src.width + x0) * 3];
  const uint8_t* p11 = &src.pixels[(static_cast<size_t>(y1) * src.width + x1) * 3];
  for (int c = 0; c < 3; ++c) {
    double top = p00[c] + (p10[c] - p00[c]) * fx;
    double bottom = p01[c] + (p11[c] - p01[c]) * fx;
    out[c] = static_cast<uint8_t>(std::clamp(std::lround(top + (bottom - top) * fy), 0L, 255L));
  }
}

Rgb MeanColour(const RgbImage& img, int rows) {
  int64_t sum[3] = {0, 0, 0};
  const size_t n = static_cast<size_t>(img.width) * rows;
  for (size_t i = 0; i < n; ++i) {
    for (int c = 0; c < 3; ++c) sum[c] += img.pixels[i * 3 + c];
  }
  const int64_t d = std::max<int64_t>(1, static_cast<int64_t>(n));
  return {static_cast<int>(sum[0] / d), static_cast<int>(sum[1] / d), static_cast<int>(sum[2] / d)};
}

// The scene (rows [0, scene_rows) of `src`) shrunk by `f` into the centre of a flat border.
RgbImage ZoomOut(const RgbImage& src, int scene_rows, double f) {
  RgbImage out(src.width, src.height);
  Rgb mean = MeanColour(src, scene_rows);
  Rgb border{mean.r * 45 / 100, mean.g * 45 / 100, mean.b * 45 / 100};
  for (size_t i = 0; i < out.pixels.size(); i += 3) {
    out.pixels[i] = static_cast<uint8_t>(border.r);
    out.pixels[i + 1] = static_cast<uint8_t>(border.g);
    out.pixels[i + 2] = static_cast<uint8_t>(border.b);
  }
  const int dw = std::max(1, static_cast<int>(std::lround(src.width * f)));
  const int dh = std::max(1, static_cast<int>(std::lround(scene_rows * f)));
  const int x0 = (src.width - dw) / 2, y0 = (scene_rows - dh) / 2;
  const double step_x = static_cast<double>(src.width) / dw;
  const double step_y = static_cast<double>(scene_rows) / dh;
  for (int y = 0; y < dh; ++y) {
    uint8_t* p = out.At(x0, y0 + y);
    for (int x = 0; x < dw; ++x, p += 3) {
      Sample(src, (x + 0.5) * step_x - 0.5, (y + 0.5) * step_y - 0.5, scene_rows, p);
    }
  }
  return out;
}

// The centre of the scene, a fraction `f` of the picture's size, enlarged to the whole picture.
RgbImage ZoomIn(const RgbImage& src, int scene_rows, double f) {
  RgbImage out(src.width, src.height);
  const double cw = src.width * f;
  const double ch = std::min(src.height * f, static_cast<double>(scene_rows));
  const double left = (src.width - cw) / 2.0, top = (scene_rows - ch) / 2.0;
  const double step_x = cw / src.width, step_y = ch / src.height;
  for (int y = 0; y < src.height; ++y) {
    uint8_t* p = out.At(0, y);
    for (int x = 0; x < src.width; ++x, p += 3) {
      Sample(src, left + (x + 0.5) * step_x - 0.5, top + (y + 0.5) * step_y - 0.5, scene_rows, p);
    }
  }
  return out;
}

// Applies `f` to every channel value through a lookup table.
template <class F>
void MapChannels(RgbImage& img, F f) {
  std::array<std::array<uint8_t, 256>, 3> lut;
  for (int c = 0; c < 3; ++c) {
    for (int v = 0; v < 256; ++v) {
      lut[c][v] = static_cast<uint8_t>(std::clamp(static_cast<int>(std::lround(f(c, v))), 0, 255));
    }
  }
  for (size_t i = 0; i < img.pixels.size(); i += 3) {
    for (int c = 0; c < 3; ++c) img.pixels[i + c] = lut[c][img.pixels[i + c]];
  }
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

RgbImage RenderEdit(const RgbImage& previous, std::string_view instruction, uint64_t seed,
                    int variant) {
  std::string lower(instruction);
  for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const int w = previous.width, h = previous.height;
  const int band = CaptionBandLimit(w, h);
  const int scene_rows = std::max(1, h - band);

  RgbImage img = previous;
  // Cover the old caption by repeating the last scene row, so the old text does not show through
  // the new, translucent band.
  if (band > 0 && scene_rows < h) {
    const size_t stride = static_cast<size_t>(w) * 3;
    for (int y = scene_rows; y < h; ++y) {
      std::copy_n(img.At(0, scene_rows - 1), stride, img.At(0, y));
    }
  }

  bool changed = false;
  const double v = variant;
  if (HasAny(lower, {"zoom out", "smaller", "wider", "pull back", "further"})) {
    img = ZoomOut(img, scene_rows, std::max(0.4, 0.7 - 0.04 * v));
    changed = true;
  } else if (HasAny(lower,
                    {"zoom in", "closer", "close up", "close-up", "bigger", "larger", "crop"})) {
    img = ZoomIn(img, scene_rows, std::max(0.4, 0.7 - 0.04 * v));
    changed = true;
  }
  if (HasAny(lower, {"bright", "lighter", "lighten"})) {
    const double a = 0.3 + 0.04 * v;
    MapChannels(img, [a](int, int x) { return x + (255 - x) * a; });
    changed = true;
  } else if (HasAny(lower, {"dark", "dimmer"})) {
    const double a = 0.7 - 0.04 * v;
    MapChannels(img, [a](int, int x) { return x * a; });
    changed = true;
  }
  if (HasAny(lower, {"warm"})) {
    const int d = 28 + 4 * variant;
    MapChannels(img, [d](int c, int x) { return c == 0 ? x + d : c == 1 ? x + d / 4 : x - d; });
    changed = true;
  } else if (HasAny(lower, {"cool", "cold"})) {
    const int d = 28 + 4 * variant;
    MapChannels(img, [d](int c, int x) { return c == 0 ? x - d : c == 1 ? x + d / 4 : x + d; });
    changed = true;
  }
  if (HasAny(lower, {"contrast"})) {
    Rgb m = MeanColour(img, scene_rows);
    const int mean[3] = {m.r, m.g, m.b};
    const double k = 1.35 + 0.05 * v;
    MapChannels(img, [&](int c, int x) { return mean[c] + (x - mean[c]) * k; });
    changed = true;
  }
  if (!changed || HasAny(lower, {"add"})) {
    SplitMix64 rng(Fnv1a().Int(static_cast<int64_t>(seed)).Int(variant).value());
    Rgb mean = MeanColour(img, scene_rows);
    // Opposite the picture's mean hue, bright, so the addition stands out but fits the set.
    double hue = rng.Unit();
    {
      double r = mean.r / 255.0, g = mean.g / 255.0, b = mean.b / 255.0;
      double mx = std::max({r, g, b}), mn = std::min({r, g, b});
      if (mx - mn > 1e-6) {
        double hh = mx == r   ? (g - b) / (mx - mn)
                    : mx == g ? 2 + (b - r) / (mx - mn)
                              : 4 + (r - g) / (mx - mn);
        hue = hh / 6.0 + 0.5 + 0.1 * (rng.Unit() - 0.5);
      }
    }
    Rgb c = FromHsv(hue, 0.35 + 0.3 * rng.Unit(), 0.85 + 0.15 * rng.Unit());
    const double side = std::min(w, scene_rows);
    double cx = w * (0.2 + 0.6 * rng.Unit()), cy = scene_rows * (0.2 + 0.6 * rng.Unit());
    // Round things are drawn round and boxy things boxy; anything else by chance.
    bool round = rng.Range(0, 2) < 2;
    if (HasAny(lower, {"moon", "sun", "ball", "circle", "planet", "dot", "balloon", "wheel"})) {
      round = true;
    } else if (HasAny(lower, {"box", "square", "window", "door", "build", "sign", "rect"})) {
      round = false;
    }
    if (round) {
      double r = side * (0.08 + 0.1 * rng.Unit());
      FillCircle(img, cx, cy, r + std::max(1.0, side / 128), Rgb{250, 250, 245}, 230);
      FillCircle(img, cx, cy, r, c, 240);
    } else {
      int rw = static_cast<int>(w * (0.12 + 0.15 * rng.Unit()));
      int rh = static_cast<int>(scene_rows * (0.12 + 0.15 * rng.Unit()));
      int edge = std::max(1, static_cast<int>(side / 128));
      int x0 = static_cast<int>(cx) - rw / 2, y0 = static_cast<int>(cy) - rh / 2;
      FillRect(img, x0 - edge, y0 - edge, x0 + rw + edge, y0 + rh + edge, Rgb{250, 250, 245}, 230);
      FillRect(img, x0, y0, x0 + rw, y0 + rh, c, 240);
    }
  }
  DrawCaption(img, instruction);
  return img;
}

}  // namespace atelier::offline
