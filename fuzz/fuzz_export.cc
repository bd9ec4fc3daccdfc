// The export node's writers: Markdown parsed into blocks (ParseBlocks, ParseInline) and written
// as HTML (WriteHtml, BlocksToHtml), Markdown (WriteMarkdown) and DOCX (WriteDocx, libzip).
// Input: the document title on the first line, then sections separated by form feeds (\f); a
// section's first line is its heading, the rest its Markdown body. A heading "!W H name" adds an
// image of W x H pixels to the section (the writers scale it). Checks: no crash, UB, leak or hang;
// every XML part of the DOCX (DocxParts) and the HTML page after its style sheet are
// markup-balanced ('<' and '>' pair up and quotes inside a tag pair up, so no text escaped into a
// tag or an attribute), every '&' starts an entity, and each is valid UTF-8 whenever the input
// is; every link in the HTML has a scheme a browser reads as http, https or mailto, or none (so
// no javascript: link, however disguised); WriteDocx succeeds. Zipping (libzip's deflate, most of
// the time per input and none of it ours) runs on one input in 64, chosen by its size, so the
// writers see many more inputs.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nodes/export/docx_writer.h"
#include "nodes/export/html_writer.h"

namespace {

std::string_view TakeLine(std::string_view* s) {
  size_t nl = s->find('\n');
  std::string_view line = s->substr(0, nl);
  *s = nl == std::string_view::npos ? std::string_view() : s->substr(nl + 1);
  return line;
}

// The harness's own checks walk every byte of every part: without coverage instrumentation
// (which would compare each byte through libFuzzer's hooks and add the checks' branches to the
// corpus's features), they cost a fraction of the writers they check.
#define ATELIER_NO_COVERAGE __attribute__((no_sanitize("coverage")))

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
ATELIER_NO_COVERAGE bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = 0;  // continuation bytes
    uint32_t cp = 0;
    if ((c >> 5) == 0x6) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c >> 4) == 0xE) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c >> 3) == 0x1E) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

void Fail(const std::string& part, const char* why) {
  std::cerr << part << ": " << why << "\n";
  std::abort();
}

// The checks on one XML part (see the top).
ATELIER_NO_COVERAGE void CheckXml(const std::string& name, const std::string& xml,
                                  bool utf8_input) {
  long depth = 0;
  long quotes = 0;  // inside the current tag
  for (size_t i = 0; i < xml.size(); ++i) {
    const char c = xml[i];
    if (c == '<' && ++depth > 1) Fail(name, "'<' inside a tag");
    if (c == '"' && depth == 1) ++quotes;
    if (c == '>') {
      if (--depth < 0) Fail(name, "'>' outside a tag");
      if (quotes % 2 != 0) Fail(name, "a quote left open in a tag");
      quotes = 0;
    }
    if (c == '&') {
      static constexpr const char* kEntities[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
      bool ok = false;
      for (const char* e : kEntities) ok = ok || xml.compare(i, std::strlen(e), e) == 0;
      if (!ok) Fail(name, "'&' that starts no entity");
    }
  }
  if (depth != 0) Fail(name, "a tag left open");
  if (utf8_input && !ValidUtf8(xml)) Fail(name, "not UTF-8, from UTF-8 input");
}

// The scheme a browser reads from an href attribute (the WHATWG URL parser: the five entities the
// writers use decoded, leading and trailing C0 controls and spaces stripped, tabs and newlines
// removed, then a letter followed by letters, digits, '+', '-' or '.' up to a ':'), lowercased;
// empty when the link is relative.
ATELIER_NO_COVERAGE std::string BrowserScheme(std::string_view value) {
  std::string url;
  for (size_t i = 0; i < value.size(); ++i) {
    static constexpr std::pair<const char*, char> kEntities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
    char c = value[i];
    for (const auto& [entity, ch] : kEntities) {
      if (value.substr(i, std::strlen(entity)) == entity) {
        c = ch;
        i += std::strlen(entity) - 1;
        break;
      }
    }
    if (c != '\t' && c != '\n' && c != '\r') url += c;
  }
  const auto c0_or_space = [](char c) { return static_cast<unsigned char>(c) <= 0x20; };
  size_t start = 0;
  while (start < url.size() && c0_or_space(url[start])) ++start;
  std::string scheme;
  for (size_t i = start; i < url.size(); ++i) {
    const auto c = static_cast<unsigned char>(url[i]);
    if (c == ':') return i == start ? "" : scheme;
    const bool letter = std::isalpha(c) != 0;
    if (!letter && (i == start || !(std::isdigit(c) || c == '+' || c == '-' || c == '.')))
      return "";
    scheme += static_cast<char>(std::tolower(c));
  }
  return "";
}

// Every `href="..."` in the HTML: no scheme, or http, https or mailto.
ATELIER_NO_COVERAGE void CheckLinks(const std::string& html) {
  static constexpr std::string_view kHref = "href=\"";
  for (size_t at = html.find(kHref); at != std::string::npos; at = html.find(kHref, at + 1)) {
    const size_t begin = at + kHref.size();
    const size_t end = html.find('"', begin);
    if (end == std::string::npos) Fail("index.html", "an href left open");
    const std::string scheme = BrowserScheme(std::string_view(html).substr(begin, end - begin));
    if (!scheme.empty() && scheme != "http" && scheme != "https" && scheme != "mailto") {
      std::cerr << "scheme '" << scheme << "' in " << html.substr(at, end + 1 - at) << "\n";
      Fail("index.html", "a link a browser would follow to a scheme other than http(s) or mailto");
    }
  }
}

// Whether part `index` (DocxParts' order is fixed) is the same as when it was last checked with
// the same `utf8`; remembers `bytes` when not. Parts that do not depend on the input (the styles,
// the package relationships) come out the same every time: each is checked once, not per input.
ATELIER_NO_COVERAGE bool SameAsLastChecked(size_t index, bool utf8, const std::string& bytes) {
  static std::vector<std::string> last;
  const size_t slot = index * 2 + (utf8 ? 1 : 0);
  if (last.size() <= slot) last.resize(slot + 1);
  if (last[slot] == bytes) return true;
  last[slot] = bytes;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace atelier;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  ExportDocument doc;
  doc.title = std::string(TakeLine(&in));
  while (!in.empty()) {
    size_t ff = in.find('\f');
    std::string_view part = in.substr(0, ff);
    in = ff == std::string_view::npos ? std::string_view() : in.substr(ff + 1);
    ExportSection section;
    section.heading = std::string(TakeLine(&part));
    section.body = std::string(part);
    if (!section.heading.empty() && section.heading[0] == '!') {
      ExportImage img;
      img.name = "image.png";
      img.mime = "image/png";
      img.bytes = std::string("\x89PNG\r\n\x1a\n", 8) + section.heading;
      if (std::sscanf(section.heading.c_str() + 1, "%d %d", &img.width, &img.height) != 2) {
        img.width = img.height = 0;
      }
      section.images.push_back(std::move(img));
    }
    doc.sections.push_back(std::move(section));
  }
  (void)WriteMarkdown(doc);
  const bool utf8 = ValidUtf8(std::string_view(reinterpret_cast<const char*>(data), size));
  const std::string html = WriteHtml(doc);
  const size_t sheet_end = html.find("</style>");
  if (sheet_end == std::string::npos) Fail("index.html", "no style sheet");
  CheckXml("index.html", html.substr(sheet_end), utf8);
  CheckLinks(html);
  const auto parts = DocxParts(doc);
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto& [name, bytes] = parts[i];
    if (name.rfind("word/media/", 0) != 0 && !SameAsLastChecked(i, utf8, bytes))
      CheckXml(name, bytes, utf8);
  }
  if (size % 64 != 0) return 0;
  Result<std::string> docx = WriteDocx(doc);
  if (!docx) {
    std::cerr << "WriteDocx failed: " << docx.error().ToString() << "\n";
    std::abort();
  }
  return 0;
}
