// A small Markdown reader for the export node: the common subset that text models write
// (paragraphs, # headings, **bold**, *italic*, `code`, [links](url), - and 1. lists, > quotes and
// ``` fenced code), parsed into blocks of styled spans that the HTML and DOCX writers render.
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

struct Block {
  enum class Kind { kParagraph, kHeading, kBullet, kNumbered, kQuote, kCode };
  Kind kind = Kind::kParagraph;
  int level = 0;            // heading level 1..6
  std::vector<Span> spans;  // kCode: one span holding the lines, '\n'-separated
};

// Parses inline markup of one block's text. Unmatched markers stay literal.
std::vector<Span> ParseInline(std::string_view text);

// Splits `markdown` into blocks.
std::vector<Block> ParseBlocks(std::string_view markdown);

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string EscapeHtml(std::string_view text);

// The blocks as an HTML fragment (lists grouped into <ul>/<ol>); all text escaped.
std::string BlocksToHtml(const std::vector<Block>& blocks);

}  // namespace atelier::md
