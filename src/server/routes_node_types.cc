// GET /api/v1/node-types: the node-type catalogue (core/node_types.h) as JSON, for the web
// designer's side forms and other clients: each type's fields, outputs, edge handles and traits.
// The same descriptors validate templates, so a form built from this accepts what a launch does.
#include "atelier/core/node_types.h"
#include "api.h"

namespace atelier::api {
namespace {

const char* KindName(NodeKind k) {
  switch (k) {
    case NodeKind::kStart:
      return "start";
    case NodeKind::kEnd:
      return "end";
    case NodeKind::kTask:
      return "task";
    case NodeKind::kApproval:
      return "approval";
    case NodeKind::kMap:
      return "map";
    case NodeKind::kSubworkflow:
      return "subworkflow";
  }
  return "task";
}

Json FieldJson(const FieldSpec& f) {
  Json j = {{"name", f.name},
            {"type", FieldTypeId(f.type)},
            {"required", f.required},
            {"description", f.description},
            {"verbatim", f.verbatim}};
  if (!f.default_value.is_null()) j["default"] = f.default_value;
  if (!f.one_of.empty()) j["one_of"] = f.one_of;
  if (f.min) j["min"] = *f.min;
  if (f.max) j["max"] = *f.max;
  return j;
}

Json FieldsJson(const std::vector<FieldSpec>& fields) {
  Json out = Json::array();
  for (const FieldSpec& f : fields) out.push_back(FieldJson(f));
  return out;
}

Json NodeTypeJson(const NodeTypeSpec& t) {
  return {{"name", t.name},
          {"kind", KindName(t.kind)},
          {"summary", t.summary},
          {"fields", FieldsJson(t.fields)},
          {"outputs", t.outputs},
          {"dynamic_outputs", t.dynamic_outputs},
          {"handles", t.handles},
          {"handle_required", t.handle_required},
          {"traits",
           {{"paid", t.paid},
            {"generative", t.generative},
            {"rebuildable", t.rebuildable},
            {"mappable", t.mappable},
            {"edits_attachments", t.edits_attachments},
            {"waits_for_person", t.waits_for_person()},
            {"composite", t.composite()},
            {"pure", t.evaluate != nullptr}}}};
}

}  // namespace

void AddNodeTypeRoutes(std::vector<Route>* routes) {
  routes->push_back(
      {{"GET", "/api/v1/node-types", true, Role::kViewer,
        "The node types: fields, outputs, edge handles and traits of each"},
       [](Call&) -> ApiResult {
         static const Json kBody = [] {
           Json items = Json::array();
           for (const NodeTypeSpec& t : BuiltinNodeTypes()) items.push_back(NodeTypeJson(t));
           return Json{{"items", items}, {"common_fields", FieldsJson(CommonFieldSpecs())}};
         }();
         return Ok(kBody);
       }});
}

}  // namespace atelier::api
