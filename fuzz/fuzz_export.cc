// The export node's writers: Markdown parsed into blocks (ParseBlocks, ParseInline) and written
// as HTML (WriteHtml, BlocksToHtml), Markdown (WriteMarkdown) and DOCX (WriteDocx, libzip).
// Input: the document title on the first line, then sections separated by form feeds (\f); a
// section's first line is its heading, the rest its Markdown body. A heading "!W H name" adds an
// image of W x H pixels to the section (the writers scale it). Checks: no crash, UB, leak or hang,
// and WriteDocx succeeds on any text.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "nodes/export/docx_writer.h"
#include "nodes/export/html_writer.h"
#include "nodes/export/markdown.h"

namespace {

std::string_view TakeLine(std::string_view* s) {
  size_t nl = s->find('\n');
  std::string_view line = s->substr(0, nl);
  *s = nl == std::string_view::npos ? std::string_view() : s->substr(nl + 1);
  return line;
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
  (void)WriteHtml(doc);
  (void)WriteMarkdown(doc);
  Result<std::string> docx = WriteDocx(doc);
  if (!docx) {
    std::cerr << "WriteDocx failed: " << docx.error().ToString() << "\n";
    std::abort();
  }
  for (const ExportSection& s : doc.sections) (void)md::BlocksToHtml(md::ParseBlocks(s.body));
  return 0;
}
