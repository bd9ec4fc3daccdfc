#include "nodes/export/markdown.h"

#include <algorithm>
#include <cctype>

namespace atelier::md {
namespace {

bool IsPunct(char c) { return std::ispunct(static_cast<unsigned char>(c)) != 0; }
bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (IsSpace(s.front()) || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (IsSpace(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

class InlineParser {
 public:
  explicit InlineParser(std::string_view text) : text_(text) {}

  std::vector<Span> Run() {
    size_t i = 0;
    while (i < text_.size()) {
      char c = text_[i];
      if (c == '\\' && i + 1 < text_.size() && IsPunct(text_[i + 1])) {
        buf_ += text_[i + 1];
        i += 2;
      } else if (c == '`') {
        size_t end = text_.find('`', i + 1);
        if (end == std::string_view::npos) {
          buf_ += c;
          ++i;
          continue;
        }
        Flush();
        Span s;
        s.text = std::string(text_.substr(i + 1, end - i - 1));
        s.code = true;
        s.bold = bold_;
        s.italic = italic_;
        out_.push_back(std::move(s));
        i = end + 1;
      } else if (c == '*' && i + 1 < text_.size() && text_[i + 1] == '*') {
        if (bold_ || text_.find("**", i + 2) != std::string_view::npos) {
          Flush();
          bold_ = !bold_;
        } else {
          buf_ += "**";
        }
        i += 2;
      } else if (c == '*' || c == '_') {
        if (Toggles(i, c)) {
          Flush();
          italic_ = !italic_;
        } else {
          buf_ += c;
        }
        ++i;
      } else if (c == '[') {
        size_t close = text_.find("](", i + 1);
        size_t end = close == std::string_view::npos ? close : text_.find(')', close + 2);
        if (end == std::string_view::npos) {
          buf_ += c;
          ++i;
          continue;
        }
        Flush();
        std::string href(Trim(text_.substr(close + 2, end - close - 2)));
        for (Span s : InlineParser(text_.substr(i + 1, close - i - 1)).Run()) {
          s.bold = s.bold || bold_;
          s.italic = s.italic || italic_;
          s.href = href;
          out_.push_back(std::move(s));
        }
        i = end + 1;
      } else {
        buf_ += c;
        ++i;
      }
    }
    Flush();
    return std::move(out_);
  }

 private:
  // A single * or _ opens emphasis before a non-space with a closing marker later, and closes
  // emphasis that is open. Underscores count only at word boundaries (snake_case stays).
  bool Toggles(size_t i, char c) const {
    auto alnum = [&](size_t j) {
      return j < text_.size() && std::isalnum(static_cast<unsigned char>(text_[j])) != 0;
    };
    if (italic_) return c != '_' || !alnum(i + 1);
    if (i + 1 >= text_.size() || IsSpace(text_[i + 1])) return false;
    if (c == '_' && i > 0 && alnum(i - 1)) return false;
    for (size_t j = text_.find(c, i + 1); j != std::string_view::npos; j = text_.find(c, j + 1)) {
      if (IsSpace(text_[j - 1])) continue;
      if (c == '_' && alnum(j + 1)) continue;
      if (c == '*' && j + 1 < text_.size() && text_[j + 1] == '*') {
        ++j;
        continue;
      }
      return true;
    }
    return false;
  }

  void Flush() {
    if (buf_.empty()) return;
    Span s;
    s.text = std::move(buf_);
    s.bold = bold_;
    s.italic = italic_;
    out_.push_back(std::move(s));
    buf_.clear();
  }

  std::string_view text_;
  std::string buf_;
  bool bold_ = false;
  bool italic_ = false;
  std::vector<Span> out_;
};

// "1. item" / "12) item": the text after the marker, or npos.
size_t NumberedMarker(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) ++i;
  if (i == 0 || i > 9 || i + 1 >= line.size()) return std::string_view::npos;
  if ((line[i] == '.' || line[i] == ')') && IsSpace(line[i + 1])) return i + 2;
  return std::string_view::npos;
}

}  // namespace

std::vector<Span> ParseInline(std::string_view text) { return InlineParser(text).Run(); }

std::vector<Block> ParseBlocks(std::string_view markdown) {
  std::vector<Block> blocks;
  std::string para;   // pending paragraph text
  std::string quote;  // pending quote text
  std::string code;   // pending fenced code
  bool in_code = false;
  auto flush = [&] {
    if (!para.empty()) {
      Block b;
      b.spans = ParseInline(para);
      blocks.push_back(std::move(b));
      para.clear();
    }
    if (!quote.empty()) {
      Block b;
      b.kind = Block::Kind::kQuote;
      b.spans = ParseInline(quote);
      blocks.push_back(std::move(b));
      quote.clear();
    }
  };
  auto flush_code = [&] {
    Block b;
    b.kind = Block::Kind::kCode;
    Span s;
    s.text = std::move(code);
    s.code = true;
    b.spans.push_back(std::move(s));
    blocks.push_back(std::move(b));
    code.clear();
  };
  auto join = [](std::string* acc, std::string_view text) {
    if (!acc->empty()) *acc += ' ';
    *acc += text;
  };

  size_t pos = 0;
  while (pos <= markdown.size()) {
    size_t nl = markdown.find('\n', pos);
    if (nl == std::string_view::npos) nl = markdown.size();
    std::string_view raw = markdown.substr(pos, nl - pos);
    pos = nl + 1;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    std::string_view line = Trim(raw);

    if (line.substr(0, 3) == "```") {
      if (in_code) {
        flush_code();
        in_code = false;
      } else {
        flush();
        in_code = true;
      }
      continue;
    }
    if (in_code) {
      if (!code.empty()) code += '\n';
      code += raw;
      continue;
    }
    if (line.empty()) {
      flush();
      continue;
    }
    size_t hashes = 0;
    while (hashes < line.size() && line[hashes] == '#') ++hashes;
    if (hashes >= 1 && hashes <= 6 && (hashes == line.size() || IsSpace(line[hashes]))) {
      flush();
      Block b;
      b.kind = Block::Kind::kHeading;
      b.level = static_cast<int>(hashes);
      std::string_view text = Trim(line.substr(hashes));
      while (!text.empty() && text.back() == '#') text.remove_suffix(1);
      b.spans = ParseInline(Trim(text));
      blocks.push_back(std::move(b));
      continue;
    }
    if (line.size() >= 2 && (line[0] == '-' || line[0] == '*' || line[0] == '+') &&
        IsSpace(line[1])) {
      flush();
      Block b;
      b.kind = Block::Kind::kBullet;
      b.spans = ParseInline(Trim(line.substr(2)));
      blocks.push_back(std::move(b));
      continue;
    }
    if (size_t at = NumberedMarker(line); at != std::string_view::npos) {
      flush();
      Block b;
      b.kind = Block::Kind::kNumbered;
      b.spans = ParseInline(Trim(line.substr(at)));
      blocks.push_back(std::move(b));
      continue;
    }
    if (line[0] == '>') {
      if (!para.empty()) {
        std::string keep = std::move(quote);
        quote.clear();
        flush();
        quote = std::move(keep);
      }
      join(&quote, Trim(line.substr(1)));
      continue;
    }
    if (!quote.empty()) flush();
    join(&para, line);
  }
  if (in_code) flush_code();  // an unclosed fence runs to the end
  flush();
  return blocks;
}

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

// Links to javascript: and similar schemes would run script when the page is opened.
bool SafeHref(const std::string& href) {
  std::string lower;
  for (char c : href) {
    if (!std::isspace(static_cast<unsigned char>(c)))
      lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  size_t colon = lower.find(':');
  if (colon == std::string::npos) return true;
  size_t slash = lower.find_first_of("/?#");
  if (slash != std::string::npos && slash < colon) return true;
  std::string scheme = lower.substr(0, colon);
  return scheme == "http" || scheme == "https" || scheme == "mailto";
}

std::string SpansToHtml(const std::vector<Span>& spans) {
  std::string out;
  for (const Span& s : spans) {
    std::string piece = EscapeHtml(s.text);
    if (s.code) piece = "<code>" + piece + "</code>";
    if (s.italic) piece = "<em>" + piece + "</em>";
    if (s.bold) piece = "<strong>" + piece + "</strong>";
    if (!s.href.empty() && SafeHref(s.href))
      piece = "<a href=\"" + EscapeHtml(s.href) + "\">" + piece + "</a>";
    out += piece;
  }
  return out;
}

}  // namespace

std::string BlocksToHtml(const std::vector<Block>& blocks) {
  std::string out;
  Block::Kind open_list = Block::Kind::kParagraph;  // kBullet / kNumbered while a list is open
  auto close_list = [&] {
    if (open_list == Block::Kind::kBullet) out += "</ul>\n";
    if (open_list == Block::Kind::kNumbered) out += "</ol>\n";
    open_list = Block::Kind::kParagraph;
  };
  for (const Block& b : blocks) {
    if (b.kind != open_list) close_list();
    switch (b.kind) {
      case Block::Kind::kParagraph:
        out += "<p>" + SpansToHtml(b.spans) + "</p>\n";
        break;
      case Block::Kind::kHeading: {
        // Section headings are <h2>; headings inside a body sit below them.
        int level = std::min(6, b.level + 2);
        std::string tag = "h" + std::to_string(level);
        out += "<" + tag + ">" + SpansToHtml(b.spans) + "</" + tag + ">\n";
        break;
      }
      case Block::Kind::kBullet:
      case Block::Kind::kNumbered:
        if (open_list != b.kind) {
          out += b.kind == Block::Kind::kBullet ? "<ul>\n" : "<ol>\n";
          open_list = b.kind;
        }
        out += "<li>" + SpansToHtml(b.spans) + "</li>\n";
        break;
      case Block::Kind::kQuote:
        out += "<blockquote><p>" + SpansToHtml(b.spans) + "</p></blockquote>\n";
        break;
      case Block::Kind::kCode:
        out +=
            "<pre><code>" + EscapeHtml(b.spans.empty() ? "" : b.spans[0].text) + "</code></pre>\n";
        break;
    }
  }
  close_list();
  return out;
}

}  // namespace atelier::md
