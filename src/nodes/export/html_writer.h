// Renders an ExportDocument as one standalone HTML page (UTF-8, inline CSS, images embedded as
// data: URIs) and as Markdown. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "export_document.h"

namespace atelier {

// Standard base64 with padding.
std::string Base64(std::string_view bytes);

// A complete page: doctype, meta charset, title, section headings, bodies converted from
// markdown, and each image as <figure><img src="data:MIME;base64,..."></figure>. All text escaped.
std::string WriteHtml(const ExportDocument& doc);

// "# title", then per section "## heading", the body as written and "![name](name)" per image.
std::string WriteMarkdown(const ExportDocument& doc);

}  // namespace atelier
