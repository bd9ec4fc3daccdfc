// Commands that make new versions: tweak, regenerate, revert, retry-step and attachment edits,
// with the downstream bookkeeping they share (stale steps, re-opened maps and executions).
// See commands.h.
#include <algorithm>

#include "atelier/core/node_types.h"
#include "atelier/core/render.h"
#include "commands.h"
#include "engine_util.h"
#include "scheduler.h"

namespace atelier {

// The nodes reachable from `from` along the graph's edges (`from` itself only when reached).
// A failed or cancelled step runs again as the same version, with a fresh retry budget; a
// user's retry gives a poison pill its chances again.
void Commands::ResetForRetry(const std::string& id, const StepRecord& s, int64_t now,
                             Transition& t) {
  StepRecord row = s;
  row.status = StepStatus::kPending;
  row.attempt_base = row.attempt;
  row.crashes = 0;
  row.due_at = 0;
  row.error = nullptr;
  row.finished_at = 0;
  row.updated_at = now;
  t.ops.push_back(StepWrite{row, s.status, s.attempt, false});
  t.ops.push_back(EventAppend{
      MakeEvent(id, now, "step_reset", s.step_id, {{"from", StepStatusName(s.status)}})});
}

// A new version of `s` because `because` changed upstream: a succeeded step goes stale (its
// output kept until it runs again), any other back to pending.
// A map's new version starts above every version its items reached (see IsCurrentItem).
void Commands::MarkStale(const std::string& id, const StepRecord& s,
                         const std::vector<StepRecord>& steps, const std::string& because,
                         int64_t now, Transition& t) {
  StepRecord d = s;
  d.status = s.status == StepStatus::kSucceeded ? StepStatus::kStale : StepStatus::kPending;
  d.version = s.version + 1;
  for (const auto& c : steps)
    if (c.parent_step_id == s.step_id) d.version = std::max(d.version, c.version + 1);
  d.attempt_base = d.attempt;
  d.crashes = 0;
  d.due_at = 0;
  d.error = nullptr;
  d.updated_at = now;
  t.ops.push_back(StepWrite{d, s.status, s.attempt, false});
  t.ops.push_back(EventAppend{MakeEvent(
      id, now, "step_stale", s.step_id,
      {{"from", StepStatusName(s.status)}, {"because", because}, {"version", d.version}})});
}

// A step with no session (not generative) keeps no versions while it only runs once; before a
// new version replaces it, the current one is kept so that it can be compared and reverted to.
void Commands::KeepReplacedVersion(const StepRecord& st, int64_t now, Transition& t) {
  if (!st.session.is_null()) return;
  StepVersion v;
  v.execution_id = st.execution_id;
  v.step_id = st.step_id;
  v.version = st.version;
  v.output = st.output;
  v.meta = {{"source", "run"}, {"attempt", st.attempt}};
  v.created_at = st.finished_at ? st.finished_at : now;
  t.ops.push_back(StepVersionPut{std::move(v)});
}

Status Commands::EditAttachments(const std::string& ws, const std::string& id,
                                 const std::string& step_id, const Engine::AttachmentEdit& edit) {
  auto artifacts = store_->ListArtifacts(ws, id);
  if (!artifacts) return artifacts.error();
  auto image_of = [&](const std::string& art) -> Result<Json> {
    for (const auto& a : *artifacts) {
      if (a.id != art) continue;
      if (a.kind != "image")
        return Err(InvalidArgument("artifact '" + art + "' is a " + a.kind + ", not an image"));
      Json img = {{"artifact_id", a.id}, {"sha256", a.sha256}, {"mime", a.mime}, {"name", a.name}};
      for (const char* k : {"width", "height"})
        if (a.meta.is_object() && a.meta.contains(k)) img[k] = a.meta[k];
      return img;
    }
    return Err(InvalidArgument("artifact '" + art + "' is not an image of execution '" + id + "'"));
  };
  return RunCommand(ws, id, [&](const ExecutionRecord& ex, const auto& steps, Transition& t) {
    const StepRecord* st = FindStep(steps, step_id);
    if (!st) return NotFound("execution '" + id + "' has no step '" + step_id + "'");
    auto g = GraphFor(ws, ex.template_id, ex.template_version);
    if (!g) return g.error();
    int node = (*g)->IndexOf(st->node_id);
    if (node < 0 || !(*g)->spec(node).edits_attachments || !st->parent_step_id.empty() ||
        !st->output.is_object() || !st->output.contains("document"))
      return FailedPrecondition("step '" + step_id + "' is not an attach step");
    if (st->status != StepStatus::kSucceeded)
      return FailedPrecondition("step '" + step_id + "' is " + StepStatusName(st->status) +
                                "; only a succeeded attach step's images can be changed");
    if (edit.add.empty() && edit.remove.empty() && edit.primary.empty())
      return InvalidArgument("nothing to change: give images to add or remove, or a primary image");
    Json doc = st->output["document"];
    Json images =
        doc.contains("images") && doc["images"].is_array() ? doc["images"] : Json::array();
    Json primary = doc.value("primary", Json());
    auto id_of = [](const Json& img) {
      return img.is_object() ? img.value("artifact_id", std::string()) : std::string();
    };
    auto index_of = [&](const std::string& art) -> int {
      for (size_t i = 0; i < images.size(); ++i)
        if (id_of(images[i]) == art) return static_cast<int>(i);
      return -1;
    };
    Json removed = Json::array(), added = Json::array();
    for (const auto& art : edit.remove) {
      int i = index_of(art);
      if (i < 0)
        return InvalidArgument("remove: image '" + art + "' is not attached to step '" + step_id +
                               "'");
      images.erase(images.begin() + i);
      removed.push_back(art);
    }
    for (const auto& art : edit.add) {
      if (index_of(art) >= 0) continue;
      auto img = image_of(art);
      if (!img) return Status(img.error().code(), "add: " + img.error().message());
      images.push_back(std::move(*img));
      added.push_back(art);
    }
    if (!edit.primary.empty()) {
      int i = index_of(edit.primary);
      if (i < 0)
        return InvalidArgument("primary: image '" + edit.primary + "' is not attached to step '" +
                               step_id + "' (add it first or in the same change)");
      primary = images[static_cast<size_t>(i)];
    } else if (index_of(id_of(primary)) < 0) {
      primary = images.empty() ? Json() : images[0];
    }
    doc["images"] = images;
    doc["primary"] = primary;
    const int64_t now = clock_->NowMs();
    KeepReplacedVersion(*st, now, t);
    StepRecord row = *st;
    row.version = st->version + 1;
    row.output["document"] = doc;
    row.output["images"] = images;
    row.output["primary"] = primary;
    if (!row.session.is_object()) row.session = Json::object();
    row.updated_at = now;
    Json change = {{"added", added}, {"removed", removed}, {"primary", id_of(primary)}};
    StepVersion v;
    v.execution_id = id;
    v.step_id = step_id;
    v.version = row.version;
    v.output = row.output;
    v.session = row.session;
    v.meta["source"] = "attachments";
    v.meta["change"] = change;
    v.created_at = now;
    t.ops.push_back(StepWrite{row, StepStatus::kSucceeded, st->attempt, false});
    t.ops.push_back(StepVersionPut{std::move(v)});
    Json payload = {{"version", row.version}, {"from_version", st->version}};
    payload.update(change);
    t.ops.push_back(EventAppend{MakeEvent(id, now, "step_attachments_changed", step_id, payload)});
    t.ops.push_back(ExecGuard{id, {ex.status}});
    return Status::Ok();
  });
}

// "tweaked", "regenerated", "reverted".
std::string Commands::Past(const std::string& mode) {
  return mode == "tweak" ? "tweaked" : mode == "regenerate" ? "regenerated" : "reverted";
}

// Tweak, regenerate and revert make a new version of a succeeded generative step; everything
// downstream of it becomes stale (or pending again) and re-runs; nothing else does.
Status Commands::NewVersion(const std::string& ws, const std::string& id,
                            const std::string& step_id, const std::string& mode,
                            const std::string& instruction, int revert_to,
                            const std::string& decided_by) {
  if (mode == "tweak" && instruction.find_first_not_of(" \t\n") == std::string::npos)
    return InvalidArgument("a tweak needs an instruction, such as \"zoom out to show the face\"");
  std::optional<StepVersion> kept;
  if (mode == "revert") {
    auto versions = store_->ListStepVersions(ws, id, step_id);
    if (!versions) return versions.error();
    std::string have;
    for (const auto& v : *versions) {
      have += (have.empty() ? "" : ", ") + std::to_string(v.version);
      if (v.version == revert_to) kept = v;
    }
    if (!kept)
      return NotFound("step '" + step_id + "' has no version " + std::to_string(revert_to) +
                      (have.empty() ? "" : "; kept versions: " + have));
  }
  return RunCommand(ws, id, [&](const ExecutionRecord& ex, const auto& steps, Transition& t) {
    auto g = GraphFor(ws, ex.template_id, ex.template_version);
    if (!g) return g.error();
    const Graph& graph = **g;
    const StepRecord* st = FindStep(steps, step_id);
    if (!st) return NotFound("execution '" + id + "' has no step '" + step_id + "'");
    const bool item = !st->parent_step_id.empty();
    const StepRecord* map = item ? FindStep(steps, st->parent_step_id) : nullptr;
    if (item && !map) return Internal("map item '" + step_id + "' has no map step");
    const int node = graph.IndexOf(st->node_id);
    // A map item runs the map's inner node.
    const Json* inner = node >= 0 && item ? &graph.node(node).data.at("node") : nullptr;
    const std::string type = node < 0 ? std::string()
                             : inner  ? inner->value("type", std::string())
                                      : graph.node(node).type;
    const NodeTypeSpec* type_spec = FindNodeType(type);
    const bool generative = type_spec != nullptr && type_spec->generative;
    // A step built from others (a document, an attachment set, a computed value) is rebuilt
    // from its inputs as they are now: seed 003's "failed document: rebuild from sections".
    const bool derived = type_spec != nullptr && type_spec->rebuildable;
    const bool allowed = generative || (derived && mode != "tweak");
    const std::string what = item ? "item " + std::to_string(st->item_index) + " of map '" +
                                        map->step_id + "' (a " + type + " step)"
                                  : "a " + (node < 0 ? std::string("unknown") : type) + " step";
    if (node < 0 || !allowed)
      return FailedPrecondition(
          "step '" + step_id + "' is " + what +
          "; only generate_text, generate_image and refine steps can be " + Past(mode) +
          (mode == "tweak"
               ? std::string(" (export, attach, transform and code steps can be regenerated)")
               : std::string(", and export, attach, transform and code steps rebuilt")));
    if (item) {
      if (!IsCurrentItem(*st, *map))
        return FailedPrecondition("step '" + step_id + "' belongs to an earlier run of map '" +
                                  map->step_id + "', which has fewer items now");
      if (map->status != StepStatus::kSucceeded && map->status != StepStatus::kFailed)
        return FailedPrecondition("map '" + map->step_id + "' is " + StepStatusName(map->status) +
                                  "; its items can be " + Past(mode) +
                                  " once it has finished running them");
    }
    // A map item that failed (collected with on_item_error: continue, or failing the map) can be
    // run again as a new version; anything else must have succeeded.
    const bool failed_item = item && mode == "regenerate" &&
                             (PermanentlyFailed(*st) || st->status == StepStatus::kCancelled);
    const bool revertible = item && mode == "revert" && Settled(*st);
    if (st->status != StepStatus::kSucceeded && !failed_item && !revertible)
      return FailedPrecondition("step '" + step_id + "' is " + StepStatusName(st->status) +
                                "; only a succeeded step can be " + Past(mode) +
                                (item && mode == "regenerate" ? " (or a failed map item)" : ""));
    if (ex.status == ExecStatus::kQueued)
      return FailedPrecondition("execution '" + id + "' has not started");

    int64_t now = clock_->NowMs();
    if (!decided_by.empty())
      t.ops.push_back(EventAppend{
          MakeEvent(id, now, "approval_decided", decided_by,
                    {{"decision", "tweak"}, {"instruction", instruction}, {"tweaks", step_id}})});
    // Versions only grow, so the step's own number is the highest kept one.
    StepRecord row = *st;
    row.version = st->version + 1;
    row.updated_at = now;
    Json payload = {{"version", row.version}, {"from_version", st->version}};
    if (mode == "revert") {
      row.status = StepStatus::kSucceeded;
      row.output = kept->output;
      row.session = kept->session;
      row.error = nullptr;
      row.due_at = 0;
      row.finished_at = now;
      payload["reverted_to"] = revert_to;
      StepVersion v = *kept;
      v.version = row.version;
      v.meta = Json::object();
      v.meta["source"] = "revert";
      v.meta["reverted_to"] = revert_to;
      v.created_at = now;
      t.ops.push_back(StepWrite{row, st->status, st->attempt, false});
      t.ops.push_back(StepVersionPut{std::move(v)});
      t.ops.push_back(EventAppend{MakeEvent(id, now, "step_reverted", step_id, payload)});
    } else {
      if (st->status == StepStatus::kSucceeded) KeepReplacedVersion(*st, now, t);
      row.status = StepStatus::kReady;
      row.attempt_base = row.attempt;
      row.crashes = 0;
      row.due_at = 0;
      row.error = nullptr;
      if (!row.session.is_object()) row.session = Json::object();
      row.session["pending"] = {{"mode", mode}};
      if (mode == "tweak") {
        row.session["pending"]["instruction"] = instruction;
        payload["instruction"] = instruction;
      }
      t.ops.push_back(StepWrite{row, st->status, st->attempt, false});
      t.ops.push_back(EventAppend{MakeEvent(
          id, now, mode == "tweak" ? "step_tweaked" : "step_regenerating", step_id, payload)});
    }
    // What depends on an item is its map (which collects it again) and what follows the map.
    if (item) {
      Status reopened = ReopenMap(ex, graph, steps, *map, step_id, now, t);
      if (!reopened.ok()) return reopened;
    }
    Status staled = StaleDownstream(graph, steps, node, id, step_id, now, t);
    if (!staled.ok()) return staled;
    return ReopenExecution(ex, step_id, t);
  });
}

const StepRecord* Commands::FindStep(const std::vector<StepRecord>& steps,
                                     const std::string& step_id) {
  for (const auto& s : steps)
    if (s.step_id == step_id) return &s;
  return nullptr;
}

// Every top-level step downstream of `node` runs again: a succeeded one goes stale, a waiting or
// failed one back to pending. Refused while one of them is running.
Status Commands::StaleDownstream(const Graph& graph, const std::vector<StepRecord>& steps, int node,
                                 const std::string& id, const std::string& because, int64_t now,
                                 Transition& t) {
  const std::vector<char> down = graph.Downstream({node});
  for (const auto& s : steps) {
    if (!s.parent_step_id.empty()) continue;
    int n = graph.IndexOf(s.node_id);
    if (n < 0 || !down[n]) continue;
    if (s.status == StepStatus::kRunning || s.status == StepStatus::kReady)
      return FailedPrecondition("step '" + s.step_id + "' downstream of '" + because + "' is " +
                                StepStatusName(s.status) +
                                "; wait until it finishes or stop the execution first");
    if (s.status == StepStatus::kPending || s.status == StepStatus::kStale) continue;
    MarkStale(id, s, steps, because, now, t);
  }
  return Status::Ok();
}

// A map that finished runs again over the items it has (no new list, no new version): those
// that are not settled run, then it collects every item's result anew.
Status Commands::ReopenMap(const ExecutionRecord& ex, const Graph& graph,
                           const std::vector<StepRecord>& steps, const StepRecord& map,
                           const std::string& because, int64_t now, Transition& t) {
  StepRecord row = map;
  row.status = StepStatus::kRunning;
  Json settings = {{"concurrency", 4}, {"on_item_error", "continue"}};
  for (const char* k : {"items", "concurrency", "on_item_error"})
    if (map.output.is_object() && map.output.contains(k)) settings[k] = map.output[k];
  if (!settings.contains("items")) {
    // A map finished before its items were kept with its output: render them again.
    int n = graph.IndexOf(map.node_id);
    Json scope = {{"inputs", ex.inputs}, {"steps", Json::object()}};
    for (const auto& o : steps)
      if (o.parent_step_id.empty() && o.status == StepStatus::kSucceeded)
        scope["steps"][o.step_id] = o.output;
    auto items =
        n >= 0 ? RenderValue(graph.node(n).data.at("items"), scope) : Result<Json>(Json::array());
    if (!items) return items.error();
    settings["items"] = std::move(*items);
  }
  row.output = std::move(settings);
  row.error = nullptr;
  row.due_at = 0;
  row.finished_at = 0;
  row.updated_at = now;
  t.ops.push_back(StepWrite{row, map.status, map.attempt, false});
  t.ops.push_back(EventAppend{
      MakeEvent(ex.id, now, "step_reset", map.step_id,
                {{"from", StepStatusName(map.status)}, {"to", "running"}, {"because", because}})});
  return Status::Ok();
}

// After a command gave steps new work: a running or paused execution carries on; one that had
// finished or was waiting at a gate runs again.
Status Commands::ReopenExecution(const ExecutionRecord& ex, const std::string& because,
                                 Transition& t) {
  if (ex.status == ExecStatus::kRunning || ex.status == ExecStatus::kPaused) {
    t.ops.push_back(ExecGuard{ex.id, {ex.status}});
    return Status::Ok();
  }
  ExecutionRecord row_ex = ex;
  row_ex.error = nullptr;
  row_ex.finished_at = 0;
  Status s = SetExecStatus(row_ex, ExecStatus::kRunning, "", "execution_reopened", t);
  if (s.ok()) std::get<EventAppend>(t.ops.back()).event.payload["because"] = because;
  return s;
}

// Runs again the items of map `step_id` that failed or were cancelled (or the one item
// `step_id` names) while the rest of the execution stays as it is: the map collects them anew
// and what follows it runs again. Seed 002's "manual workaround" without rejecting the gate.
Status Commands::RetryStep(const std::string& ws, const std::string& id,
                           const std::string& step_id) {
  return RunCommand(ws, id, [&](const ExecutionRecord& ex, const auto& steps, Transition& t) {
    const StepRecord* st = FindStep(steps, step_id);
    if (!st) return NotFound("execution '" + id + "' has no step '" + step_id + "'");
    const StepRecord* map = st->parent_step_id.empty() ? st : FindStep(steps, st->parent_step_id);
    if (!map) return Internal("map item '" + step_id + "' has no map step");
    auto g = GraphFor(ws, ex.template_id, ex.template_version);
    if (!g) return g.error();
    const Graph& graph = **g;
    const int node = graph.IndexOf(map->node_id);
    if (node < 0 || graph.spec(node).kind != NodeKind::kMap)
      return FailedPrecondition("step '" + step_id +
                                "' is not a map or a map item; retry the execution to re-run "
                                "its failed steps");
    if (map->status != StepStatus::kSucceeded && map->status != StepStatus::kFailed)
      return FailedPrecondition("map '" + map->step_id + "' is " + StepStatusName(map->status) +
                                "; its items can be retried once it has finished running them");
    if (ex.status == ExecStatus::kQueued)
      return FailedPrecondition("execution '" + id + "' has not started");
    const int64_t now = clock_->NowMs();
    int reset = 0;
    for (const auto& s : steps) {
      if (s.parent_step_id != map->step_id || !IsCurrentItem(s, *map)) continue;
      if (st != map && &s != st) continue;
      if (!PermanentlyFailed(s) && s.status != StepStatus::kCancelled) {
        if (&s == st)
          return FailedPrecondition("step '" + step_id + "' is " + StepStatusName(s.status) +
                                    "; only a failed or cancelled item can be retried (a "
                                    "succeeded one can be regenerated)");
        continue;
      }
      ResetForRetry(id, s, now, t);
      ++reset;
    }
    if (reset == 0)
      return FailedPrecondition("map '" + map->step_id + "' has no failed or cancelled items");
    Status s = ReopenMap(ex, graph, steps, *map, step_id, now, t);
    if (s.ok()) s = StaleDownstream(graph, steps, node, id, step_id, now, t);
    if (s.ok()) s = ReopenExecution(ex, step_id, t);
    return s;
  });
}

}  // namespace atelier
