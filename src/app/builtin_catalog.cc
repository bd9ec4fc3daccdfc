#include "atelier/app/builtin_catalog.h"

#include <set>

#include "atelier/core/validation.h"

namespace atelier {

Result<std::vector<BuiltinTemplate>> ParseCatalog(const std::vector<EmbeddedTemplate>& files) {
  std::vector<BuiltinTemplate> out;
  std::set<std::string> names;
  for (const auto& f : files) {
    std::vector<ValidationError> errors;
    auto t = ParseTemplateText(f.text, &errors);
    if (!t)
      return Err(InvalidArgument("built-in template " + std::string(f.file) + ": " +
                                 (errors.empty() ? "invalid" : errors.front().ToString())));
    if (!names.insert(t->name).second)
      return Err(InvalidArgument("built-in template " + std::string(f.file) + ": the name '" +
                                 t->name + "' is taken by another built-in template"));
    BuiltinTemplate b;
    b.file = f.file;
    b.content_hash = TemplateContentHash(TemplateToJson(*t));
    b.tmpl = std::move(*t);
    out.push_back(std::move(b));
  }
  return out;
}

Result<std::vector<BuiltinTemplate>> BuiltinCatalog() {
  static const Result<std::vector<BuiltinTemplate>> kCatalog = ParseCatalog(EmbeddedTemplates());
  return kCatalog;
}

const char* SeedActionName(SeedOutcome::Action a) {
  switch (a) {
    case SeedOutcome::Action::kAdded:
      return "added";
    case SeedOutcome::Action::kUpdated:
      return "updated";
    case SeedOutcome::Action::kUnchanged:
      return "unchanged";
    case SeedOutcome::Action::kSkipped:
      return "skipped";
  }
  return "unchanged";
}

Result<std::vector<SeedOutcome>> SeedBuiltinTemplates(Engine& engine, Store& store,
                                                      const std::string& ws,
                                                      const std::vector<BuiltinTemplate>& catalog) {
  using Action = SeedOutcome::Action;
  std::vector<SeedOutcome> out;
  for (const auto& b : catalog) {
    SeedOutcome o;
    o.name = b.tmpl.name;
    // Read first: every process start looks, and writes only what changed.
    auto found = store.FindTemplate(ws, b.tmpl.name);
    if (!found && found.error().code() != Code::kNotFound) return Err(found.error());
    if (found && found->builtin && found->content_hash == b.content_hash) {
      o.template_id = found->id;
      o.version = found->version;
    } else if (found && !found->builtin) {
      o.action = Action::kSkipped;
      o.template_id = found->id;
      o.reason = "a user template named '" + found->name + "' (" + found->id +
                 ") exists; the built-in template of that name is not stored over it";
    } else if (auto rec = engine.RegisterTemplate(ws, b.tmpl, /*builtin=*/true); rec) {
      // Not builtin: a user template with the same content was stored since the look above.
      o.action = !rec->builtin ? Action::kSkipped : (found ? Action::kUpdated : Action::kAdded);
      if (!rec->builtin) o.reason = "a user template with its name and content exists";
      o.template_id = rec->id;
      o.version = rec->version;
    } else if (rec.error().code() == Code::kAlreadyExists) {
      o.action = Action::kSkipped;  // a user template took the name since the look above
      o.reason = rec.error().message();
    } else {
      return Err(rec.error());
    }
    out.push_back(std::move(o));
  }
  return out;
}

Status CheckTemplateName(const std::string& name) {
  if (name.find_first_not_of(" \t") == std::string::npos)
    return InvalidArgument("the name must not be empty or blank");
  if (name.size() > kMaxTemplateNameBytes)
    return InvalidArgument("the name is " + std::to_string(name.size()) + " bytes long; at most " +
                           std::to_string(kMaxTemplateNameBytes) + " are allowed");
  for (unsigned char ch : name)
    if (ch < 0x20 || ch == 0x7f)
      return InvalidArgument("the name must not contain control characters");
  return Status::Ok();
}

Result<TemplateRecord> CloneTemplate(Engine& engine, Store& store, const std::string& ws,
                                     const std::string& id, int version, const std::string& name) {
  if (Status s = CheckTemplateName(name); !s.ok()) return Err(s);
  auto src = store.GetTemplate(ws, id, version);
  if (!src) return Err(src.error());
  if (auto existing = store.FindTemplate(ws, name)) {
    if (existing->builtin)
      return Err(AlreadyExists("'" + name + "' is a built-in template (" + existing->id +
                               "); clone it under another name"));
    return Err(AlreadyExists("a template named '" + name + "' already exists (" + existing->id +
                             ")"));
  }
  Json definition = src->definition;
  definition["name"] = name;
  std::vector<ValidationError> errors;
  auto t = ParseTemplate(definition, &errors);
  if (!t)
    return Err(Internal("stored template " + src->id + " v" + std::to_string(src->version) +
                        " no longer parses: " +
                        (errors.empty() ? "invalid" : errors.front().ToString())));
  return engine.RegisterTemplate(ws, *t);
}

}  // namespace atelier
