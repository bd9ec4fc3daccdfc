// export: writes documents and images as Markdown, HTML and DOCX (executor: src/nodes/export/).
#include "builders.h"

namespace atelier::node_types {

NodeTypeSpec ExportNodeType() {
  NodeTypeSpec t{"export",
                 NodeKind::kTask,
                 "Assembles documents and images into Markdown, HTML and DOCX files.",
                 {},
                 {"files", "markdown", "html", "docx"}};
  t.fields.push_back(F("title", FieldType::kString, false, "", "document title"));
  t.fields.push_back(F("sections", FieldType::kAny, true, nullptr,
                       "list of {heading, body (markdown), images} or an attach output"));
  t.fields.push_back(F("formats", FieldType::kList, false,
                       Json::array({"markdown", "html", "docx"}),
                       "which files to write: markdown, html, docx"));
  t.fields.push_back(
      F("filename", FieldType::kString, false, "", "base file name (default: the step id)"));
  t.rebuildable = true;
  return t;
}

}  // namespace atelier::node_types
