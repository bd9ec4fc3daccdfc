// A small Markdown reader for the export node: the common subset that text models write
// (paragraphs, # headings, **bold**, *italic*, `code`, [links](url), > quotes, ``` fenced code,
// bullet (- * +) and ordered (1. 1)) lists nested by indentation, and GFM pipe tables with column
// alignment), parsed into blocks of styled spans that the HTML and DOCX writers render.
// Anything else is kept as plain text. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace atelier::md {

// A run of text with one style.
struct Span {
  std::string text;
  bool bold = false;
  bool italic = false;
  bool code = false;
  std::string href;  // non-empty inside a link
};

struct ListItem;

// One table cell: its inline content.
using Cell = std::vector<Span>;

struct Block {
  enum class Kind { kParagraph, kHeading, kList, kQuote, kCode, kTable };
  enum class Align { kNone, kLeft, kCenter, kRight };
  Kind kind = Kind::kParagraph;
  int level = 0;            // heading level 1..6
  std::vector<Span> spans;  // kCode: one span holding the lines, '\n'-separated

  // kList: one list of items at one nesting level; a nested list is a child of an item.
  bool ordered = false;
  int start = 1;  // the first number of an ordered list
  std::vector<ListItem> items;

  // kTable: rows[0] is the header row; every row has align.size() cells.
  std::vector<Align> align;
  std::vector<std::vector<Cell>> rows;
};

struct ListItem {
  std::vector<Span> spans;      // the item's text
  std::vector<Block> children;  // nested lists, and paragraphs continuing the item
};
// Parses inline markup of one block's text. Unmatched markers stay literal.
std::vector<Span> ParseInline(std::string_view text);

// Splits `markdown` into blocks.
std::vector<Block> ParseBlocks(std::string_view markdown);

// Escapes &, <, >, " and ' as references, for the text and attribute values of HTML and XML
// alike (' as &#39;, which both read), and drops the control characters XML 1.0 cannot hold
// (all below 0x20 but tab, newline and carriage return).
std::string EscapeMarkup(std::string_view text);
// EscapeMarkup appended to `out`, for writers that build one document in one string.
void AppendEscapedMarkup(std::string* out, std::string_view text);

// The blocks as an HTML fragment (nested <ul>/<ol>, <table> with <thead>/<tbody>); all text
// escaped.
std::string BlocksToHtml(const std::vector<Block>& blocks);

}  // namespace atelier::md
