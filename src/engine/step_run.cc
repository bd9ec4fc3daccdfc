// Running a task step and recording its result (inline, on the pool, from the cache).
#include "atelier/core/node_types.h"
#include "engine_impl.h"
#include "step_live_sink.h"

namespace atelier {

// Runs a task step (top-level or map item): inline when the executor allows, else claims it for
// the pool. `p` already holds the guard for the transition.
void Engine::Impl::RunStep(ExecState& ex, int node, const std::string& type, const Json& data,
                           bool paid, NodeExecutor* executor, StepRecord row, StepStatus expected,
                           int expected_attempt, Slots& slots, int64_t now, Pending p,
                           std::vector<Pending>& batch, const StepRecord* item_of) {
  const std::string& exec_id = ex.rec.id;
  if (!executor) {
    row.attempt += 1;
    FailRow(ex, row, Internal("no executor for node type '" + type + "'"), data, paid, now, p);
    p.t.ops.push_back(StepWrite{row, expected, expected_attempt, false});
    batch.push_back(std::move(p));
    return;
  }
  if (executor->inline_ok()) {
    row.attempt += 1;
    row.started_at = now;
    Json scope = ScopeFor(ex, node, item_of);
    CancelToken token;
    NodeContext ctx;
    ctx.execution_id = exec_id;
    ctx.step_id = row.step_id;
    ctx.node_type = type;
    ctx.attempt = row.attempt;
    ctx.version = row.version;
    ctx.data = &data;
    ctx.scope = &scope;
    ctx.session = &row.session;
    ctx.cancel = &token;
    ctx.blobs = blobs_;
    ctx.providers = providers_;
    auto r = LimitOutput(BoundedDepth(executor->Execute(ctx)));
    if (r) {
      SucceedRow(ex, row, std::move(*r), now, p);
    } else {
      FailRow(ex, row, r.error(), data, paid, now, p);
    }
    p.t.ops.insert(p.t.ops.begin() + 1, StepWrite{row, expected, expected_attempt, false});
    batch.push_back(std::move(p));
    return;
  }
  // A paid step whose settings and resolved inputs match an earlier result reuses it.
  std::string cache_key = paid ? CacheKey(type, data, ex, node, item_of, row) : "";
  if (!cache_key.empty()) {
    auto hit = store_->LookupCache(ex.ws, cache_key);
    if (hit && *hit) {
      row.attempt += 1;
      row.started_at = now;
      SucceedFromCache(ex, row, **hit, now, p);
      p.t.ops.insert(p.t.ops.begin() + 1, StepWrite{row, expected, expected_attempt, false});
      batch.push_back(std::move(p));
      return;
    }
  }
  if (slots.full()) {
    ex.blocked.push_back(node);
    if (expected == StepStatus::kPending ||
        expected == StepStatus::kStale) {  // record readiness; it starts when a slot frees
      p.t.ops.push_back(StepWrite{row, expected, expected_attempt, false});
      batch.push_back(std::move(p));
    }
    return;
  }
  // A step on its last chance before it is failed as a poison pill runs only while no other
  // one does in this process, so that if the process dies again the crash is its own: a step
  // that merely ran beside a poison pill each time is not failed with it. It looks again later.
  const bool last_chance = LastChance(row);
  if (last_chance && LastChanceRunning()) {
    AddTimer(exec_id, now + opts_.poll_ms);
    ex.retry_wait.push_back(node);
    return;
  }
  slots.Take();
  row.status = StepStatus::kRunning;
  row.attempt += 1;
  row.started_at = now;
  row.lease_owner = opts_.owner;
  row.lease_expires_at = now + opts_.lease_ms;
  auto scope = std::make_shared<Json>(ScopeFor(ex, node, item_of));
  p.t.ops.push_back(StepWrite{row, expected, expected_attempt, false});
  if (paid) Reserve(ex, row, type, data, *scope, now, p.t);
  p.t.ops.push_back(EventAppend{
      MakeEvent(exec_id, now, "step_started", row.step_id, {{"attempt", row.attempt}})});
  const int64_t timeout = AttemptTimeoutMs(FindNodeType(type), data);
  // Reserve the slot now so later decisions in this round see it.
  InFlight f;
  f.token = std::make_shared<CancelToken>();
  f.attempt = row.attempt;
  f.cache_key = cache_key;
  f.last_chance = last_chance;
  f.deadline = timeout > 0 ? now + timeout : 0;
  ex.inflight[row.step_id] = f;
  if (f.deadline) AddTimer(exec_id, f.deadline);
  auto session = std::make_shared<Json>(row.session);
  auto graph = ex.graph;
  std::string step_id = row.step_id;
  int attempt = row.attempt, version = row.version;
  const Json* data_ptr = &data;
  p.after.push_back([this, ws = ex.ws, exec_id, step_id, attempt, version, type, data_ptr, graph,
                     scope, session, executor, token = f.token] {
    pool_.Submit([=, this] {
      // Someone watches: the step's provider calls report live progress through this sink.
      std::optional<StepLiveSink> live;
      if (auto observer = live_observer()) {
        StepLive ids;
        ids.ws = ws;
        ids.execution_id = exec_id;
        ids.step_id = step_id;
        live.emplace(std::move(ids), clock_, opts_.live_interval_ms, std::move(observer));
      }
      NodeContext ctx;
      ctx.progress = live ? &*live : nullptr;
      ctx.execution_id = exec_id;
      ctx.step_id = step_id;
      ctx.node_type = type;
      ctx.attempt = attempt;
      ctx.version = version;
      ctx.data = data_ptr;
      ctx.scope = scope.get();
      ctx.session = session.get();
      ctx.cancel = token.get();
      ctx.blobs = blobs_;
      ctx.providers = providers_;
      Result<NodeResult> r = token->cancelled()
                                 ? Result<NodeResult>(Err(Cancelled(token->reason())))
                                 : LimitOutput(BoundedDepth(executor->Execute(ctx)));
      PostCompletion(Completion{exec_id, step_id, attempt, std::move(r)});
    });
  });
  batch.push_back(std::move(p));
}

// Whether the next crash of the process running `row` fails it as a poison pill.
bool Engine::Impl::LastChance(const StepRecord& row) const {
  return opts_.max_step_crashes > 1 && row.crashes >= opts_.max_step_crashes - 1;
}

bool Engine::Impl::LastChanceRunning() const {
  for (const auto& [id, ex] : execs_)
    for (const auto& [sid, f] : ex.inflight)
      if (f.last_chance && !f.completing) return true;
  return false;
}

// Fails a result larger than opts_.max_step_output_bytes (output and session as JSON), before
// the engine keeps or stores it. Thread-safe (workers call it).
Result<NodeResult> Engine::Impl::LimitOutput(Result<NodeResult> r) const {
  if (!r || opts_.max_step_output_bytes <= 0) return r;
  const auto max = static_cast<uint64_t>(opts_.max_step_output_bytes);
  const uint64_t output = JsonSizeUpTo(r->output, max);
  if (output <= max && output + JsonSizeUpTo(r->session, max - output) <= max) return r;
  const std::string mib =
      max % (uint64_t{1} << 20) == 0 ? " (" + std::to_string(max >> 20) + " MiB)" : "";
  return Err(InvalidArgument(
      std::string(output > max ? "the step's output is" : "the step's output and session are") +
      " larger than " + std::to_string(max) + " bytes" + mib + ", the limit on one step"));
}

// The cache key of a paid step: its type and its data rendered against its scope, leaving out
// what only steers scheduling or tests. "" when it must not use the cache: `cache: false`, a
// tweak or regeneration pending, a `fail_first` test knob (a step told to fail must fail, not be
// served an earlier success), or data that does not render (the executor reports that).
std::string Engine::Impl::CacheKey(const std::string& type, const Json& data, const ExecState& ex,
                                   int node, const StepRecord* item_of, const StepRecord& row) {
  if (data.is_object() && data.value("cache", true) == false) return "";
  if (data.is_object() && data.contains("fail_first") && data["fail_first"] != Json(0) &&
      data["fail_first"] != Json("0"))
    return "";
  if (row.session.is_object() && row.session.contains("pending")) return "";
  Json settings = data.is_object() ? data : Json::object();
  for (const char* k :
       {"label", "retry", "timeout_ms", "cache", "latency_ms", "fail_first", "stream_chunk_ms"})
    settings.erase(k);
  auto rendered = RenderValue(settings, ScopeFor(ex, node, item_of));
  if (!rendered) return "";
  std::string text = type + "\n" + rendered->dump();
  return "c_" + Hex16(Fnv1a64(text)) + Hex16(Fnv1a64("atelier-cache:" + text));
}

// Succeeds `row` with a cached result: the same output and session, with artifact rows of its
// own pointing at the same blobs (no provider call, nothing charged).
void Engine::Impl::SucceedFromCache(ExecState& ex, StepRecord& row, const CacheEntry& hit,
                                    int64_t now, Pending& p) {
  NodeResult r;
  r.output = hit.output;
  r.session = hit.session;
  NodeContext ctx;
  ctx.execution_id = ex.rec.id;
  ctx.step_id = row.step_id;
  ctx.attempt = row.attempt;
  ctx.version = row.version;
  std::unordered_map<std::string, std::string> renamed;
  auto source = store_->ListArtifacts(ex.ws, hit.execution_id);
  if (source) {
    int i = 0;
    for (const auto& a : *source) {
      if (a.step_id != hit.step_id || a.step_version != hit.version) continue;
      ArtifactDraft d;
      d.id = ctx.ArtifactId(i++);
      d.kind = a.kind;
      d.mime = a.mime;
      d.sha256 = a.sha256;
      d.size = a.size;
      d.name = a.name;
      d.meta = a.meta;
      renamed[a.id] = d.id;
      r.artifacts.push_back(std::move(d));
    }
  }
  RenameStrings(r.output, renamed);
  RenameStrings(r.session, renamed);
  SucceedRow(ex, row, std::move(r), now, p);
  // The copies name the source's bytes: the source must still be there when they commit. If
  // retention deleted it since the lookup, the transition fails, the execution is read again,
  // and the lookup misses (the purge took the cache entry too): the step runs.
  p.t.ops.push_back(ExecGuard{hit.execution_id, {}});
  // Mark the event and the kept version as a cache hit.
  for (auto it = p.t.ops.rbegin(); it != p.t.ops.rend(); ++it) {
    if (auto* e = std::get_if<EventAppend>(&*it); e && e->event.type == "step_succeeded") {
      e->event.payload["cache_hit"] = {
          {"execution", hit.execution_id}, {"step", hit.step_id}, {"version", hit.version}};
      break;
    }
  }
  for (auto& op : p.t.ops)
    if (auto* v = std::get_if<StepVersionPut>(&op)) v->row.meta["source"] = "cache";
}

void Engine::Impl::RenameStrings(Json& j,
                                 const std::unordered_map<std::string, std::string>& names) {
  if (names.empty()) return;
  if (j.is_string()) {
    auto it = names.find(j.get_ref<const std::string&>());
    if (it != names.end()) j = it->second;
  } else if (j.is_array() || j.is_object()) {
    for (auto& v : j) RenameStrings(v, names);
  }
}

// The provider a paid step's model routes to first ("" when none routes).
std::string Engine::Impl::FirstProvider(const std::string& type, const Json& data) const {
  const NodeTypeSpec* spec = FindNodeType(type);
  auto routes = providers_->Routes(
      data.value("model", spec ? spec->DefaultModel(data) : std::string("default")));
  return routes && !routes->empty() ? routes->front().provider->name() : "";
}

// Returns what the result cost (0 when it reports no usage).
double Engine::Impl::SucceedRow(ExecState& ex, StepRecord& row, NodeResult r, int64_t now,
                                Pending& p) {
  Json source = {{"source", "run"}};
  if (row.session.is_object() && row.session.contains("pending")) {
    const Json& pending = row.session["pending"];
    source = {{"source", pending.value("mode", "run")}};
    if (pending.contains("instruction")) source["instruction"] = pending["instruction"];
    row.session.erase("pending");
  }
  if (!r.session.is_null()) row.session = std::move(r.session);
  row.status = StepStatus::kSucceeded;
  row.output = std::move(r.output);
  row.error = nullptr;
  row.due_at = 0;
  row.finished_at = row.updated_at = now;
  row.lease_owner.clear();
  row.lease_expires_at = 0;
  row.crashes = 0;  // an attempt finished: the process survived it
  Json artifacts = Json::array();
  for (auto& a : r.artifacts) {
    ArtifactRecord rec;
    rec.id = a.id;
    rec.workspace_id = ex.ws;
    rec.execution_id = ex.rec.id;
    rec.step_id = row.step_id;
    rec.step_version = row.version;
    rec.kind = a.kind;
    rec.mime = a.mime;
    rec.sha256 = a.sha256;
    rec.size = a.size;
    rec.name = a.name;
    rec.meta = a.meta;
    rec.created_at = now;
    artifacts.push_back(rec.id);
    p.t.ops.push_back(ArtifactInsert{std::move(rec)});
  }
  Json payload = {{"attempt", row.attempt},
                  {"duration_ms", row.started_at ? now - row.started_at : 0}};
  double cost = 0;
  if (!row.session.is_null()) {
    // Generative steps keep every version: what it made and the session that made it.
    source["attempt"] = row.attempt;
    payload["version"] = row.version;
    StepVersion v;
    v.execution_id = ex.rec.id;
    v.step_id = row.step_id;
    v.version = row.version;
    v.output = row.output;
    v.session = row.session;
    v.meta = std::move(source);
    v.created_at = now;
    p.t.ops.push_back(StepVersionPut{std::move(v)});
  }
  if (!artifacts.empty()) payload["artifacts"] = std::move(artifacts);
  if (r.usage.input_tokens || r.usage.output_tokens || r.usage.images) {
    const std::string provider =
        row.output.is_object() ? row.output.value("provider", std::string()) : "";
    const std::string model =
        row.output.is_object() ? row.output.value("model", std::string()) : "";
    cost = opts_.prices ? opts_.prices->Cost(provider, model, r.usage) : 0;
    payload["usage"] = {{"input_tokens", r.usage.input_tokens},
                        {"output_tokens", r.usage.output_tokens},
                        {"images", r.usage.images},
                        {"cost", cost},
                        {"provider", provider},
                        {"model", model}};
    // Tokens the provider did not report were approximated (see docs/providers.md).
    if (r.usage.estimated) payload["usage"]["estimated"] = true;
    // The step's usage adds up over its versions: what it has cost so far.
    Json total = row.usage.is_object() ? row.usage : Json::object();
    total["input_tokens"] = total.value("input_tokens", int64_t{0}) + r.usage.input_tokens;
    total["output_tokens"] = total.value("output_tokens", int64_t{0}) + r.usage.output_tokens;
    total["images"] = total.value("images", int64_t{0}) + r.usage.images;
    total["cost"] = total.value("cost", 0.0) + cost;
    total["provider"] = provider;
    total["model"] = model;
    if (r.usage.estimated) total["estimated"] = true;
    row.usage = std::move(total);
  }
  p.t.ops.push_back(
      EventAppend{MakeEvent(ex.rec.id, now, "step_succeeded", row.step_id, std::move(payload))});
  AppendMilestonesReached(ex, row, now, p.t);
  return cost;
}

// milestone_reached, in the transaction that writes `row` finished, for each automatic
// milestone it completes. Nothing to do (one test) when the template declares none.
void Engine::Impl::AppendMilestonesReached(const ExecState& ex, const StepRecord& row, int64_t now,
                                           Transition& t) {
  if (ex.graph->tmpl().milestones.empty()) return;
  ::atelier::AppendMilestonesReached(
      ex.graph->tmpl(), ex.rec.id, row, now, t, [&ex](const std::string& id) -> const StepRecord* {
        auto it = ex.index.find(id);
        return it == ex.index.end() ? nullptr : &ex.steps[it->second];
      });
}

void Engine::Impl::FailRow(ExecState& ex, StepRecord& row, const Status& error, const Json& data,
                           bool paid, int64_t now, Pending& p) {
  RetryPolicy policy = RetryPolicy::ForNode(data, paid);
  int attempt_in_run = row.attempt - row.attempt_base;
  bool retry = policy.ShouldRetry(error, attempt_in_run);
  row.status = StepStatus::kFailed;
  row.error = ErrorJson(error);
  row.finished_at = row.updated_at = now;
  row.lease_owner.clear();
  row.lease_expires_at = 0;
  row.crashes = 0;  // an attempt finished: the process survived it
  Json payload = {{"attempt", row.attempt}, {"error", row.error}, {"will_retry", retry}};
  if (retry) {
    int64_t delay = policy.DelayMs(error, attempt_in_run, jitter_(rng_));
    row.due_at = now + std::max<int64_t>(delay, 1);
    payload["retry_in_ms"] = delay;
    AddTimer(ex.rec.id, row.due_at);
  } else {
    row.due_at = 0;
  }
  p.t.ops.push_back(
      EventAppend{MakeEvent(ex.rec.id, now, "step_failed", row.step_id, std::move(payload))});
}

}  // namespace atelier
