// Writes an ExportDocument as an Office Open XML word-processing file (.docx) with libzip:
// [Content_Types].xml, _rels/.rels, docProps/core.xml (the title), word/document.xml,
// word/styles.xml (Title, Heading1-3, Quote, Code, Caption, Hyperlink, List Paragraph),
// word/numbering.xml (bullet and decimal list definitions, levels 0-8),
// word/_rels/document.xml.rels and one word/media/imageN.EXT per image, shown as a DrawingML
// inline picture scaled to fit 6 x 8 inches. Markdown bodies become paragraphs with bold, italic,
// code and hyperlink runs; list items become Word list paragraphs (numPr with the nesting level,
// one numbering instance per list so ordered lists restart), tables become bordered w:tbl tables
// with a bold, repeating header row and the columns' alignment.
// The bytes depend only on the document (fixed timestamps), so a re-run stores the same blob.
// Pure function, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "atelier/core/status.h"
#include "export_document.h"

namespace atelier {

// The archive's parts in order, each as (path in the archive, bytes), images last: what WriteDocx
// zips. Apart so that the fuzzer can check the XML on every input and zip only some.
std::vector<std::pair<std::string, std::string>> DocxParts(const ExportDocument& doc);

// The .docx bytes: DocxParts zipped (XML deflated, images stored). Internal when libzip fails.
Result<std::string> WriteDocx(const ExportDocument& doc);

}  // namespace atelier
