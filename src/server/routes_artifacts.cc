// Artifacts: metadata queries and downloads (bytes from the blob store, typed by the record).
#include "atelier/api/records_json.h"
#include "api.h"

namespace atelier::api {
namespace {

ApiResult Query(Call& c, const std::string& execution_id) {
  ArtifactFilter f;
  f.execution_id = execution_id;
  f.step_id = api::Query(c, "step");
  f.kind = api::Query(c, "kind");
  if (!f.kind.empty() && f.kind != "document" && f.kind != "image")
    return Fail(BadRequest("query parameter 'kind' must be document or image, got '" + f.kind + "'",
                           "kind"));
  auto after = QueryTime(c, "created_after");
  if (!after) return Fail(after.error());
  f.created_after = *after;
  const std::string current = api::Query(c, "current");
  if (!current.empty() && current != "true" && current != "false")
    return Fail(BadRequest("query parameter 'current' must be true or false, got '" + current + "'",
                           "current"));
  f.current_only = current == "true";
  f.template_id = api::Query(c, "template_id");
  auto limit = QueryInt(c, "limit", 1000, 1, 10000);
  if (!limit) return Fail(limit.error());
  f.limit = static_cast<int>(*limit);
  auto list = c.app().accounts().QueryArtifacts(c.ws(), f);
  if (!list) return Fail(list.error());
  Json items = Json::array();
  for (const auto& a : *list) items.push_back(ToJson(a));
  return Ok({{"items", items}});
}

ApiResult List(Call& c) {
  std::string ex = api::Query(c, "execution_id");
  if (!ex.empty() && ex.find_first_of("/ ") != std::string::npos)
    return Fail(BadRequest("query parameter 'execution_id' is not a valid id", "execution_id"));
  return Query(c, ex);
}

ApiResult ListForExecution(Call& c) { return Query(c, c.param("id")); }

ApiResult Get(Call& c) {
  auto a = c.app().accounts().GetArtifact(c.ws(), c.param("id"));
  if (!a) return Fail(a.error());
  return Ok(ToJson(*a));
}

ApiResult Content(Call& c) {
  auto a = c.app().accounts().GetArtifact(c.ws(), c.param("id"));
  if (!a) return Fail(a.error());
  auto bytes = c.app().blobs().Get(a->sha256);
  if (!bytes) return Fail(bytes.error());
  std::string name;
  for (char ch : a->name)
    name += (std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == '_')
                ? ch
                : '_';
  if (name.empty()) name = a->id;
  c.res.set_header("Content-Disposition", "attachment; filename=\"" + name + "\"");
  c.res.set_header("ETag", "\"" + a->sha256 + "\"");
  c.res.set_content(*bytes, a->mime.empty() ? "application/octet-stream" : a->mime);
  return Reply{200, Json(), true};
}

}  // namespace

void AddArtifactRoutes(std::vector<Route>* r) {
  const Role V = Role::kViewer;
  r->push_back(
      {{"GET", "/api/v1/artifacts", true, V,
        "Artifacts of the workspace by execution, step, kind, created-after, template; "
        "current=true: only those of each step's current version"},
       List,
       {"execution_id", "step", "kind", "created_after", "current", "template_id", "limit"}});
  r->push_back({{"GET", "/api/v1/executions/{id}/artifacts", true, V, "Artifacts of an execution"},
                ListForExecution,
                {"step", "kind", "created_after", "current", "template_id", "limit"}});
  r->push_back({{"GET", "/api/v1/artifacts/{id}", true, V, "An artifact's metadata"}, Get});
  r->push_back({{"GET", "/api/v1/artifacts/{id}/content", true, V,
                 "Download: the bytes with their Content-Type and Content-Length"},
                Content});
}

}  // namespace atelier::api
