// Templates: the workspace's catalog. Updating a template stores a new version; executions keep
// referring to the version they were launched with. Built-in templates (seeded from the catalog
// shipped in the binary, src/app/builtin_catalog.h) are read-only: clone them to edit.
#include "atelier/api/records_json.h"
#include "atelier/core/validation.h"
#include "api.h"

namespace atelier::api {
namespace {

Json TemplateJson(const TemplateRecord& t, bool with_definition) {
  Json j = {{"id", t.id},
            {"version", t.version},
            {"name", t.name},
            {"category", t.category},
            {"description", t.description},
            {"content_hash", t.content_hash},
            {"builtin", t.builtin},
            {"created_at", FormatTimestamp(t.created_at)}};
  if (with_definition) j["definition"] = t.definition;
  return j;
}

Json ErrorsJson(const std::vector<ValidationError>& errors) {
  Json list = Json::array();
  for (const auto& e : errors) list.push_back({{"where", e.where}, {"message", e.message}});
  return list;
}

// The request body as a validated template; 400 listing every error otherwise.
tl::expected<Template, ApiError> ParseTemplateBody(const Call& c) {
  auto doc = ParseJsonBody(c);
  if (!doc) return tl::unexpected(doc.error());
  std::vector<ValidationError> errors;
  auto t = ParseTemplate(*doc, &errors);
  if (!t) {
    ApiError e = BadRequest("the template has " + std::to_string(errors.size()) + " error" +
                                (errors.size() == 1 ? "" : "s") +
                                "; first: " + (errors.empty() ? "" : errors[0].ToString()),
                            errors.empty() ? "" : errors[0].where);
    e.details["errors"] = ErrorsJson(errors);
    return tl::unexpected(e);
  }
  return std::move(*t);
}

ApiResult Conflict(const std::string& msg, Json details) {
  return Fail(ApiError{409, "conflict", msg, std::move(details)});
}

// 409 for a change to a built-in template in place.
ApiResult BuiltinConflict(const TemplateRecord& t, const std::string& what) {
  return Conflict("'" + t.name + "' is a built-in template and cannot be " + what +
                      "; clone it (POST /api/v1/templates/" + t.id +
                      "/clone with {\"name\": ...}) and change the copy",
                  {{"template_id", t.id}, {"builtin", true}});
}

// A name already taken in the workspace: 409 saying by what.
ApiResult NameTaken(const TemplateRecord& existing, const std::string& hint) {
  if (existing.builtin)
    return Conflict("'" + existing.name + "' is a built-in template (" + existing.id +
                        "); clone it under another name",
                    {{"field", "name"}, {"template_id", existing.id}, {"builtin", true}});
  return Conflict("a template named '" + existing.name + "' already exists (" + existing.id + ")" +
                      hint,
                  {{"field", "name"}, {"template_id", existing.id}});
}

ApiResult Create(Call& c) {
  auto t = ParseTemplateBody(c);
  if (!t) return Fail(t.error());
  if (auto existing = c.app().store().FindTemplate(c.ws(), t->name))
    return NameTaken(*existing, "; PUT /api/v1/templates/" + existing->id + " makes a new version");
  auto rec = c.app().engine().RegisterTemplate(c.ws(), *t);
  if (!rec) return Fail(rec.error());
  return Ok(TemplateJson(*rec, true), 201);
}

ApiResult List(Call& c) {
  auto limit = QueryInt(c, "limit", 100, 1, 1000);
  if (!limit) return Fail(limit.error());
  TemplateFilter f;
  f.category = Query(c, "category");
  f.name_contains = Query(c, "q");
  f.after_name = Query(c, "cursor");
  f.limit = static_cast<int>(*limit) + 1;
  auto list = c.app().accounts().ListTemplates(c.ws(), f);
  if (!list) return Fail(list.error());
  return Ok(PageOf(
      *list, *limit, [](const TemplateRecord& t) { return TemplateJson(t, false); },
      [](const TemplateRecord& t) { return t.name; }));
}

ApiResult Get(Call& c) {
  auto version = QueryInt(c, "version", 0, 0, 1 << 30);
  if (!version) return Fail(version.error());
  auto rec = c.app().store().GetTemplate(c.ws(), c.param("id"), static_cast<int>(*version));
  if (!rec) return Fail(rec.error());
  return Ok(TemplateJson(*rec, true));
}

ApiResult Update(Call& c) {
  auto current = c.app().store().GetTemplate(c.ws(), c.param("id"), 0);
  if (!current) return Fail(current.error());
  if (current->builtin) return BuiltinConflict(*current, "edited in place");
  auto t = ParseTemplateBody(c);
  if (!t) return Fail(t.error());
  if (t->name != current->name)
    return Fail(BadRequest("the name of a template cannot change (it is '" + current->name +
                               "'); clone it to make a template with another name",
                           "name"));
  auto rec = c.app().engine().RegisterTemplate(c.ws(), *t);
  if (!rec) return Fail(rec.error());
  return Ok(TemplateJson(*rec, true));
}

ApiResult Versions(Call& c) {
  auto list = c.app().accounts().ListTemplateVersions(c.ws(), c.param("id"));
  if (!list) return Fail(list.error());
  Json items = Json::array();
  for (const auto& t : *list) items.push_back(TemplateJson(t, false));
  return Ok(Page(std::move(items), ""));
}

ApiResult Clone(Call& c) {
  auto body = ParseBody(c, {{"name", JType::kString, true}, {"version", JType::kInteger}});
  if (!body) return Fail(body.error());
  std::string name = (*body)["name"].get<std::string>();
  if (Status s = CheckTemplateName(name); !s.ok())
    return Fail(BadRequest("field 'name': " + s.message(), "name"));
  auto src = c.app().store().GetTemplate(c.ws(), c.param("id"), body->value("version", 0));
  if (!src) return Fail(src.error());
  if (auto existing = c.app().store().FindTemplate(c.ws(), name)) return NameTaken(*existing, "");
  auto rec = CloneTemplate(c.app().engine(), c.app().store(), c.ws(), src->id, src->version, name);
  if (!rec) return Fail(rec.error());
  return Ok(TemplateJson(*rec, true), 201);
}

ApiResult Delete(Call& c) {
  auto current = c.app().store().GetTemplate(c.ws(), c.param("id"), 0);
  if (!current) return Fail(current.error());
  if (current->builtin) return BuiltinConflict(*current, "deleted");
  if (Status s = c.app().accounts().DeleteTemplate(c.ws(), c.param("id"), NowMs()); !s.ok())
    return Fail(s);
  return Reply{204, Json(), false};
}

ApiResult Validate(Call& c) {
  auto doc = ParseJsonBody(c);
  if (!doc) return Fail(doc.error());
  std::vector<ValidationError> errors;
  auto t = ParseTemplate(*doc, &errors);
  return Ok({{"valid", t.has_value()}, {"errors", ErrorsJson(errors)}});
}

ApiResult Categories(Call& c) {
  auto list = c.app().accounts().ListCategories(c.ws());
  if (!list) return Fail(list.error());
  Json items = Json::array();
  for (const auto& [category, count] : *list)
    items.push_back({{"category", category}, {"count", count}});
  return Ok({{"items", items}});
}

Json TemplateSchema() {
  return {{"type", "object"},
          {"description", "A template document (docs/templates.md)"},
          {"required", {"name", "nodes", "edges"}}};
}

}  // namespace

void AddTemplateRoutes(std::vector<Route>* r) {
  const Role V = Role::kViewer, E = Role::kEditor;
  r->push_back({{"GET", "/api/v1/templates", true, V, "List templates (latest versions)"},
                List,
                {"category", "q", "cursor", "limit"}});
  r->push_back({{"POST", "/api/v1/templates", true, E, "Create a template"},
                Create,
                {},
                TemplateSchema(),
                201});
  r->push_back(
      {{"GET", "/api/v1/templates/categories", true, V, "Categories with counts"}, Categories});
  r->push_back({{"POST", "/api/v1/templates/validate", true, V,
                 "Validate a template; every error with its node or field"},
                Validate,
                {},
                TemplateSchema()});
  r->push_back({{"GET", "/api/v1/templates/{id}", true, V, "Get a template (latest or ?version=N)"},
                Get,
                {"version"}});
  r->push_back({{"PUT", "/api/v1/templates/{id}", true, E,
                 "Update: stores a new version (409 for a built-in: clone it)"},
                Update,
                {},
                TemplateSchema()});
  r->push_back({{"DELETE", "/api/v1/templates/{id}", true, E,
                 "Delete a template (409 for a built-in)"},
                Delete,
                {},
                Json(),
                204});
  r->push_back({{"GET", "/api/v1/templates/{id}/versions", true, V, "Every version"}, Versions});
  r->push_back(
      {{"POST", "/api/v1/templates/{id}/clone", true, E,
        "Copy under a new name: an editable user template (built-ins too)"},
       Clone,
       {},
       {{"type", "object"},
        {"required", {"name"}},
        {"additionalProperties", false},
        {"properties", {{"name", {{"type", "string"}}}, {"version", {{"type", "integer"}}}}}},
       201});
}

}  // namespace atelier::api
