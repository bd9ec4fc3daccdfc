// Engine::Fork (engine.h): a new execution that starts again from one step of a finished one,
// keeping every step whose outcome cannot have changed. Everything the fork needs is read from
// the store and written in one launch transaction; the loop takes it over when it is driven.
#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "atelier/core/node_types.h"
#include "engine_impl.h"

namespace atelier {
namespace {

bool IsIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The inputs a node's settings refer to ({{inputs.NAME}}, "inputs.NAME" in a map's `over`, ...),
// read from its data as text so that no form of reference is missed. A bare `inputs` (the whole
// object, as a code node may read it) is reported as "*": the node reads every input.
std::vector<std::string> InputsRead(const Node& n) {
  const std::string text = n.data.dump();
  std::vector<std::string> names;
  constexpr std::string_view kWord = "inputs";
  for (size_t at = text.find(kWord); at != std::string::npos; at = text.find(kWord, at + 1)) {
    if (at > 0 && IsIdentChar(text[at - 1])) continue;  // my_inputs
    size_t end = at + kWord.size();
    if (end < text.size() && IsIdentChar(text[end])) continue;  // inputs_x
    if (end + 1 < text.size() && text[end] == '.' && IsIdentChar(text[end + 1])) {
      size_t stop = end + 1;
      while (stop < text.size() && IsIdentChar(text[stop])) ++stop;
      names.push_back(text.substr(end + 1, stop - end - 1));
    } else {
      names.push_back("*");
    }
  }
  return names;
}

// Where a node's inputs come from: (source node id, handle) of each incoming edge, sorted.
std::vector<std::pair<std::string, std::string>> Incoming(const Graph& g, int i) {
  std::vector<std::pair<std::string, std::string>> in;
  for (const auto& e : g.in(i)) in.emplace_back(g.node(e.from).id, e.handle);
  std::sort(in.begin(), in.end());
  return in;
}

// Every string in `j` that is a key of `renamed`, replaced by its value.
void Rename(Json& j, const std::unordered_map<std::string, std::string>& renamed) {
  if (j.is_string()) {
    auto it = renamed.find(j.get_ref<const std::string&>());
    if (it != renamed.end()) j = it->second;
  } else if (j.is_array() || j.is_object()) {
    for (auto& v : j) Rename(v, renamed);
  }
}

}  // namespace

Json ForkInputs(const Template& t, const Json& source, const Json& changes) {
  Json inputs = Json::object();
  for (const auto& spec : t.inputs)
    if (source.is_object() && source.contains(spec.name)) inputs[spec.name] = source[spec.name];
  if (changes.is_object())
    for (const auto& [k, v] : changes.items()) inputs[k] = v;
  return inputs;
}

Result<ExecutionRecord> Engine::Impl::Fork(const std::string& ws, const std::string& id,
                                           const Engine::ForkRequest& req, std::vector<Op> with) {
  auto src = store_->GetExecution(ws, id);
  if (!src) return Err(src.error());
  if (!src->parent_execution_id.empty())
    return Err(FailedPrecondition("execution '" + id + "' is a sub-execution of '" +
                                  src->parent_execution_id + "'; fork that execution instead"));
  if (!IsTerminal(src->status))
    return Err(FailedPrecondition("execution '" + id + "' is " + ExecStatusName(src->status) +
                                  "; only a completed, failed or stopped execution can be forked"));
  if (!req.inputs.is_object()) return Err(InvalidArgument("inputs must be an object"));
  if (req.template_version < 0) return Err(InvalidArgument("template_version must be 1 or more"));
  const int version = req.template_version ? req.template_version : src->template_version;
  auto tmpl = store_->GetTemplate(ws, src->template_id, version);
  if (!tmpl) return Err(tmpl.error());
  auto old_graph = GraphFor(ws, src->template_id, src->template_version);
  if (!old_graph) return Err(old_graph.error());
  auto new_graph = GraphFor(ws, tmpl->id, tmpl->version);
  if (!new_graph) return Err(new_graph.error());
  const Graph& g0 = **old_graph;
  const Graph& g1 = **new_graph;
  const std::string at = "version " + std::to_string(version) + " of template '" + tmpl->name + "'";
  if (req.step.empty()) return Err(InvalidArgument("the step to fork from must not be empty"));
  const int from = g1.IndexOf(req.step);
  if (from < 0) {
    const size_t bracket = req.step.find('[');
    if (bracket != std::string::npos && g1.IndexOf(req.step.substr(0, bracket)) >= 0)
      return Err(InvalidArgument("'" + req.step + "' is an item of map '" +
                                 req.step.substr(0, bracket) + "'; fork from the map"));
    return Err(NotFound(at + " has no step '" + req.step + "'"));
  }

  auto steps = store_->GetSteps(ws, id);
  if (!steps) return Err(steps.error());
  std::unordered_map<std::string, const StepRecord*> top;
  std::unordered_map<std::string, std::vector<const StepRecord*>> items;
  for (const auto& st : *steps) {
    if (st.parent_step_id.empty())
      top[st.step_id] = &st;
    else
      items[st.parent_step_id].push_back(&st);
  }

  auto n = PrepareLaunch(ws, *tmpl, ForkInputs(g1.tmpl(), src->inputs, req.inputs), false,
                         LaunchAs{"", "", "", src->id, g1.node(from).id});
  if (!n) return Err(n.error());
  std::vector<std::string> changed_inputs;
  for (const auto& [k, v] : n->rec.inputs.items())
    if (!src->inputs.contains(k) || src->inputs[k] != v) changed_inputs.push_back(k);
  for (const auto& [k, v] : src->inputs.items())
    if (!n->rec.inputs.contains(k)) changed_inputs.push_back(k);

  // What runs again: the step, what follows it, and any step that cannot be kept with what
  // follows that. Nodes are visited in topological order, so a step's predecessors are decided
  // before it.
  std::vector<char> rerun = g1.Downstream({from});
  rerun[from] = 1;
  const std::vector<char> upstream = g1.Upstream({from});
  std::vector<int> kept;
  for (int i : g1.topo_order()) {
    if (rerun[i] || i == g1.start()) continue;
    const Node& node = g1.node(i);
    std::string why;
    const int j = g0.IndexOf(node.id);
    auto st = top.find(node.id);
    if (j < 0) {
      why = "is new in " + at;
    } else if (g0.node(j).type != node.type || g0.node(j).data != node.data) {
      why = "is defined differently in " + at;
    } else if (Incoming(g0, j) != Incoming(g1, i)) {
      why = "is connected differently in " + at;
    } else if (st == top.end() || (st->second->status != StepStatus::kSucceeded &&
                                   st->second->status != StepStatus::kSkipped)) {
      why = std::string("did not succeed in execution '") + id + "' (" +
            (st == top.end() ? "it never ran" : StepStatusName(st->second->status)) + ")";
    } else {
      for (const auto& name : InputsRead(node))
        for (const auto& c : changed_inputs)
          if (why.empty() && (name == "*" || name == c))
            why = "reads input '" + c + "', which changes";
      for (const auto& e : g1.in(i))
        if (why.empty() && rerun[e.from])
          why = "follows step '" + g1.node(e.from).id + "', which runs again";
    }
    if (why.empty()) {
      kept.push_back(i);
      continue;
    }
    if (upstream[i])
      return Err(FailedPrecondition("step '" + node.id + "', upstream of '" + req.step + "', " +
                                    why + "; fork from '" + node.id + "' instead"));
    rerun[i] = 1;
    const std::vector<char> down = g1.Downstream({i});
    for (int k = 0; k < g1.size(); ++k)
      if (down[k]) rerun[k] = 1;
  }

  // Kept steps (and a kept map's current items) as the source committed them, at version 1 of
  // the fork, their images as new artifact rows of the fork over the same bytes.
  const int64_t now = clock_->NowMs();
  std::unordered_map<std::string, int> source_version;  // kept step id -> its version there
  std::vector<StepRecord> rows;
  for (int i : kept) {
    const StepRecord& st = *top.at(g1.node(i).id);
    rows.push_back(st);
    source_version[st.step_id] = st.version;
    auto kids = items.find(st.step_id);
    if (kids == items.end()) continue;
    for (const StepRecord* item : kids->second)
      if (IsCurrentItem(*item, st)) {
        rows.push_back(*item);
        source_version[item->step_id] = item->version;
      }
  }
  auto artifacts = store_->ListArtifacts(ws, id);
  if (!artifacts) return Err(artifacts.error());
  std::unordered_map<std::string, std::string> renamed;
  std::vector<ArtifactRecord> copies;
  for (const auto& a : *artifacts) {
    auto v = source_version.find(a.step_id);
    if (v == source_version.end() || a.step_version != v->second) continue;
    ArtifactRecord c = a;
    c.id = ids_->NewId("art_");
    c.execution_id = n->rec.id;
    c.step_version = 1;
    c.created_at = now;
    renamed[a.id] = c.id;
    copies.push_back(std::move(c));
  }
  Json kept_ids = Json::array();
  std::unordered_map<std::string, size_t> slot;  // step id -> its insert in n->t.ops
  for (size_t k = 0; k < n->t.ops.size(); ++k)
    if (const auto* w = std::get_if<StepWrite>(&n->t.ops[k])) slot[w->row.step_id] = k;
  std::vector<Op> kept_events;
  for (StepRecord& row : rows) {
    row.execution_id = n->rec.id;
    row.version = 1;
    row.attempt_base = row.attempt;
    row.crashes = 0;
    row.due_at = 0;
    row.lease_owner.clear();
    row.lease_expires_at = 0;
    row.usage = nullptr;  // what it cost was paid by the source
    row.created_at = row.updated_at = now;
    Rename(row.output, renamed);
    Rename(row.session, renamed);
    if (!row.session.is_null() && row.status == StepStatus::kSucceeded) {
      // A generative step keeps its versions: the fork's first is the one it kept, with the
      // conversation that made it (what the versions panel shows and a tweak continues).
      StepVersion v;
      v.execution_id = n->rec.id;
      v.step_id = row.step_id;
      v.version = 1;
      v.output = row.output;
      v.session = row.session;
      v.meta = Json::object();
      v.meta["source"] = "fork";
      v.meta["from"] = {{"execution_id", id},
                        {"step", row.step_id},
                        {"version", source_version[row.step_id]}};
      v.created_at = now;
      kept_events.push_back(StepVersionPut{std::move(v)});
    }
    if (row.parent_step_id.empty()) {
      kept_ids.push_back(row.step_id);
      const bool skipped = row.status == StepStatus::kSkipped;
      Json payload = {{"attempt", row.attempt}, {"duration_ms", 0}, {"kept_from", id}};
      Json arts = Json::array();
      for (const auto& c : copies)
        if (c.step_id == row.step_id) arts.push_back(c.id);
      if (!arts.empty()) payload["artifacts"] = std::move(arts);
      kept_events.push_back(EventAppend{MakeEvent(
          n->rec.id, now, skipped ? "step_skipped" : "step_succeeded", row.step_id, payload)});
    }
    auto s = slot.find(row.step_id);
    if (s != slot.end())
      std::get<StepWrite>(n->t.ops[s->second]).row = std::move(row);
    else
      n->t.ops.push_back(StepWrite{std::move(row), std::nullopt, std::nullopt, true});
  }
  // The step forked from runs anew: a generative one calls its model again rather than being
  // served the source's result from the cache (as a regeneration does; its version says "fork").
  if (const NodeTypeSpec* spec = FindNodeType(g1.node(from).type); spec && spec->generative) {
    auto s = slot.find(g1.node(from).id);
    if (s != slot.end())
      std::get<StepWrite>(n->t.ops[s->second]).row.session = {{"pending", {{"mode", "fork"}}}};
  }
  for (auto& c : copies) n->t.ops.push_back(ArtifactInsert{std::move(c)});
  for (auto& op : n->t.ops)
    if (auto* e = std::get_if<EventAppend>(&op); e && e->event.type == "execution_created") {
      e->event.payload["forked_from"]["template_version"] = src->template_version;
      e->event.payload["kept"] = kept_ids;
      e->event.payload["changed_inputs"] = changed_inputs;
    }
  for (auto& op : kept_events) n->t.ops.push_back(std::move(op));
  if (req.dry_run) return n->rec;
  // The copies name the source's bytes: the source must still be there when they commit, or
  // retention may have deleted it (and queued its blobs) since it was read.
  with.push_back(ExecGuard{id, {ExecStatus::kCompleted, ExecStatus::kFailed, ExecStatus::kStopped}});
  auto forked = CommitLaunch(std::move(*n), std::move(with));
  if (!forked && forked.error().code() == Code::kAlreadyExists) {
    auto still = store_->GetExecution(ws, id);
    if (!still && still.error().code() == Code::kNotFound)
      return Err(NotFound("execution '" + id + "' was deleted while it was being forked"));
  }
  return forked;
}

}  // namespace atelier
