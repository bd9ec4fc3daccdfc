#include "text_synth.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <unordered_set>

#include "prng.h"

namespace atelier::offline {
namespace {

constexpr const char* kAdjectives[] = {
    "bold",    "clear",  "fresh",    "modern",   "thoughtful", "vibrant",  "practical",
    "elegant", "simple", "reliable", "timeless", "curated",    "seamless", "focused",
    "warm",    "crisp",  "polished", "honest",   "dynamic",    "balanced", "inviting",
};
constexpr const char* kNouns[] = {
    "story",    "design",     "experience", "detail",      "moment",    "vision",  "craft",
    "audience", "message",    "journey",    "idea",        "community", "quality", "brand",
    "season",   "collection", "approach",   "perspective", "feature",   "value",   "routine",
};
constexpr const char* kVerbs[] = {
    "brings",  "shapes",   "highlights", "celebrates", "delivers", "invites",
    "reveals", "balances", "connects",   "elevates",   "supports", "inspires",
};
// {K} keyword, {A} adjective, {N} noun, {V} verb. Every template names a keyword so a reader
// sees what the paragraph is about.
constexpr const char* kTemplates[] = {
    "Every {N} around {K} {V} a {A} {N}.",
    "At its heart, {K} is about a {A} {N} that {V} the {N}.",
    "We see {K} as a {A} way to reach the {N}.",
    "The {A} side of {K} {V} each {N} with care.",
    "With {K} in focus, the {N} feels {A} and {A}.",
    "A {A} take on {K} {V} the {N} without the noise.",
    "Readers will notice how {K} {V} a {A} {N}.",
    "From {K} to {K}, the {N} stays {A}.",
    "Think of {K} as the {N} that {V} everything else.",
    "This is where {K} meets a {A} {N}.",
    "Small details in {K} make the whole {N} more {A}.",
    "The result is a {A} {N}, shaped by {K}.",
};
constexpr const char* kStopwords[] = {
    "about",  "above",   "after",   "again",  "also",    "because",  "been",    "before",
    "being",  "below",   "between", "both",   "could",   "create",   "does",    "doing",
    "down",   "during",  "each",    "from",   "further", "generate", "give",    "have",
    "having", "here",    "into",    "just",   "like",    "make",     "more",    "most",
    "much",   "need",    "only",    "other",  "over",    "please",   "same",    "shall",
    "short",  "should",  "some",    "such",   "than",    "that",     "their",   "them",
    "then",   "there",   "these",   "they",   "this",    "those",    "through", "under",
    "until",  "using",   "very",    "want",   "were",    "what",     "when",    "where",
    "which",  "while",   "will",    "with",   "within",  "would",    "write",   "your",
    "yours",  "mention", "include", "change", "rewrite", "revise",   "keep",    "instead",
    "sure",   "tone",
};
constexpr const char* kShorterWords[] = {"shorter", "shorten",  "concise", "brief",
                                         "trim",    "condense", "tighten", "summar"};
constexpr const char* kLongerWords[] = {"longer", "expand", "elaborate", "more detail", "extend"};

template <size_t N>
const char* Pick(SplitMix64& rng, const char* const (&words)[N]) {
  return words[rng.Next() % N];
}

bool IsWordByte(unsigned char c) { return std::isalnum(c) || c >= 0x80; }

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
char AsciiUpper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = AsciiLower(c);
  return out;
}

// Words of `text` with template braces and punctuation removed; apostrophes vanish so "don't"
// stays one word.
std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> words;
  std::string cur;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '\'') continue;
    if (IsWordByte(c)) {
      cur.push_back(ch);
    } else if (!cur.empty()) {
      words.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  return words;
}

// Collapses all whitespace runs (newlines included) to single spaces and trims the ends.
std::string OneLine(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
    } else {
      if (space) out.push_back(' ');
      space = false;
      out.push_back(c);
    }
  }
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

template <size_t N>
bool ContainsAny(const std::string& haystack, const char* const (&needles)[N]) {
  for (const char* n : needles) {
    if (haystack.find(n) != std::string::npos) return true;
  }
  return false;
}

bool StartsWithVowelSound(std::string_view word) {
  if (word.empty()) return false;
  std::string lw = Lower(word.substr(0, std::min<size_t>(word.size(), 4)));
  if (lw.rfind("hon", 0) == 0 || lw.rfind("hour", 0) == 0) return true;
  if (lw.rfind("uni", 0) == 0 || lw.rfind("use", 0) == 0) return false;
  return std::string_view("aeiou").find(lw[0]) != std::string_view::npos;
}

class ProseWriter {
 public:
  ProseWriter(uint64_t seed, std::vector<std::string> keywords)
      : rng_(seed), keywords_(std::move(keywords)) {}

  std::string Sentence() {
    std::string raw = kTemplates[rng_.Next() % std::size(kTemplates)];
    std::vector<std::string> words;
    std::string word;
    auto flush = [&] {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    };
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '{' && i + 2 < raw.size() && raw[i + 2] == '}') {
        word += Slot(raw[i + 1]);
        i += 2;
      } else if (raw[i] == ' ') {
        flush();
      } else {
        word.push_back(raw[i]);
      }
    }
    flush();
    std::string out;
    for (size_t i = 0; i < words.size(); ++i) {
      if (i > 0) out.push_back(' ');
      out += words[i];
      // "a elegant" -> "an elegant".
      if ((words[i] == "a" || words[i] == "A") && i + 1 < words.size() &&
          StartsWithVowelSound(words[i + 1])) {
        out.push_back('n');
      }
    }
    if (!out.empty()) out[0] = AsciiUpper(out[0]);
    return out;
  }

  std::string Paragraph() {
    int sentences = rng_.Range(2, 4);
    std::string out;
    for (int i = 0; i < sentences; ++i) {
      if (i > 0) out.push_back(' ');
      out += Sentence();
    }
    return out;
  }

  SplitMix64& rng() { return rng_; }

 private:
  std::string Slot(char kind) {
    switch (kind) {
      case 'A':
        return Pick(rng_, kAdjectives);
      case 'N':
        return Pick(rng_, kNouns);
      case 'V':
        return Pick(rng_, kVerbs);
      case 'K':
        // Walk the keywords in prompt order so each one shows up before any repeats.
        if (keywords_.empty()) return Pick(rng_, kNouns);
        return keywords_[next_keyword_++ % keywords_.size()];
      default:
        return "";
    }
  }

  SplitMix64 rng_;
  std::vector<std::string> keywords_;
  size_t next_keyword_ = 0;
};

uint64_t RequestHash(const TextRequest& req) {
  Fnv1a h;
  h.Field(req.model).Field(req.system);
  h.Int(static_cast<int64_t>(req.messages.size()));
  for (const auto& m : req.messages) h.Field(m.role).Field(m.content);
  h.Int(std::llround(req.temperature * 10.0));
  // A regeneration asks for another take on the same request.
  if (req.call.knobs.is_object() && req.call.knobs.contains("variation") &&
      req.call.knobs["variation"].is_number_integer())
    h.Int(req.call.knobs["variation"].get<int64_t>());
  return h.value();
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

std::vector<std::string> SplitSentences(const std::string& paragraph) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i < paragraph.size(); ++i) {
    char c = paragraph[i];
    if ((c == '.' || c == '!' || c == '?') &&
        (i + 1 == paragraph.size() || paragraph[i + 1] == ' ')) {
      out.push_back(Trim(std::string_view(paragraph).substr(start, i + 1 - start)));
      start = i + 1;
    }
  }
  if (start < paragraph.size()) {
    std::string rest = Trim(std::string_view(paragraph).substr(start));
    if (!rest.empty()) out.push_back(rest);
  }
  return out;
}

std::string FreshText(const TextRequest& req, const std::string& prompt, uint64_t seed) {
  std::string title = TitleFromPrompt(prompt);
  std::vector<std::string> keywords = KeywordsOf(prompt);
  for (auto& k : KeywordsOf(req.system)) {
    if (std::find(keywords.begin(), keywords.end(), k) == keywords.end()) keywords.push_back(k);
  }
  ProseWriter writer(seed, std::move(keywords));
  int paragraphs = writer.rng().Range(2, 4);
  std::vector<std::string> parts;
  parts.push_back("# " + (title.empty() ? std::string("Untitled") : title));
  for (int i = 0; i < paragraphs; ++i) parts.push_back(writer.Paragraph());
  return Join(parts, "\n\n");
}

// Applies `instruction` to `previous` (an earlier reply); see SynthesizeText.
std::string RevisedText(const std::string& previous, const std::string& first_prompt,
                        const std::string& instruction_raw, uint64_t seed) {
  std::string instruction = OneLine(instruction_raw);

  std::string title;
  std::vector<std::string> paragraphs;
  std::vector<std::string> revisions;
  std::string body = previous;
  {
    std::string trimmed = Trim(previous);
    if (trimmed.rfind("# ", 0) == 0) {
      size_t eol = trimmed.find('\n');
      title = Trim(trimmed.substr(2, eol == std::string::npos ? std::string::npos : eol - 2));
      body = eol == std::string::npos ? "" : trimmed.substr(eol + 1);
    }
  }
  // Blocks are separated by blank lines.
  std::string block;
  auto flush = [&] {
    std::string b = Trim(block);
    block.clear();
    if (b.empty()) return;
    if (b.rfind("> Revised:", 0) == 0) {
      revisions.push_back(std::move(b));
    } else {
      paragraphs.push_back(std::move(b));
    }
  };
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t eol = body.find('\n', pos);
    std::string line = body.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    if (Trim(line).empty()) {
      flush();
    } else {
      if (!block.empty()) block.push_back('\n');
      block += line;
    }
    if (eol == std::string::npos) break;
    pos = eol + 1;
  }
  flush();

  if (title.empty()) title = TitleFromPrompt(first_prompt);
  if (title.empty()) title = "Untitled";
  if (size_t p = title.rfind(" (Revision "); p != std::string::npos && title.back() == ')') {
    title.resize(p);
  }
  title += " (Revision " + std::to_string(revisions.size() + 1) + ")";

  std::string lower = Lower(instruction);
  if (ContainsAny(lower, kShorterWords)) {
    if (paragraphs.size() >= 2) {
      paragraphs.resize(paragraphs.size() / 2);
    } else if (paragraphs.size() == 1) {
      std::vector<std::string> sentences = SplitSentences(paragraphs[0]);
      sentences.resize(std::max<size_t>(1, sentences.size() / 2));
      paragraphs[0] = Join(sentences, " ");
    }
  } else {
    std::vector<std::string> keywords = KeywordsOf(instruction);
    if (keywords.empty()) keywords = KeywordsOf(first_prompt);
    ProseWriter writer(seed, std::move(keywords));
    int extra = ContainsAny(lower, kLongerWords) ? 2 : 1;
    for (int i = 0; i < extra; ++i) paragraphs.push_back(writer.Paragraph());
  }
  revisions.push_back("> Revised: " + instruction);

  std::vector<std::string> parts;
  parts.push_back("# " + title);
  parts.insert(parts.end(), paragraphs.begin(), paragraphs.end());
  parts.insert(parts.end(), revisions.begin(), revisions.end());
  return Join(parts, "\n\n");
}

}  // namespace

std::string TitleFromPrompt(std::string_view prompt, size_t max_words) {
  std::vector<std::string> words = Words(prompt);
  if (words.size() > max_words) words.resize(max_words);
  for (auto& w : words) w[0] = AsciiUpper(w[0]);
  return Join(words, " ");
}

std::vector<std::string> KeywordsOf(std::string_view text) {
  static const std::unordered_set<std::string_view> stop(std::begin(kStopwords),
                                                         std::end(kStopwords));
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  for (auto& w : Words(text)) {
    if (w.size() < 4) continue;
    if (std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    std::string lw = Lower(w);
    if (stop.count(lw) || !seen.insert(lw).second) continue;
    out.push_back(std::move(lw));
  }
  return out;
}

std::string ProseSentences(std::vector<std::string> keywords, uint64_t seed, int sentences) {
  ProseWriter writer(seed, std::move(keywords));
  std::string out;
  for (int i = 0; i < sentences; ++i) {
    if (i > 0) out.push_back(' ');
    out += writer.Sentence();
  }
  return out;
}

std::string TruncateAtWord(std::string text, size_t max_chars) {
  if (text.size() <= max_chars) return text;
  size_t cut = std::string::npos;
  for (size_t i = max_chars; i > 0; --i) {
    if (std::isspace(static_cast<unsigned char>(text[i]))) {
      cut = i;
      break;
    }
  }
  if (cut == std::string::npos) {
    // One long word: cut inside it, but on a UTF-8 character boundary.
    cut = max_chars;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  }
  text.resize(cut);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

std::string SynthesizeText(const TextRequest& req) {
  const uint64_t seed = RequestHash(req);
  int user_turns = 0;
  int last_user = -1;
  for (int i = 0; i < static_cast<int>(req.messages.size()); ++i) {
    if (req.messages[i].role == "user") {
      ++user_turns;
      last_user = i;
    }
  }
  int previous_reply = -1;
  for (int i = last_user - 1; i >= 0; --i) {
    if (req.messages[i].role == "assistant") {
      previous_reply = i;
      break;
    }
  }

  std::string text;
  if (user_turns >= 2 && previous_reply >= 0) {
    std::string first_prompt;
    for (const auto& m : req.messages) {
      if (m.role == "user") {
        first_prompt = m.content;
        break;
      }
    }
    text = RevisedText(req.messages[previous_reply].content, first_prompt,
                       req.messages[last_user].content, seed);
  } else {
    std::string prompt = last_user >= 0 ? req.messages[last_user].content : req.system;
    text = FreshText(req, prompt, seed);
  }
  if (req.max_tokens > 0)
    text = TruncateAtWord(std::move(text), static_cast<size_t>(req.max_tokens) * 4);
  return text;
}

}  // namespace atelier::offline
