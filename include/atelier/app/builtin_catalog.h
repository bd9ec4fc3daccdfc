// The built-in catalog: the templates shipped in templates/*.json, compiled into the binary by
// cmake/embed_templates.cmake, and the seeding that gives every workspace them (marked builtin:
// clonable, not editable in place). See docs/templates.md, "The built-in catalog".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "atelier/core/status.h"
#include "atelier/core/template.h"
#include "atelier/engine/engine.h"
#include "atelier/store/store.h"

namespace atelier {

// One shipped file as embedded: "blog_article.json" and its text. Generated; sorted by file.
struct EmbeddedTemplate {
  const char* file;
  std::string_view text;
};
const std::vector<EmbeddedTemplate>& EmbeddedTemplates();

// A shipped template, parsed: stored under its own name ("Blog article").
struct BuiltinTemplate {
  std::string file;
  Template tmpl;
  std::string content_hash;  // as Engine::RegisterTemplate computes it
};

// Parses `files` (the embedded ones by default). InvalidArgument naming the file and its first
// error when one does not parse, or when two share a name.
Result<std::vector<BuiltinTemplate>> ParseCatalog(const std::vector<EmbeddedTemplate>& files);
// The embedded catalog, parsed once per process.
Result<std::vector<BuiltinTemplate>> BuiltinCatalog();

// What seeding did with one built-in in one workspace.
struct SeedOutcome {
  enum class Action { kAdded, kUpdated, kUnchanged, kSkipped };
  std::string name;
  Action action = Action::kUnchanged;
  std::string template_id;  // the built-in's, or the user template's that kept it out
  int version = 0;
  std::string reason;  // why it was skipped
};
const char* SeedActionName(SeedOutcome::Action a);  // "added"

// Makes the workspace's built-ins match `catalog` (content-addressed and idempotent): a missing
// one is added, one whose stored latest version differs becomes a new version, an equal one is
// left alone. A name held by a user template is skipped (the user's template stays as it is).
Result<std::vector<SeedOutcome>> SeedBuiltinTemplates(Engine& engine, Store& store,
                                                      const std::string& ws,
                                                      const std::vector<BuiltinTemplate>& catalog);

// Cloning, the way to edit a built-in (or copy any template) ----------------------------------

// A name a user gives a template copy: InvalidArgument unless it has a non-blank character, is at
// most kMaxTemplateNameBytes long and holds no control characters.
inline constexpr size_t kMaxTemplateNameBytes = 200;
Status CheckTemplateName(const std::string& name);

// Stores a copy of template `id` (version 0 = latest) under `name`: a user template (builtin
// false, editable, deletable). InvalidArgument for a bad name, NotFound for an unknown template
// or version, AlreadyExists when the name is taken (saying when by a built-in).
Result<TemplateRecord> CloneTemplate(Engine& engine, Store& store, const std::string& ws,
                                     const std::string& id, int version, const std::string& name);

}  // namespace atelier
