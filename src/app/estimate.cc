#include "atelier/app/estimate.h"

#include "atelier/core/render.h"
#include "atelier/engine/step_estimate.h"
#include "atelier/core/node_types.h"

#include <map>
#include <set>

namespace atelier {
namespace {

// True when no string inside `v` refers to a step: the value is known from the inputs alone.
bool InputsOnly(const Json& v) {
  if (v.is_string()) return v.get_ref<const std::string&>().find("steps.") == std::string::npos;
  if (v.is_array() || v.is_object()) {
    for (const auto& e : v)
      if (!InputsOnly(e)) return false;
  }
  return true;
}

// The node type's own fields of `data` (not label, retry, ...).
Json OwnFields(const NodeTypeSpec& spec, const Json& data) {
  Json own = Json::object();
  if (!data.is_object()) return own;
  for (const FieldSpec& f : spec.fields)
    if (auto it = data.find(f.name); it != data.end()) own[f.name] = *it;
  return own;
}

// The steps a run with these inputs skips for sure: a condition (any pure type whose edges leave
// by handle) whose data depends only on the inputs is decided here, its other branch is dead,
// and (as in the engine) a node whose incoming edges are all dead is skipped. `decided` / `undecided` count the conditions.
std::set<std::string> SkippedByInputs(const Template& t, const Json& scope, int* decided,
                                      int* undecided) {
  // Node id -> the sourceHandle its output leaves by ("true" / "false" for a condition): a pure
  // type that routes by handle, whose data depends on the inputs alone, is decided here.
  std::map<std::string, std::string> branch;
  for (const auto& n : t.nodes) {
    const NodeTypeSpec* spec = FindNodeType(n.type);
    if (spec == nullptr || !spec->handle_required || spec->evaluate == nullptr) continue;
    auto own = OwnFields(*spec, n.data);
    if (InputsOnly(own)) {
      if (auto rendered = RenderNodeData(*spec, own, scope)) {
        if (auto out = spec->evaluate(*rendered)) {
          if (auto b = out->find("branch"); b != out->end() && b->is_string()) {
            branch[n.id] = b->get<std::string>();
            ++*decided;
            continue;
          }
        }
      }
    }
    ++*undecided;
  }
  std::set<std::string> skipped;
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& n : t.nodes) {
      if (skipped.count(n.id)) continue;
      bool any_in = false, any_live = false;
      for (const auto& e : t.edges) {
        if (e.target != n.id) continue;
        any_in = true;
        if (skipped.count(e.source)) continue;
        auto b = branch.find(e.source);
        if (b != branch.end() && e.source_handle != b->second) continue;
        any_live = true;
        break;
      }
      if (any_in && !any_live) {
        skipped.insert(n.id);
        changed = true;
      }
    }
  }
  return skipped;
}

}  // namespace

Json EstimateCost(const Template& t, const Json& inputs, const ProviderRegistry& providers,
                  const PriceTable& prices) {
  Json scope = {{"inputs", inputs}, {"steps", Json::object()}};
  Json steps = Json::array();
  Json assumptions = Json::array();
  struct {
    int64_t calls = 0, in = 0, out = 0, images = 0;
  } total;
  double total_cost = 0;
  bool unknown_items = false, referenced = false;
  int decided = 0, undecided = 0;
  const std::set<std::string> skipped = SkippedByInputs(t, scope, &decided, &undecided);
  for (const auto& n : t.nodes) {
    if (skipped.count(n.id)) continue;
    std::string type = n.type;
    const Json* data = &n.data;
    int64_t times = 1;
    std::string note;
    if (const NodeTypeSpec* spec = FindNodeType(type); spec && spec->kind == NodeKind::kMap) {
      // Point into the template itself: a copy of "node" (what value() returns) would die at the
      // end of this block, leaving `data` dangling for EstimateStep below.
      static const Json kEmpty = Json::object();
      auto inner = n.data.find("node");
      type.clear();
      data = &kEmpty;
      if (inner != n.data.end() && inner->is_object()) {
        if (auto it = inner->find("type"); it != inner->end() && it->is_string())
          type = it->get<std::string>();
        if (auto it = inner->find("data"); it != inner->end() && it->is_object()) data = &*it;
      }
      auto items = n.data.find("items");
      Json list;
      if (items != n.data.end()) {
        if (items->is_array()) list = *items;
        else if (items->is_string())
          if (auto r = RenderString(items->get<std::string>(), scope); r && r->is_array()) list = *r;
      }
      if (list.is_array()) {
        times = static_cast<int64_t>(list.size());
        note = std::to_string(times) + " items";
      } else {
        unknown_items = true;
        note = "items known only at run time: counted once";
      }
    }
    StepEstimate est = EstimateStep(type, *data, scope, providers, prices);
    if (est.calls == 0) continue;
    if (data->is_object())
      for (auto it = data->begin(); it != data->end(); ++it)
        if (it->is_string() && it->get<std::string>().find("{{steps.") != std::string::npos)
          referenced = true;
    const std::string& provider = est.provider;
    const std::string& routed = est.model;
    Usage u;
    u.input_tokens = est.usage.input_tokens * times;
    u.output_tokens = est.usage.output_tokens * times;
    u.images = est.usage.images * times;
    double cost = est.cost * static_cast<double>(times);
    if (!est.priced) note += (note.empty() ? "" : "; ") + std::string("no price");
    steps.push_back({{"id", n.id},
                     {"type", n.type},
                     {"provider", provider},
                     {"model", routed},
                     {"calls", est.calls * times},
                     {"input_tokens", u.input_tokens},
                     {"output_tokens", u.output_tokens},
                     {"images", u.images},
                     {"cost", cost},
                     {"note", note}});
    total.calls += est.calls * times;
    total.in += u.input_tokens;
    total.out += u.output_tokens;
    total.images += u.images;
    total_cost += cost;
  }
  assumptions.push_back("text steps produce their max_tokens; refine uses every attempt");
  if (referenced)
    assumptions.push_back("each reference to an upstream step counts " +
                          std::to_string(kTokensPerStepReference) + " tokens");
  if (decided > 0)
    assumptions.push_back("conditions decided by the inputs count only the branch they take");
  if (undecided > 0) assumptions.push_back("steps on every branch of a condition are counted");
  if (unknown_items) assumptions.push_back("maps over run-time lists are counted as one item");
  return {{"steps", steps},
          {"total",
           {{"calls", total.calls},
            {"input_tokens", total.in},
            {"output_tokens", total.out},
            {"images", total.images},
            {"cost", total_cost}}},
          {"assumptions", assumptions}};
}

}  // namespace atelier
