#include "markdown.h"

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

// The first `needle` at or after a position, remembering its last answer. The parser asks with
// growing positions, and asked afresh, each '[' of a long run without "](" scanned to the end:
// 600 KB of '[' took 4 s.
class NextOf {
 public:
  explicit NextOf(std::string_view needle) : needle_(needle) {}
  size_t Find(std::string_view text, size_t pos) {
    // The last answer holds for any position from where it was asked up to the answer itself.
    if (!known_ || pos < from_ || pos > at_) {
      from_ = pos;
      at_ = text.find(needle_, pos);
      known_ = true;
    }
    return at_;
  }

 private:
  std::string_view needle_;
  bool known_ = false;
  size_t from_ = 0;
  size_t at_ = 0;
};

class InlineParser {
 public:
  explicit InlineParser(std::string_view text)
      : text_(text), last_star_(LastCloser(text, '*')), last_underscore_(LastCloser(text, '_')) {}

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
        size_t close = link_close_.Find(text_, i + 1);
        size_t end = close == std::string_view::npos ? close : link_end_.Find(text_, close + 2);
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
  // (A single '*' here is never followed by another: "**" is bold.)
  bool Toggles(size_t i, char c) const {
    if (italic_) return c != '_' || !Alnum(text_, i + 1);
    if (i + 1 >= text_.size() || IsSpace(text_[i + 1])) return false;
    if (c == '_' && i > 0 && Alnum(text_, i - 1)) return false;
    const size_t last = c == '*' ? last_star_ : last_underscore_;
    return last != std::string_view::npos && last > i;
  }

  static bool Alnum(std::string_view t, size_t j) {
    return j < t.size() && std::isalnum(static_cast<unsigned char>(t[j])) != 0;
  }

  // The last marker `c` that could close emphasis opened before it, found in one pass (asked
  // for each opener, the search scanned every later marker: 600 KB of "*a " took 262 s).
  // An '_' closes when not after a space nor before a letter or digit. '*'s come in runs, and
  // a scan for a closer enters each run at its first '*' and passes over "**" pairs: after a
  // space the first '*' cannot close and pairing starts at the second, so a run closes (at its
  // last '*') when its length is even after a space and odd otherwise.
  static size_t LastCloser(std::string_view t, char c) {
    size_t last = std::string_view::npos;
    for (size_t j = t.find(c); j != std::string_view::npos; j = t.find(c, j + 1)) {
      if (c == '_') {
        if (j > 0 && !IsSpace(t[j - 1]) && !Alnum(t, j + 1)) last = j;
        continue;
      }
      size_t end = j;
      while (end + 1 < t.size() && t[end + 1] == '*') ++end;
      const size_t length = end - j + 1;
      const bool after_space = j == 0 || IsSpace(t[j - 1]);
      if (length % 2 == (after_space ? 0u : 1u)) last = end;
      j = end;
    }
    return last;
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
  size_t last_star_;        // LastCloser
  size_t last_underscore_;  // LastCloser
  NextOf link_close_{"]("};
  NextOf link_end_{")"};
  std::string buf_;
  bool bold_ = false;
  bool italic_ = false;
  std::vector<Span> out_;
};

// Columns of leading whitespace (a tab runs to the next multiple of 4).
int IndentOf(std::string_view raw) {
  int col = 0;
  for (char c : raw) {
    if (c == ' ')
      ++col;
    else if (c == '\t')
      col = (col / 4 + 1) * 4;
    else
      break;
  }
  return col;
}

// A list item's marker at the start of a trimmed line: "- x", "* x", "+ x", "1. x", "12) x".
struct Marker {
  bool ordered = false;
  int number = 1;
  size_t text = 0;  // where the item's text starts in the line
  int width = 0;    // columns from the marker to the text
};

bool ListMarker(std::string_view line, Marker* out) {
  size_t i = 0;
  if (!line.empty() && (line[0] == '-' || line[0] == '*' || line[0] == '+')) {
    i = 1;
    out->ordered = false;
  } else {
    while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) ++i;
    if (i == 0 || i > 9 || i >= line.size() || (line[i] != '.' && line[i] != ')')) return false;
    out->ordered = true;
    out->number = std::stoi(std::string(line.substr(0, i)));
    ++i;
  }
  size_t spaces = 0;
  while (i + spaces < line.size() && IsSpace(line[i + spaces])) ++spaces;
  if (spaces == 0 || i + spaces >= line.size()) return false;  // "-x", or a marker alone
  out->text = i + spaces;
  // Text indented 5+ columns past the marker would be indented code: the item starts after one.
  out->width = static_cast<int>(i + (spaces > 4 ? 1 : spaces));
  return true;
}

bool IsHeading(std::string_view line) {
  size_t hashes = 0;
  while (hashes < line.size() && line[hashes] == '#') ++hashes;
  return hashes >= 1 && hashes <= 6 && (hashes == line.size() || IsSpace(line[hashes]));
}

// The cells of a table row: outer pipes dropped, split at pipes that are not escaped; "\|" is
// a literal pipe (also inside `code`).
std::vector<std::string> SplitRow(std::string_view line) {
  line = Trim(line);
  if (!line.empty() && line.front() == '|') line.remove_prefix(1);
  if (!line.empty() && line.back() == '|' && (line.size() < 2 || line[line.size() - 2] != '\\'))
    line.remove_suffix(1);
  std::vector<std::string> cells(1);
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '\\' && i + 1 < line.size()) {
      if (line[i + 1] != '|') cells.back() += c;
      cells.back() += line[++i];
    } else if (c == '|') {
      cells.emplace_back();
    } else {
      cells.back() += c;
    }
  }
  for (std::string& cell : cells) cell = std::string(Trim(cell));
  return cells;
}

bool HasUnescapedPipe(std::string_view line) {
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\')
      ++i;
    else if (line[i] == '|')
      return true;
  }
  return false;
}

// "| :--- | :-: | --: |": the alignment of each column, or false when `line` is not a
// delimiter row.
bool DelimiterRow(std::string_view line, std::vector<Block::Align>* align) {
  if (line.find('-') == std::string_view::npos) return false;
  align->clear();
  for (const std::string& cell : SplitRow(line)) {
    if (cell.empty()) return false;
    bool left = cell.front() == ':', right = cell.size() > 1 && cell.back() == ':';
    size_t from = left ? 1 : 0, to = cell.size() - (right ? 1 : 0);
    if (from >= to) return false;
    for (size_t i = from; i < to; ++i) {
      if (cell[i] != '-') return false;
    }
    align->push_back(left && right ? Block::Align::kCenter
                     : left        ? Block::Align::kLeft
                     : right       ? Block::Align::kRight
                                   : Block::Align::kNone);
  }
  return true;
}

// The flat entries of one list region, in order: items and paragraphs that continue an item
// (after a blank line, indented). Their indentation decides the nesting.
struct ListEntry {
  bool paragraph = false;
  int indent = 0;   // column of the marker (or of the paragraph's text)
  int content = 0;  // column of the item's text
  bool ordered = false;
  int number = 1;
  std::string text;
};

// Nests the entries into lists: an item indented past its predecessor's marker (at least to
// its text, or by two columns, whichever is less) starts a list inside that item; an item back
// at an outer marker's column continues that list; a switch between bullets and numbers at one
// level starts a new list.
std::vector<Block> BuildLists(const std::vector<ListEntry>& entries) {
  std::vector<Block> out;
  struct Level {
    int indent;
    int content;
    Block* list;  // stays valid: only the deepest level's containers grow
  };
  std::vector<Level> levels;
  auto new_list = [](const ListEntry& e) {
    Block b;
    b.kind = Block::Kind::kList;
    b.ordered = e.ordered;
    b.start = e.ordered ? e.number : 1;
    return b;
  };
  for (const ListEntry& e : entries) {
    if (e.paragraph) {
      while (levels.size() > 1 && e.indent <= levels.back().indent) levels.pop_back();
      if (levels.empty()) continue;
      Block p;
      p.spans = ParseInline(e.text);
      levels.back().list->items.back().children.push_back(std::move(p));
      continue;
    }
    while (levels.size() > 1 && e.indent < levels.back().indent) levels.pop_back();
    if (levels.empty()) {
      out.push_back(new_list(e));
      levels.push_back({e.indent, e.content, &out.back()});
    } else if (const Level& top = levels.back();
               e.indent >= std::min(top.content, top.indent + 2)) {
      std::vector<Block>& children = top.list->items.back().children;
      children.push_back(new_list(e));
      levels.push_back({e.indent, e.content, &children.back()});
    } else if (top.list->ordered != e.ordered) {
      std::vector<Block>& container =
          levels.size() == 1 ? out : levels[levels.size() - 2].list->items.back().children;
      container.push_back(new_list(e));
      levels.back() = {e.indent, e.content, &container.back()};
    }
    ListItem item;
    item.spans = ParseInline(e.text);
    levels.back().list->items.push_back(std::move(item));
  }
  return out;
}

}  // namespace

std::vector<Span> ParseInline(std::string_view text) { return InlineParser(text).Run(); }

std::vector<Block> ParseBlocks(std::string_view markdown) {
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos <= markdown.size();) {
    size_t nl = markdown.find('\n', pos);
    if (nl == std::string_view::npos) nl = markdown.size();
    std::string_view raw = markdown.substr(pos, nl - pos);
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    lines.push_back(raw);
    pos = nl + 1;
  }

  std::vector<Block> blocks;
  std::string para;   // pending paragraph text
  std::string quote;  // pending quote text
  std::string code;   // pending fenced code
  bool in_code = false;
  std::vector<ListEntry> list;  // pending list region
  bool list_gap = false;        // a blank line since the list's last line
  auto flush_text = [&] {
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
  auto flush_list = [&] {
    for (Block& b : BuildLists(list)) blocks.push_back(std::move(b));
    list.clear();
    list_gap = false;
  };
  auto flush = [&] {
    flush_text();
    flush_list();
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
  // A header row followed by a delimiter row with as many cells starts a table.
  std::vector<Block::Align> align;
  auto table_starts = [&](size_t i) {
    return HasUnescapedPipe(lines[i]) && i + 1 < lines.size() &&
           DelimiterRow(lines[i + 1], &align) && align.size() == SplitRow(lines[i]).size();
  };

  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view raw = lines[i];
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
      flush_text();
      if (!list.empty()) list_gap = true;
      continue;
    }
    const int indent = IndentOf(raw);
    const bool table = table_starts(i);
    Marker marker;
    const bool item = !table && ListMarker(line, &marker);
    if (!list.empty() && !item) {
      const bool starts_block = table || IsHeading(line) || line[0] == '>';
      if (!list_gap && !starts_block) {  // a lazy continuation of the last item or paragraph
        join(&list.back().text, line);
        continue;
      }
      if (list_gap && !starts_block && indent >= 2 && indent > list.front().indent) {
        ListEntry e;
        e.paragraph = true;
        e.indent = indent;
        e.text = std::string(line);
        list.push_back(std::move(e));
        list_gap = false;
        continue;
      }
      flush_list();
    }
    if (item) {
      flush_text();
      ListEntry e;
      e.indent = indent;
      e.content = indent + marker.width;
      e.ordered = marker.ordered;
      e.number = marker.number;
      e.text = std::string(Trim(line.substr(marker.text)));
      list.push_back(std::move(e));
      list_gap = false;
      continue;
    }
    if (IsHeading(line)) {
      flush();
      size_t hashes = line.find_first_not_of('#');
      Block b;
      b.kind = Block::Kind::kHeading;
      b.level = static_cast<int>(hashes == std::string_view::npos ? line.size() : hashes);
      std::string_view text = Trim(line.substr(static_cast<size_t>(b.level)));
      while (!text.empty() && text.back() == '#') text.remove_suffix(1);
      b.spans = ParseInline(Trim(text));
      blocks.push_back(std::move(b));
      continue;
    }
    if (table) {
      flush();
      Block b;
      b.kind = Block::Kind::kTable;
      b.align = align;
      auto add_row = [&](std::string_view row_line) {
        std::vector<std::string> cells = SplitRow(row_line);
        cells.resize(b.align.size());  // missing cells are empty, extra ones dropped
        std::vector<Cell> row;
        for (const std::string& cell : cells) row.push_back(ParseInline(cell));
        b.rows.push_back(std::move(row));
      };
      add_row(line);
      ++i;  // the delimiter row
      // Body rows run to a blank line or the start of another block.
      while (i + 1 < lines.size()) {
        std::string_view next = Trim(lines[i + 1]);
        if (next.empty() || next.substr(0, 3) == "```" || IsHeading(next) || next[0] == '>') break;
        add_row(next);
        ++i;
      }
      blocks.push_back(std::move(b));
      continue;
    }
    if (line[0] == '>') {
      if (!para.empty()) {
        std::string keep = std::move(quote);
        quote.clear();
        flush_text();
        quote = std::move(keep);
      }
      join(&quote, Trim(line.substr(1)));
      continue;
    }
    if (!quote.empty()) flush_text();
    join(&para, line);
  }
  if (in_code) flush_code();  // an unclosed fence runs to the end
  flush();
  return blocks;
}

void AppendEscapedMarkup(std::string* out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&':
        *out += "&amp;";
        break;
      case '<':
        *out += "&lt;";
        break;
      case '>':
        *out += "&gt;";
        break;
      case '"':
        *out += "&quot;";
        break;
      case '\'':
        *out += "&#39;";
        break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r') *out += c;
    }
  }
}

std::string EscapeMarkup(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendEscapedMarkup(&out, text);
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

// Each span's text escaped inside its tags: <a> outermost, then <strong>, <em>, <code>.
void AppendSpansHtml(const std::vector<Span>& spans, std::string* out) {
  for (const Span& s : spans) {
    const bool link = !s.href.empty() && SafeHref(s.href);
    if (link) {
      *out += "<a href=\"";
      AppendEscapedMarkup(out, s.href);
      *out += "\">";
    }
    if (s.bold) *out += "<strong>";
    if (s.italic) *out += "<em>";
    if (s.code) *out += "<code>";
    AppendEscapedMarkup(out, s.text);
    if (s.code) *out += "</code>";
    if (s.italic) *out += "</em>";
    if (s.bold) *out += "</strong>";
    if (link) *out += "</a>";
  }
}

const char* AlignStyle(Block::Align a) {
  switch (a) {
    case Block::Align::kLeft:
      return " style=\"text-align: left\"";
    case Block::Align::kCenter:
      return " style=\"text-align: center\"";
    case Block::Align::kRight:
      return " style=\"text-align: right\"";
    case Block::Align::kNone:
      break;
  }
  return "";
}

void AppendHtml(const Block& b, std::string* out) {
  switch (b.kind) {
    case Block::Kind::kParagraph:
      *out += "<p>";
      AppendSpansHtml(b.spans, out);
      *out += "</p>\n";
      break;
    case Block::Kind::kHeading: {
      // Section headings are <h2>; headings inside a body sit below them.
      const char level = static_cast<char>('0' + std::min(6, b.level + 2));
      *out += "<h";
      *out += level;
      *out += '>';
      AppendSpansHtml(b.spans, out);
      *out += "</h";
      *out += level;
      *out += ">\n";
      break;
    }
    case Block::Kind::kList: {
      if (!b.ordered)
        *out += "<ul>\n";
      else if (b.start != 1)
        *out += "<ol start=\"" + std::to_string(b.start) + "\">\n";
      else
        *out += "<ol>\n";
      for (const ListItem& item : b.items) {
        *out += "<li>";
        AppendSpansHtml(item.spans, out);
        if (!item.children.empty()) {
          *out += "\n";
          for (const Block& child : item.children) AppendHtml(child, out);
        }
        *out += "</li>\n";
      }
      *out += b.ordered ? "</ol>\n" : "</ul>\n";
      break;
    }
    case Block::Kind::kQuote:
      *out += "<blockquote><p>";
      AppendSpansHtml(b.spans, out);
      *out += "</p></blockquote>\n";
      break;
    case Block::Kind::kCode:
      *out += "<pre><code>";
      if (!b.spans.empty()) AppendEscapedMarkup(out, b.spans[0].text);
      *out += "</code></pre>\n";
      break;
    case Block::Kind::kTable: {
      *out += "<table>\n";
      for (size_t r = 0; r < b.rows.size(); ++r) {
        const char* cell = r == 0 ? "th" : "td";
        if (r == 0) *out += "<thead>\n";
        if (r == 1) *out += "<tbody>\n";
        *out += "<tr>";
        for (size_t c = 0; c < b.rows[r].size(); ++c) {
          *out += '<';
          *out += cell;
          if (c < b.align.size()) *out += AlignStyle(b.align[c]);
          *out += '>';
          AppendSpansHtml(b.rows[r][c], out);
          *out += "</";
          *out += cell;
          *out += '>';
        }
        *out += "</tr>\n";
        if (r == 0) *out += "</thead>\n";
      }
      if (b.rows.size() > 1) *out += "</tbody>\n";
      *out += "</table>\n";
      break;
    }
  }
}

}  // namespace

std::string BlocksToHtml(const std::vector<Block>& blocks) {
  std::string out;
  for (const Block& b : blocks) AppendHtml(b, &out);
  return out;
}

}  // namespace atelier::md
