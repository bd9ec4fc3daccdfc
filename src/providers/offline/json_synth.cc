#include "json_synth.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "png_reader.h"
#include "prng.h"
#include "text_synth.h"

namespace atelier::offline {
namespace {

constexpr int kMaxDepth = 32;
constexpr int64_t kMaxItems = 1000;
constexpr int64_t kMaxStringLength = 100000;

constexpr const char* kUnsupported[] = {"$ref",
                                        "allOf",
                                        "not",
                                        "if",
                                        "then",
                                        "else",
                                        "pattern",
                                        "patternProperties",
                                        "prefixItems",
                                        "contains",
                                        "minContains",
                                        "maxContains",
                                        "dependentSchemas",
                                        "dependentRequired",
                                        "propertyNames",
                                        "unevaluatedProperties",
                                        "unevaluatedItems",
                                        "$dynamicRef",
                                        "$recursiveRef"};

constexpr const char* kPraise[] = {"clear",     "focused",  "engaging",   "vivid",
                                   "confident", "readable", "well paced", "concrete"};
constexpr const char* kAdvice[] = {"tighten the opening",
                                   "add a concrete example",
                                   "end with a stronger call to action",
                                   "cut repeated phrases",
                                   "make the structure easier to scan",
                                   "sharpen the headline",
                                   "give the reader one clear takeaway",
                                   "vary the sentence length"};

// Words of review and rating requests themselves, left out so feedback talks about the content.
constexpr const char* kRequestWords[] = {
    "review",   "reviews", "draft",    "drafts",   "rate",      "rating",  "score", "scores",
    "evaluate", "assess",  "critique", "feedback", "following", "content", "text",  "json",
    "return",   "respond", "answer",   "grade",    "judge",     "check",   "below", "above"};

bool NameHas(std::string_view name, std::initializer_list<std::string_view> parts) {
  std::string lower(name);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view p : parts) {
    if (lower.find(p) != std::string::npos) return true;
  }
  return false;
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Byte offset just after the first `n` code points of `s`.
size_t OffsetOfCodePoint(std::string_view s, size_t n) {
  size_t seen = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (seen == n) return i;
      ++seen;
    }
  }
  return s.size();
}

std::string HashHex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// "(Revision 3)" in the content -> 3; the highest one found; 0 when none.
int RevisionOf(std::string_view content) {
  int best = 0;
  constexpr std::string_view kTag = "(Revision ";
  for (size_t pos = content.find(kTag); pos != std::string_view::npos;
       pos = content.find(kTag, pos + 1)) {
    int n = 0;
    size_t i = pos + kTag.size();
    while (i < content.size() && n < 1000 && content[i] >= '0' && content[i] <= '9') {
      n = n * 10 + (content[i++] - '0');
    }
    if (i < content.size() && content[i] == ')') best = std::max(best, n);
  }
  return best;
}

class Synth {
 public:
  Synth(uint64_t seed, std::vector<std::string> keywords, int revision)
      : seed_(seed), keywords_(std::move(keywords)), revision_(revision) {}

  Result<Json> Value(const Json& schema, const std::string& path, std::string_view name, int depth,
                     int variant) {
    if (depth > kMaxDepth) return Fail(path, "schema nests deeper than 32 levels");
    if (schema.is_boolean()) {
      if (!schema.get<bool>()) return Fail(path, "schema 'false' accepts no value");
      return Json(Text(path, name, variant));
    }
    if (!schema.is_object()) return Fail(path, "schema must be an object, got " + schema.dump());
    for (const char* key : kUnsupported) {
      if (schema.contains(key)) return Fail(path, std::string("'") + key + "' is not supported");
    }
    if (auto it = schema.find("const"); it != schema.end()) return *it;
    if (auto it = schema.find("enum"); it != schema.end()) {
      if (!it->is_array() || it->empty()) return Fail(path, "'enum' must be a non-empty array");
      return (*it)[Rng(path, variant).Next() % it->size()];
    }
    for (const char* key : {"anyOf", "oneOf"}) {
      if (auto it = schema.find(key); it != schema.end()) {
        if (!it->is_array() || it->empty()) {
          return Fail(path, std::string("'") + key + "' must be a non-empty array");
        }
        return Value((*it)[0], path, name, depth + 1, variant);
      }
    }

    std::string type;
    if (auto it = schema.find("type"); it != schema.end()) {
      if (it->is_string()) {
        type = it->get<std::string>();
      } else if (it->is_array() && !it->empty() && (*it)[0].is_string()) {
        type = (*it)[0].get<std::string>();
      } else {
        return Fail(path, "'type' must be a string or a non-empty list of strings");
      }
    } else if (schema.contains("properties") || schema.contains("required")) {
      type = "object";
    } else if (schema.contains("items") || schema.contains("minItems") ||
               schema.contains("maxItems")) {
      type = "array";
    } else if (schema.contains("minimum") || schema.contains("maximum")) {
      type = "number";
    } else {
      type = "string";
    }

    if (type == "object") return Object(schema, path, depth, variant);
    if (type == "array") return Array(schema, path, name, depth, variant);
    if (type == "string") return String(schema, path, name, variant);
    if (type == "integer") return Integer(schema, path, name, variant);
    if (type == "number") return Number(schema, path, name, variant);
    if (type == "boolean") return Json((Rng(path, variant).Next() & 1) != 0);
    if (type == "null") return Json(nullptr);
    return Fail(path, "unsupported type '" + type + "'");
  }

 private:
  static tl::unexpected<Status> Fail(const std::string& path, const std::string& why) {
    return Err(InvalidArgument("offline provider: json_schema at " + path + ": " + why));
  }

  SplitMix64 Rng(const std::string& path, int variant) const {
    return SplitMix64(Fnv1a().Int(static_cast<int64_t>(seed_)).Field(path).Int(variant).value());
  }

  // A non-negative integer keyword, or `fallback` when absent.
  static Result<int64_t> Count(const Json& schema, const char* key, int64_t fallback,
                               const std::string& path) {
    auto it = schema.find(key);
    if (it == schema.end()) return fallback;
    if (it->is_number_unsigned()) {
      return static_cast<int64_t>(
          std::min<uint64_t>(it->get<uint64_t>(), std::numeric_limits<int64_t>::max()));
    }
    if (it->is_number_integer() && it->get<int64_t>() >= 0) return it->get<int64_t>();
    if (it->is_number_float() && it->get<double>() >= 0 && it->get<double>() < 9e18 &&
        std::floor(it->get<double>()) == it->get<double>()) {
      return static_cast<int64_t>(it->get<double>());
    }
    return Fail(path, std::string("'") + key + "' must be a non-negative integer");
  }

  Result<Json> Object(const Json& schema, const std::string& path, int depth, int variant) {
    Json out = Json::object();
    const Json empty = Json::object();
    if (auto it = schema.find("properties"); it != schema.end()) {
      if (!it->is_object()) return Fail(path, "'properties' must be an object");
      for (auto& [key, sub] : it->items()) {
        auto v = Value(sub, path + "." + key, key, depth + 1, variant);
        if (!v) return v;
        out[key] = std::move(*v);
      }
    }
    if (auto it = schema.find("required"); it != schema.end()) {
      if (!it->is_array()) return Fail(path, "'required' must be an array of names");
      for (const auto& key : *it) {
        if (!key.is_string()) return Fail(path, "'required' must be an array of names");
        const std::string k = key.get<std::string>();
        if (out.contains(k)) continue;
        auto v = Value(empty, path + "." + k, k, depth + 1, variant);
        if (!v) return v;
        out[k] = std::move(*v);
      }
    }
    auto min_props = Count(schema, "minProperties", 0, path);
    if (!min_props) return Err(min_props.error());
    auto max_props = Count(schema, "maxProperties", std::numeric_limits<int64_t>::max(), path);
    if (!max_props) return Err(max_props.error());
    const auto n = static_cast<int64_t>(out.size());
    if (n < *min_props || n > *max_props) {
      return Fail(path, "minProperties/maxProperties cannot be met by the declared properties");
    }
    return out;
  }

  Result<Json> Array(const Json& schema, const std::string& path, std::string_view name, int depth,
                     int variant) {
    const Json empty = Json::object();
    const Json* items = &empty;
    if (auto it = schema.find("items"); it != schema.end()) {
      if (it->is_array()) return Fail(path, "tuple 'items' (a list of schemas) is not supported");
      items = &*it;
    }
    auto min_items = Count(schema, "minItems", 0, path);
    if (!min_items) return Err(min_items.error());
    auto max_items = Count(schema, "maxItems", std::numeric_limits<int64_t>::max(), path);
    if (!max_items) return Err(max_items.error());
    if (*min_items > *max_items) return Fail(path, "minItems is greater than maxItems");
    if (*min_items > kMaxItems) return Fail(path, "minItems is over 1000");
    const int64_t n = std::clamp<int64_t>(2, *min_items, *max_items);
    bool unique = false;
    if (auto it = schema.find("uniqueItems"); it != schema.end() && it->is_boolean()) {
      unique = it->get<bool>();
    }

    Json out = Json::array();
    const std::string item_path = path + "[]";
    for (int64_t i = 0; i < n; ++i) {
      // Items differ by their variant; for uniqueItems, further variants until one is new.
      bool placed = false;
      for (int attempt = 0; attempt < 16 && !placed; ++attempt) {
        int item_variant = variant * 131 + static_cast<int>(i) + attempt * static_cast<int>(n);
        auto v = Value(*items, item_path, name, depth + 1, item_variant);
        if (!v) return v;
        if (unique && std::find(out.begin(), out.end(), *v) != out.end()) continue;
        out.push_back(std::move(*v));
        placed = true;
      }
      if (!placed) return Fail(path, "cannot find " + std::to_string(n) + " unique items");
    }
    return out;
  }

  const std::string& Keyword(size_t i) const {
    static const std::string kFallback[] = {"story", "design", "idea", "detail", "message"};
    if (keywords_.empty()) return kFallback[i % std::size(kFallback)];
    return keywords_[i % keywords_.size()];
  }

  // The unconstrained text for a string value, chosen by the property's name.
  std::string Text(const std::string& path, std::string_view name, int variant) {
    SplitMix64 rng = Rng(path, variant);
    if (NameHas(name, {"feedback", "comment", "critique", "review", "reason", "suggest", "note",
                       "explanation", "rationale", "advice", "improve"})) {
      const std::string& a = Keyword(0);
      const std::string& b = Keyword(1 + rng.Next() % 4);
      std::string s = "The part about " + a + " is " + kPraise[rng.Next() % std::size(kPraise)] +
                      "; to improve it, " + kAdvice[rng.Next() % std::size(kAdvice)];
      if (b != a) s += " and say more about " + b;
      s += ".";
      return s;
    }
    if (NameHas(name, {"tag", "keyword", "categor", "topic", "label"})) {
      return Keyword(static_cast<size_t>(variant) + rng.Next() % 3);
    }
    if (NameHas(name, {"title", "name", "headline", "heading", "subject"})) {
      std::string words;
      const size_t count = std::min<size_t>(std::max<size_t>(keywords_.size(), 2), 5);
      for (size_t i = 0; i < count; ++i) {
        if (i > 0) words.push_back(' ');
        words += Keyword(i + static_cast<size_t>(variant));
      }
      return TitleFromPrompt(words);
    }
    return ProseSentences(keywords_, rng.Next(), 1);
  }

  Result<Json> String(const Json& schema, const std::string& path, std::string_view name,
                      int variant) {
    auto min_len = Count(schema, "minLength", 0, path);
    if (!min_len) return Err(min_len.error());
    auto max_len = Count(schema, "maxLength", std::numeric_limits<int64_t>::max(), path);
    if (!max_len) return Err(max_len.error());
    if (*min_len > *max_len) return Fail(path, "minLength is greater than maxLength");
    if (*min_len > kMaxStringLength) return Fail(path, "minLength is over 100000");

    std::string s;
    if (auto it = schema.find("format"); it != schema.end()) {
      if (!it->is_string()) return Fail(path, "'format' must be a string");
      const std::string f = it->get<std::string>();
      SplitMix64 rng = Rng(path, variant);
      const uint64_t r = rng.Next();
      std::string word = Keyword(r % 7);
      std::string slug;
      for (char c : word) {
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) slug.push_back(c);
      }
      if (slug.empty()) slug = "item";
      char buf[64];
      if (f == "date-time") {
        std::snprintf(buf, sizeof(buf), "2024-%02d-%02dT%02d:%02d:00Z",
                      static_cast<int>(r % 12 + 1), static_cast<int>(r / 12 % 28 + 1),
                      static_cast<int>(r / 400 % 24), static_cast<int>(r / 10000 % 60));
        s = buf;
      } else if (f == "date") {
        std::snprintf(buf, sizeof(buf), "2024-%02d-%02d", static_cast<int>(r % 12 + 1),
                      static_cast<int>(r / 12 % 28 + 1));
        s = buf;
      } else if (f == "time") {
        std::snprintf(buf, sizeof(buf), "%02d:%02d:00", static_cast<int>(r % 24),
                      static_cast<int>(r / 24 % 60));
        s = buf;
      } else if (f == "email") {
        s = slug + "@example.com";
      } else if (f == "uri" || f == "url") {
        s = "https://example.com/" + slug;
      } else if (f == "uuid") {
        std::string h = HashHex(r) + HashHex(rng.Next());
        s = h.substr(0, 8) + "-" + h.substr(8, 4) + "-4" + h.substr(13, 3) + "-a" +
            h.substr(17, 3) + "-" + h.substr(20, 12);
      } else {
        return Fail(path, "unsupported format '" + f + "'");
      }
      const auto len = static_cast<int64_t>(CodePoints(s));
      if (len < *min_len || len > *max_len) {
        return Fail(path, "format '" + f + "' cannot meet minLength/maxLength");
      }
      return Json(s);
    }

    s = Text(path, name, variant);
    const auto min_n = static_cast<size_t>(*min_len);
    const auto max_n = static_cast<size_t>(std::min<int64_t>(*max_len, kMaxStringLength));
    if (CodePoints(s) > max_n) s = TruncateAtWord(std::move(s), OffsetOfCodePoint(s, max_n));
    for (size_t i = 0; CodePoints(s) < min_n; ++i) {
      if (!s.empty()) s.push_back(' ');
      s += Keyword(i);
    }
    if (CodePoints(s) > max_n) {
      s.resize(OffsetOfCodePoint(s, max_n));
      if (!s.empty() && s.back() == ' ') s.back() = '.';
    }
    return Json(s);
  }

  // Reads the bounds of a number: [lo, hi], each side closed unless `exclusive_*`.
  struct Bounds {
    double lo = 0, hi = 100;
    bool lo_open = false, hi_open = false;
  };

  Result<Bounds> ReadBounds(const Json& schema, const std::string& path) {
    Bounds b;
    bool has_lo = false, has_hi = false;
    auto num = [&](const char* key, double& out) -> Result<bool> {
      auto it = schema.find(key);
      if (it == schema.end()) return false;
      if (!it->is_number()) return Fail(path, std::string("'") + key + "' must be a number");
      out = it->get<double>();
      return true;
    };
    auto r = num("minimum", b.lo);
    if (!r) return Err(r.error());
    has_lo = *r;
    r = num("maximum", b.hi);
    if (!r) return Err(r.error());
    has_hi = *r;
    for (const char* key : {"exclusiveMinimum", "exclusiveMaximum"}) {
      const bool is_min = std::string_view(key) == "exclusiveMinimum";
      auto it = schema.find(key);
      if (it == schema.end()) continue;
      if (it->is_boolean()) {  // draft 4: modifies minimum / maximum
        if (is_min) b.lo_open = it->get<bool>() && has_lo;
        if (!is_min) b.hi_open = it->get<bool>() && has_hi;
      } else if (it->is_number()) {
        double v = it->get<double>();
        if (is_min && (!has_lo || v >= b.lo)) b.lo = v, b.lo_open = true, has_lo = true;
        if (!is_min && (!has_hi || v <= b.hi)) b.hi = v, b.hi_open = true, has_hi = true;
      } else {
        return Fail(path, std::string("'") + key + "' must be a number or a boolean");
      }
    }
    if (has_lo && !has_hi) b.hi = b.lo + 100;
    if (has_hi && !has_lo) b.lo = b.hi - 100;
    if (!std::isfinite(b.lo) || !std::isfinite(b.hi) || b.lo > b.hi) {
      return Fail(path, "minimum is greater than maximum");
    }
    return b;
  }

  // A fraction of the range in [0, 1): upper-middle and rising with revisions for scores.
  double Position(const std::string& path, std::string_view name, int variant) {
    double u = Rng(path, variant).Unit();
    if (!NameHas(name, {"score", "rating", "grade", "quality"})) return u;
    return std::min(0.999, 0.45 + 0.4 * u + 0.07 * revision_);
  }

  Result<Json> Integer(const Json& schema, const std::string& path, std::string_view name,
                       int variant) {
    auto b = ReadBounds(schema, path);
    if (!b) return Err(b.error());
    double lo_d = b->lo_open ? std::floor(b->lo) + 1 : std::ceil(b->lo);
    double hi_d = b->hi_open ? std::ceil(b->hi) - 1 : std::floor(b->hi);
    if (lo_d > hi_d || lo_d < -9e15 || hi_d > 9e15) {
      return Fail(path, "no integer lies within minimum/maximum");
    }
    auto lo = static_cast<int64_t>(lo_d), hi = static_cast<int64_t>(hi_d);
    int64_t step = 1;
    if (auto it = schema.find("multipleOf"); it != schema.end()) {
      if (!it->is_number() || it->get<double>() <= 0 ||
          std::floor(it->get<double>()) != it->get<double>() || it->get<double>() > 9e15) {
        return Fail(path, "'multipleOf' for an integer must be a positive integer");
      }
      step = static_cast<int64_t>(it->get<double>());
    }
    // Work in multiples of `step`: k in [ceil(lo / step), floor(hi / step)].
    auto floor_div = [](int64_t a, int64_t d) { return a / d - ((a % d != 0) && (a < 0)); };
    int64_t k_lo = -floor_div(-lo, step), k_hi = floor_div(hi, step);
    if (k_lo > k_hi) return Fail(path, "no multiple of 'multipleOf' lies within the bounds");
    double pos = Position(path, name, variant);
    auto k = k_lo + static_cast<int64_t>(std::floor(pos * static_cast<double>(k_hi - k_lo + 1)));
    return Json(std::clamp(k, k_lo, k_hi) * step);
  }

  Result<Json> Number(const Json& schema, const std::string& path, std::string_view name,
                      int variant) {
    auto b = ReadBounds(schema, path);
    if (!b) return Err(b.error());
    if (auto it = schema.find("multipleOf"); it != schema.end()) {
      if (!it->is_number() || it->get<double>() <= 0) {
        return Fail(path, "'multipleOf' must be a positive number");
      }
      const double m = it->get<double>();
      double k_lo = std::ceil(b->lo / m), k_hi = std::floor(b->hi / m);
      if (b->lo_open && k_lo * m <= b->lo) ++k_lo;
      if (b->hi_open && k_hi * m >= b->hi) --k_hi;
      if (k_lo > k_hi || k_hi - k_lo > 9e15) {
        return Fail(path, "no multiple of 'multipleOf' lies within the bounds");
      }
      double k = k_lo + std::floor(Position(path, name, variant) * (k_hi - k_lo + 1));
      return Json(std::min(k, k_hi) * m);
    }
    if (b->lo == b->hi) {
      if (b->lo_open || b->hi_open) return Fail(path, "no number lies within the bounds");
      return Json(b->lo);
    }
    // Two decimals read naturally; nudge inwards when rounding lands on an open bound.
    double v = b->lo + (b->hi - b->lo) * Position(path, name, variant);
    double r = std::round(v * 100) / 100;
    if (r >= b->lo && r <= b->hi && !(b->lo_open && r == b->lo) && !(b->hi_open && r == b->hi)) {
      v = r;
    }
    if (b->lo_open && v <= b->lo) v = b->lo + (b->hi - b->lo) / 2;
    return Json(v);
  }

  uint64_t seed_;
  std::vector<std::string> keywords_;
  int revision_;
};

}  // namespace

Result<Json> SynthesizeJson(const TextRequest& req) {
  std::string content;
  const ChatMessage* last_user = nullptr;
  for (auto it = req.messages.rbegin(); it != req.messages.rend(); ++it) {
    if (it->role == "user") {
      content = it->content;
      last_user = &*it;
      break;
    }
  }
  // An attached image that went through edits counts its refinements like a "(Revision N)"
  // draft does.
  int image_revision = 0;
  if (last_user)
    for (const auto& img : last_user->images)
      image_revision = std::max(image_revision, PngRevision(img.bytes));
  if (content.empty()) content = req.system;
  auto content_words = [](const std::string& text) {
    std::vector<std::string> words = KeywordsOf(text);
    std::erase_if(words, [](const std::string& w) {
      return std::find(std::begin(kRequestWords), std::end(kRequestWords), w) !=
             std::end(kRequestWords);
    });
    return words;
  };
  std::vector<std::string> keywords = content_words(content);
  if (keywords.empty()) keywords = content_words(req.system);
  // Only the content seeds the values: the same draft gets the same review whatever the wording
  // of the surrounding instructions.
  // The picture's refinements raise the score; its bytes do not reshuffle it, so a refined
  // image never scores below the one it refines.
  Synth synth(Fnv1a().Field(content).value(), std::move(keywords),
              std::max(RevisionOf(content), image_revision));
  return synth.Value(req.json_schema, "$", "", 0, 0);
}

}  // namespace atelier::offline
