// The `attach` and `export` node types (specs in src/core/node_types.cc).
//
// attach: {document (markdown text, or an object with "text"), images (an image object or a
// list), primary (index, default 0), title} ->
//   {"document": {"title", "text", "images", "primary"}, "images": [...], "primary": image}
// and one artifact STEP.json (application/json) holding the document. Image objects are those
// generate_image outputs: {"artifact_id", "sha256", "mime", "name", "width", "height"}.
// InvalidArgument for a malformed field or a primary index out of range; FailedPrecondition when
// an image's blob is missing from the BlobStore.
//
// export: {title, sections, formats (markdown, html, docx; default all), filename (default the
// step id)} -> one artifact (kind "document") per format, named FILENAME.md / .html / .docx, and
//   {"files": [{"format", "artifact_id", "name", "mime", "size"}], "markdown": id|null,
//    "html": id|null, "docx": id|null}.
// sections is a list of {heading?, body?, images?}, an attach output (or its "document"), a plain
// markdown string, or a list mixing those; a document becomes one section with its text and its
// images, primary first. filename keeps only [A-Za-z0-9._-] (others become '_').
// InvalidArgument for malformed fields and unknown formats; FailedPrecondition for a missing
// image blob; Internal when a file cannot be written; Cancelled when ctx.cancel fires.
//
// Both do I/O on the BlobStore, so neither runs inline. Stateless; Execute may run concurrently.
#pragma once

#include <string>

#include "atelier/engine/node_executor.h"

namespace atelier {

class AttachNode final : public NodeExecutor {
 public:
  bool inline_ok() const override { return false; }
  Result<NodeResult> Execute(const NodeContext& ctx) override;
};

class ExportNode final : public NodeExecutor {
 public:
  bool inline_ok() const override { return false; }
  Result<NodeResult> Execute(const NodeContext& ctx) override;
};

// `name` reduced to [A-Za-z0-9._-] (other characters become '_', leading dots are dropped,
// at most 100 characters); "" when nothing is left.
std::string SanitizeFilename(const std::string& name);

// Registers AttachNode as "attach" and ExportNode as "export".
void RegisterExportNodes(NodeRegistry* registry);

}  // namespace atelier
