// Writes an ExportDocument as an Office Open XML word-processing file (.docx) with libzip:
// [Content_Types].xml, _rels/.rels, docProps/core.xml (the title), word/document.xml,
// word/styles.xml (Title, Heading1-3, Quote, Code, Caption, Hyperlink),
// word/_rels/document.xml.rels and one word/media/imageN.EXT per image, shown as a DrawingML
// inline picture scaled to fit 6 x 8 inches. Markdown bodies become paragraphs with bold, italic,
// code and hyperlink runs; bullet and numbered items become indented "• " / "N. " paragraphs.
// The bytes depend only on the document (fixed timestamps), so a re-run stores the same blob.
// Pure function, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "atelier/core/status.h"
#include "nodes/export/export_document.h"

namespace atelier {

// The .docx bytes. Internal when libzip fails.
Result<std::string> WriteDocx(const ExportDocument& doc);

// Escapes text for XML character data and attributes, dropping control characters that XML 1.0
// does not allow.
std::string EscapeXml(std::string_view text);

}  // namespace atelier
