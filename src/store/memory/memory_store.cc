// MemoryStore: templates, the Commit of transitions, and the reads of executions, steps, events,
// versions, the cache and artifacts. Accounts (workspaces, keys, credits, catalog queries) are in
// memory_accounts.cc. Semantics follow SqliteStore's statements one for one; where an order or a
// filter is not obvious, the SQL it mirrors is quoted.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <limits>
#include <new>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <variant>

#include "atelier/store/transition_rules.h"
#include "memory_state.h"

namespace atelier {
namespace memory {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Json Stored(const Json& j) {
  if (j.is_null()) return j;
  return Json::parse(j.dump(-1, ' ', false, Json::error_handler_t::replace));
}

}  // namespace memory

namespace {

using memory::Stored;

Status BuiltinNameTaken(const TemplateRecord& latest) {
  if (latest.builtin)
    return AlreadyExists("'" + latest.name + "' is a built-in template (" + latest.id +
                         "); clone it under another name to make your own");
  return AlreadyExists("a user template named '" + latest.name + "' (" + latest.id +
                       ") exists; the built-in template of that name is not stored over it");
}

Status ExecutionNotFound(const std::string& id) {
  return NotFound("execution '" + id + "' not found");
}

ExecutionRecord StoredExecution(const ExecutionRecord& r) {
  ExecutionRecord s = r;
  s.inputs = Stored(r.inputs);
  s.error = Stored(r.error);
  return s;
}

StepRecord StoredStep(const StepRecord& r) {
  StepRecord s = r;
  s.output = Stored(r.output);
  s.error = Stored(r.error);
  s.session = Stored(r.session);
  s.usage = Stored(r.usage);
  return s;
}

// A step without its contents (output, error and session null), copied field by field so that
// the contents are never copied.
StepRecord StepState(const StepRecord& r) {
  StepRecord s;
  s.execution_id = r.execution_id;
  s.step_id = r.step_id;
  s.node_id = r.node_id;
  s.parent_step_id = r.parent_step_id;
  s.item_index = r.item_index;
  s.status = r.status;
  s.attempt = r.attempt;
  s.attempt_base = r.attempt_base;
  s.version = r.version;
  s.created_at = r.created_at;
  s.updated_at = r.updated_at;
  s.started_at = r.started_at;
  s.finished_at = r.finished_at;
  s.due_at = r.due_at;
  s.lease_owner = r.lease_owner;
  s.lease_expires_at = r.lease_expires_at;
  s.crashes = r.crashes;
  s.usage = r.usage;
  return s;
}

// The latest live version of the workspace's template named `name` ("workspace_id = ? AND
// name = ? AND deleted_at = 0 ORDER BY version DESC LIMIT 1").
const TemplateRecord* LatestByName(const memory::State& s, const std::string& ws,
                                   const std::string& name);

}  // namespace

// ---- transitions ---------------------------------------------------------------------------

bool memory::State::Apply(const ExecWrite& w) {
  const std::string& id = w.row.id;
  auto it = executions.find(id);
  if (w.insert) {
    if (it != executions.end()) return false;
    ExecutionRecord row = StoredExecution(w.row);
    SaveEntry(executions, id);
    executions.emplace(id, std::move(row));
    AdoptEvents(id, w.row.workspace_id);
    return true;
  }
  if (it == executions.end()) return false;
  if (!w.expected.empty() &&
      std::find(w.expected.begin(), w.expected.end(), it->second.status) == w.expected.end()) {
    return false;
  }
  if (w.expected_owner && it->second.owner != *w.expected_owner) return false;
  SaveEntry(executions, id);
  // What a launch fixed stays (store.h, ExecWrite).
  ExecutionRecord& row = it->second;
  row.status = w.row.status;
  row.reason = w.row.reason;
  row.error = Stored(w.row.error);
  row.updated_at = w.row.updated_at;
  row.started_at = w.row.started_at;
  row.finished_at = w.row.finished_at;
  row.owner = w.row.owner;
  row.owner_expires_at = w.row.owner_expires_at;
  return true;
}

// Events appended to `exec` before it existed (earlier in its transition) join its workspace's
// stream, in gid order, as in the SQL stores, which give each event its workspace when the batch's
// events are written.
void memory::State::AdoptEvents(const std::string& exec, const std::string& ws) {
  auto of_exec = events_by_execution.find(exec);
  auto orphans_at = events_by_workspace.find("");
  if (ws.empty() || of_exec == events_by_execution.end() || orphans_at == events_by_workspace.end())
    return;
  std::vector<size_t>& orphans = orphans_at->second;
  std::vector<size_t>& of_ws = events_by_workspace[ws];
  bool saved = false;
  for (size_t i : of_exec->second) {
    StoredEvent& stored = events[i];
    if (stored.erased || !stored.workspace_id.empty()) continue;
    if (!saved) {
      SaveValue(orphans);
      SaveValue(of_ws);
      saved = true;
    }
    // By index: `events` may grow (and move) before an undo runs.
    undo.emplace_back([this, i] { events[i].workspace_id.clear(); });
    stored.workspace_id = ws;
    orphans.erase(std::find(orphans.begin(), orphans.end(), i));
    of_ws.insert(std::lower_bound(of_ws.begin(), of_ws.end(), i), i);
  }
}

bool memory::State::Apply(const StepWrite& w) {
  auto& of_exec = steps[w.row.execution_id];
  auto it = of_exec.find(w.row.step_id);
  if (w.replace) {
    StepRecord row = StoredStep(w.row);
    SaveEntry(of_exec, w.row.step_id);
    of_exec.insert_or_assign(w.row.step_id, std::move(row));
    return true;
  }
  if (w.insert) {
    if (it != of_exec.end()) return false;
    StepRecord row = StoredStep(w.row);
    SaveEntry(of_exec, w.row.step_id);
    of_exec.emplace(w.row.step_id, std::move(row));
    return true;
  }
  if (it == of_exec.end()) return false;
  if (w.expected && it->second.status != *w.expected) return false;
  if (w.expected_attempt && it->second.attempt != *w.expected_attempt) return false;
  StepRecord row = StoredStep(w.row);
  SaveEntry(of_exec, w.row.step_id);
  it->second = std::move(row);
  return true;
}

// An empty status list only requires that the execution exists.
bool memory::State::Apply(const ExecGuard& g) const {
  auto it = executions.find(g.execution_id);
  if (it == executions.end()) return false;
  return g.statuses.empty() ||
         std::find(g.statuses.begin(), g.statuses.end(), it->second.status) != g.statuses.end();
}

// seq: one more than the execution's last event; gid: one more than the last event of all
// (both given back when the transition is undone, so neither leaves a gap).
void memory::State::Apply(const EventAppend& a, CommitResult& out) {
  const std::string& exec = a.event.execution_id;
  std::string ws;
  if (auto it = executions.find(exec); it != executions.end()) ws = it->second.workspace_id;
  StoredEvent stored{a.event, ws};
  stored.event.payload = Stored(a.event.payload);
  std::vector<size_t>& of_exec = events_by_execution[exec];
  std::vector<size_t>& of_ws = events_by_workspace[ws];
  stored.event.seq = static_cast<int64_t>(of_exec.size()) + 1;
  stored.event.gid = static_cast<int64_t>(events.size()) + 1;
  undo.emplace_back([this, &of_exec, &of_ws, n_all = events.size(), n_exec = of_exec.size(),
                     n_ws = of_ws.size()] {
    events.resize(n_all);
    of_exec.resize(n_exec);
    of_ws.resize(n_ws);
  });
  events.push_back(std::move(stored));
  of_exec.push_back(events.size() - 1);
  of_ws.push_back(events.size() - 1);
  Event& e = out.events.emplace_back(a.event);
  e.seq = events.back().event.seq;
  e.gid = events.back().event.gid;
}

// Artifact ids are a primary key: a duplicate breaks the batch, not just its transition.
void memory::State::Apply(const ArtifactInsert& a) {
  if (artifacts.count(a.row.id) != 0) {
    throw std::runtime_error("artifact '" + a.row.id + "' already exists");
  }
  ArtifactRecord row = a.row;
  row.meta = Stored(a.row.meta);
  SaveEntry(artifacts, a.row.id);
  artifacts.emplace(a.row.id, std::move(row));
}

void memory::State::Apply(const StepVersionPut& v) {
  StepVersion row = v.row;
  row.output = Stored(v.row.output);
  row.session = Stored(v.row.session);
  row.meta = Stored(v.row.meta);
  const auto key = std::make_tuple(v.row.execution_id, v.row.step_id, v.row.version);
  SaveEntry(versions, key);
  versions.insert_or_assign(key, std::move(row));
}

void memory::State::Apply(const CachePut& c) {
  CacheEntry row = c.row;
  row.output = Stored(c.row.output);
  row.session = Stored(c.row.session);
  const Key2 key{c.row.workspace_id, c.row.key};
  SaveEntry(cache, key);
  cache.insert_or_assign(key, std::move(row));
}

bool memory::State::Apply(const IdempotencyPut& p) {
  const Key2 key{p.row.workspace_id, p.row.key};
  if (idempotency.count(key) != 0) return false;
  SaveEntry(idempotency, key);
  idempotency.emplace(key, p.row);
  return true;
}

MemoryStore::MemoryStore() : s_(std::make_unique<memory::State>()) {}
MemoryStore::~MemoryStore() = default;

Status MemoryStore::Migrate() { return Status::Ok(); }

Result<int> MemoryStore::SchemaVersion() { return kSchemaVersion; }

Status MemoryStore::EnsureWorkspace(const std::string& id, const std::string& name) {
  std::lock_guard lock(s_->mu);
  if (s_->workspace_index.count(id) != 0) return Status::Ok();
  s_->workspaces.push_back(WorkspaceRecord{id, name, memory::NowMs()});
  s_->workspace_index.emplace(id, s_->workspaces.size() - 1);
  return Status::Ok();
}

// ---- templates -------------------------------------------------------------------------------

namespace {

const TemplateRecord* LatestByName(const memory::State& s, const std::string& ws,
                                   const std::string& name) {
  const TemplateRecord* best = nullptr;
  for (const auto& [id, by_version] : s.templates) {
    for (const auto& [version, row] : by_version) {
      if (row.deleted_at != 0 || row.rec.workspace_id != ws || row.rec.name != name) continue;
      if (best == nullptr || version > best->version) best = &row.rec;
    }
  }
  return best;
}

// The latest live version of template `id` in `ws` ("id = ? AND workspace_id = ? AND
// deleted_at = 0 ORDER BY version DESC LIMIT 1").
const TemplateRecord* LatestById(const memory::State& s, const std::string& ws,
                                 const std::string& id) {
  auto it = s.templates.find(id);
  if (it == s.templates.end()) return nullptr;
  for (auto v = it->second.rbegin(); v != it->second.rend(); ++v) {
    if (v->second.deleted_at == 0 && v->second.rec.workspace_id == ws) return &v->second.rec;
  }
  return nullptr;
}

}  // namespace

Result<TemplateRecord> MemoryStore::PutTemplate(const TemplateRecord& rec) {
  std::lock_guard lock(s_->mu);
  memory::State& s = *s_;
  try {
    const TemplateRecord* found = LatestByName(s, rec.workspace_id, rec.name);
    std::optional<TemplateRecord> latest;
    if (found != nullptr) latest = *found;
    if (latest && latest->content_hash == rec.content_hash) return *latest;
    if (latest && latest->builtin != rec.builtin) return Err(BuiltinNameTaken(*latest));
    TemplateRecord out = rec;
    out.version = latest ? latest->version + 1 : 1;
    out.created_at = memory::NowMs();
    if (latest) {
      out.id = latest->id;
      if (s.templates[out.id].count(out.version) != 0) {
        return Err(Internal("memory store: could not store template '" + rec.name +
                            "': its id and version are taken"));
      }
    } else {
      // A fresh id could collide with another template's (64 random bits): draw again.
      for (int tries = 0;; ++tries) {
        char hex[17];
        std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(s.rng()));
        out.id = std::string("tpl_") + hex;
        if (s.templates.count(out.id) == 0) break;
        if (tries == 7) {
          return Err(Internal("memory store: could not store template '" + rec.name +
                              "': its id and version are taken"));
        }
      }
    }
    memory::State::TemplateRow row{out, 0};
    row.rec.definition = Stored(out.definition);
    s.templates[out.id].emplace(out.version, std::move(row));
    return out;
  } catch (const std::exception& e) {
    return Err(Internal(std::string("memory store: ") + e.what()));
  }
}

Result<TemplateRecord> MemoryStore::GetTemplate(const std::string& ws, const std::string& id,
                                                int version) {
  std::lock_guard lock(s_->mu);
  if (version == 0) {
    const TemplateRecord* t = LatestById(*s_, ws, id);
    if (t == nullptr) return Err(NotFound("template '" + id + "' not found"));
    return *t;
  }
  // An explicit version stays readable after the template is deleted (executions refer to it).
  auto it = s_->templates.find(id);
  if (it != s_->templates.end()) {
    auto v = it->second.find(version);
    if (v != it->second.end() && v->second.rec.workspace_id == ws) return v->second.rec;
  }
  return Err(NotFound("template '" + id + "' version " + std::to_string(version) + " not found"));
}

Result<TemplateRecord> MemoryStore::FindTemplate(const std::string& ws, const std::string& name) {
  std::lock_guard lock(s_->mu);
  const TemplateRecord* t = LatestByName(*s_, ws, name);
  if (t == nullptr) return Err(NotFound("no template named '" + name + "'"));
  return *t;
}

// ---- commit ------------------------------------------------------------------------------------

Result<CommitResult> MemoryStore::Commit(const std::vector<Transition>& batch) {
  std::lock_guard lock(s_->mu);
  memory::State& s = *s_;
  CommitResult out;
  out.applied.reserve(batch.size());
  out.short_of_funds.reserve(batch.size());
  s.undo.clear();
  try {
    for (const Transition& t : batch) {
      const size_t mark = s.undo.size();
      const size_t events_before = out.events.size();
      const transition_rules::OpsRun run = transition_rules::RunOps(s, t, out);
      const bool ok = run.ok;
      const bool funds = run.short_of_funds;
      if (!ok) {
        s.UndoTo(mark);
        out.events.resize(events_before);
      }
      out.applied.push_back(ok);
      out.short_of_funds.push_back(!ok && funds);
    }
  } catch (const std::exception& e) {
    // As a failed SQL transaction: nothing of the batch stays.
    s.UndoTo(0);
    return Err(Internal(std::string("memory store: ") + e.what()));
  }
  s.undo.clear();
  return out;
}

// ---- reads -----------------------------------------------------------------------------------

Result<ExecutionRecord> MemoryStore::GetExecution(const std::string& ws, const std::string& id) {
  std::lock_guard lock(s_->mu);
  auto it = s_->executions.find(id);
  if (it == s_->executions.end() || it->second.workspace_id != ws) {
    return Err(ExecutionNotFound(id));
  }
  return it->second;
}

// Newest first: ORDER BY created_at DESC, id DESC, after the filters.
Result<std::vector<ExecutionRecord>> MemoryStore::ListExecutions(const std::string& ws,
                                                                 const ExecutionFilter& f) {
  std::lock_guard lock(s_->mu);
  std::vector<const ExecutionRecord*> matched;
  for (const auto& [id, e] : s_->executions) {
    if (e.workspace_id != ws) continue;
    if (f.status && e.status != *f.status) continue;
    if (!f.template_id.empty() && e.template_id != f.template_id) continue;
    if (f.created_after != 0 && e.created_at < f.created_after) continue;
    if (f.created_before != 0 && e.created_at >= f.created_before) continue;
    if (!f.before_id.empty() &&
        !(e.created_at < f.before_created_at ||
          (e.created_at == f.before_created_at && e.id < f.before_id))) {
      continue;
    }
    if (f.top_level_only && !e.parent_execution_id.empty()) continue;
    if (!f.parent_execution_id.empty() && e.parent_execution_id != f.parent_execution_id) continue;
    matched.push_back(&e);
  }
  std::sort(matched.begin(), matched.end(), [](const ExecutionRecord* a, const ExecutionRecord* b) {
    if (a->created_at != b->created_at) return a->created_at > b->created_at;
    return a->id > b->id;
  });
  if (f.limit > 0 && matched.size() > static_cast<size_t>(f.limit)) matched.resize(f.limit);
  std::vector<ExecutionRecord> out;
  out.reserve(matched.size());
  for (const ExecutionRecord* e : matched) out.push_back(*e);
  return out;
}

// Not scoped by workspace, like SqliteStore's: the engine asks about ids it already holds.
Result<std::vector<std::pair<std::string, ExecStatus>>> MemoryStore::GetExecutionStatuses(
    const std::vector<std::string>& ids) {
  std::lock_guard lock(s_->mu);
  std::vector<std::pair<std::string, ExecStatus>> out;
  for (const std::string& id : ids) {
    auto it = s_->executions.find(id);
    if (it != s_->executions.end()) out.emplace_back(id, it->second.status);
  }
  return out;
}

namespace {

// ORDER BY created_at, item_index, step_id.
Result<std::vector<StepRecord>> ReadSteps(const memory::State& s, const std::string& ws,
                                          const std::string& execution_id, bool contents) {
  if (!s.ExecutionInWorkspace(ws, execution_id)) return Err(ExecutionNotFound(execution_id));
  std::vector<const StepRecord*> rows;
  if (auto it = s.steps.find(execution_id); it != s.steps.end()) {
    for (const auto& [id, step] : it->second) rows.push_back(&step);
  }
  std::stable_sort(rows.begin(), rows.end(), [](const StepRecord* a, const StepRecord* b) {
    if (a->created_at != b->created_at) return a->created_at < b->created_at;
    return a->item_index < b->item_index;
  });  // the map already ordered them by step_id
  std::vector<StepRecord> out;
  out.reserve(rows.size());
  for (const StepRecord* r : rows) out.push_back(contents ? *r : StepState(*r));
  return out;
}

}  // namespace

Result<std::vector<StepRecord>> MemoryStore::GetSteps(const std::string& ws,
                                                      const std::string& execution_id) {
  std::lock_guard lock(s_->mu);
  return ReadSteps(*s_, ws, execution_id, /*contents=*/true);
}

Result<std::vector<StepRecord>> MemoryStore::GetStepStates(const std::string& ws,
                                                           const std::string& execution_id) {
  std::lock_guard lock(s_->mu);
  return ReadSteps(*s_, ws, execution_id, /*contents=*/false);
}

Result<std::vector<Event>> MemoryStore::ReadEvents(const std::string& ws,
                                                   const std::string& execution_id, int64_t after,
                                                   int limit) {
  std::lock_guard lock(s_->mu);
  if (!s_->ExecutionInWorkspace(ws, execution_id)) return Err(ExecutionNotFound(execution_id));
  std::vector<Event> out;
  auto it = s_->events_by_execution.find(execution_id);
  if (it == s_->events_by_execution.end()) return out;
  const std::vector<size_t>& of_exec = it->second;  // of_exec[i] has seq i + 1
  size_t from = after <= 0 ? 0 : static_cast<size_t>(std::min<int64_t>(after, of_exec.size()));
  for (size_t i = from; i < of_exec.size(); ++i) {
    if (limit > 0 && out.size() >= static_cast<size_t>(limit)) break;
    out.push_back(s_->events[of_exec[i]].event);
  }
  return out;
}

Result<std::vector<ArtifactRecord>> MemoryStore::ListArtifacts(const std::string& ws,
                                                               const std::string& execution_id) {
  std::lock_guard lock(s_->mu);
  if (!s_->ExecutionInWorkspace(ws, execution_id)) return Err(ExecutionNotFound(execution_id));
  std::vector<ArtifactRecord> out;
  for (const auto& [id, a] : s_->artifacts) {
    if (a.execution_id == execution_id) out.push_back(a);
  }
  // ORDER BY created_at, id (the map gave id order).
  std::stable_sort(out.begin(), out.end(), [](const ArtifactRecord& a, const ArtifactRecord& b) {
    return a.created_at < b.created_at;
  });
  return out;
}

Result<std::optional<CacheEntry>> MemoryStore::LookupCache(const std::string& ws,
                                                           const std::string& key) {
  std::lock_guard lock(s_->mu);
  auto it = s_->cache.find({ws, key});
  if (it == s_->cache.end()) return std::optional<CacheEntry>();
  return std::optional<CacheEntry>(it->second);
}

Result<std::vector<StepVersion>> MemoryStore::ListStepVersions(const std::string& ws,
                                                               const std::string& execution_id,
                                                               const std::string& step_id) {
  std::lock_guard lock(s_->mu);
  if (!s_->ExecutionInWorkspace(ws, execution_id)) return Err(ExecutionNotFound(execution_id));
  std::vector<StepVersion> out;
  const auto from = s_->versions.lower_bound(
      std::make_tuple(execution_id, step_id, std::numeric_limits<int>::min()));
  for (auto it = from; it != s_->versions.end(); ++it) {
    if (std::get<0>(it->first) != execution_id || std::get<1>(it->first) != step_id) break;
    out.push_back(it->second);
  }
  return out;
}

// Rows whose lease_owner (running steps) or owner (executions) is `owner`, as UPDATE counts them:
// every row matched, whether or not its expiry changes.
Result<int> MemoryStore::RenewLeases(const std::string& owner, int64_t until) {
  std::lock_guard lock(s_->mu);
  int renewed = 0;
  for (auto& [exec, of_exec] : s_->steps) {
    for (auto& [id, step] : of_exec) {
      if (step.lease_owner == owner && step.status == StepStatus::kRunning) {
        step.lease_expires_at = until;
        ++renewed;
      }
    }
  }
  for (auto& [id, e] : s_->executions) {
    if (e.owner == owner) {
      e.owner_expires_at = until;
      ++renewed;
    }
  }
  return renewed;
}

// Under the one lock: a claim is whole before another looks.
Result<std::vector<ClaimedExecution>> MemoryStore::ClaimExecutions(const ClaimRequest& c) {
  std::lock_guard lock(s_->mu);
  std::vector<ExecutionRecord*> waiting;
  for (auto& [id, e] : s_->executions) {
    if (e.workspace_id != c.ws || !e.parent_execution_id.empty()) continue;
    if (e.status != ExecStatus::kQueued && e.status != ExecStatus::kRunning) continue;
    if (!e.owner.empty() && e.owner_expires_at > c.now) continue;
    waiting.push_back(&e);
  }
  std::sort(waiting.begin(), waiting.end(), [](const ExecutionRecord* a, const ExecutionRecord* b) {
    return a->created_at != b->created_at ? a->created_at < b->created_at : a->id < b->id;
  });
  if (c.limit > 0 && waiting.size() > static_cast<size_t>(c.limit)) waiting.resize(c.limit);
  std::vector<ClaimedExecution> out;
  out.reserve(waiting.size());
  for (ExecutionRecord* e : waiting) {
    ClaimedExecution claimed;
    claimed.previous_owner = e->owner;
    e->owner = c.owner;
    e->owner_expires_at = c.lease_until;
    claimed.rec = *e;
    auto steps = ReadSteps(*s_, c.ws, e->id, /*contents=*/true);
    if (!steps) return Err(steps.error());
    claimed.steps = std::move(*steps);
    out.push_back(std::move(claimed));
  }
  return out;
}

}  // namespace atelier
