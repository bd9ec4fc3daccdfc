// attach: attaches images to a document (executor: src/nodes/export/).
#include "builders.h"

namespace atelier::node_types {

NodeTypeSpec AttachNodeType() {
  NodeTypeSpec t{"attach",
                 NodeKind::kTask,
                 "Attaches images to a document; one of them is the primary image.",
                 {},
                 {"document", "images", "primary"}};
  t.fields.push_back(F("document", FieldType::kAny, true, nullptr,
                       "the document's markdown text, e.g. {{steps.article.text}}"));
  t.fields.push_back(F("images", FieldType::kAny, true, nullptr,
                       "an image object or a list of them ({{steps.hero.images}})"));
  t.fields.push_back(
      Bounded(F("primary", FieldType::kInteger, false, 0, "index of the primary image"), 0, 1000));
  t.fields.push_back(F("title", FieldType::kString, false, "", "document title"));
  t.rebuildable = true;
  t.edits_attachments = true;
  return t;
}

}  // namespace atelier::node_types
