// ExportDocument: what the export node assembles before writing files (a title and sections
// of markdown text with images whose bytes are already loaded). Plain values.
#pragma once

#include <string>
#include <vector>

namespace atelier {

struct ExportImage {
  std::string name;  // file name, e.g. "hero.png"
  std::string mime;  // "image/png"
  std::string bytes;
  int width = 0;  // pixels; 0 when unknown
  int height = 0;
};

struct ExportSection {
  std::string heading;  // may be empty
  std::string body;     // markdown
  std::vector<ExportImage> images;
};

struct ExportDocument {
  std::string title;
  std::vector<ExportSection> sections;
};

}  // namespace atelier
