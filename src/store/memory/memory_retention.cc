// MemoryStore's retention (atelier/store/retention.h): the workspaces' policy rows, the finished
// executions a policy lets go, what deleting them frees, the purge itself and the queue of blob
// hashes it leaves for the collector, all under the store's mutex. No undo: none of them is
// written by a Commit batch (a purge is a call of its own, never inside a batch).
//
// Gids are positions in `events` (gid = index + 1, the next one events.size() + 1), so a purged
// event is not removed from `events`: it is emptied in place and marked erased, and its gid stays
// taken (a stream or the notifier that read it would otherwise skip the event given it next). The
// per-execution and per-workspace indexes drop it, so the reads that go through them never meet
// it; the ones that walk `events` pass over erased entries.
//
// A purge is one transaction: it first works out all it will do (which trees go, what they free,
// which rows and events go, which hashes to queue), which allocates and so may fail with nothing
// changed, and only then does it, without allocating, so it cannot stop halfway.
#include <algorithm>
#include <exception>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "memory_automation_rows.h"

namespace atelier {

namespace {

using memory::State;
using Tree = std::set<std::string>;  // execution ids

// A top-level execution of `ws` that the purge under way has not already planned to delete.
bool IsRoot(const State& s, const std::string& ws, const std::string& id, const Tree& gone) {
  auto it = s.executions.find(id);
  return it != s.executions.end() && it->second.workspace_id == ws &&
         it->second.parent_execution_id.empty() && gone.count(id) == 0;
}

// Sub-executions by the id of the execution that runs them: how a tree is walked down.
std::unordered_map<std::string, std::vector<std::string>> ChildrenOf(const State& s) {
  std::unordered_map<std::string, std::vector<std::string>> out;
  for (const auto& [id, e] : s.executions) {
    if (!e.parent_execution_id.empty()) out[e.parent_execution_id].push_back(id);
  }
  return out;
}

// The root and every execution under it, at any depth (the set also guards against a loop).
Tree TreeOf(const std::unordered_map<std::string, std::vector<std::string>>& children,
            const std::string& root) {
  Tree tree{root};
  std::vector<std::string> todo{root};
  while (!todo.empty()) {
    const std::string id = std::move(todo.back());
    todo.pop_back();
    auto kids = children.find(id);
    if (kids == children.end()) continue;
    for (const std::string& kid : kids->second) {
      if (tree.insert(kid).second) todo.push_back(kid);
    }
  }
  return tree;
}

// What deleting `set` deletes and frees, with the executions of `gone` (trees the purge under
// way deletes first) counted as deleted already. One row's size stands for its hash: rows over
// the same bytes have the same size (the largest is taken, as the SQL backends do).
RetentionFootprint Measure(const State& s, const Tree& set, const Tree& gone) {
  RetentionFootprint f;
  f.executions = static_cast<int64_t>(set.size());
  for (const std::string& id : set) {
    if (auto st = s.steps.find(id); st != s.steps.end()) {
      f.steps += static_cast<int64_t>(st->second.size());
    }
    auto ev = s.events_by_execution.find(id);
    if (ev != s.events_by_execution.end()) f.events += static_cast<int64_t>(ev->second.size());
  }
  std::map<std::string, int64_t> mine;  // sha256 -> size
  std::set<std::string> named_elsewhere;
  for (const auto& [id, a] : s.artifacts) {
    if (set.count(a.execution_id) != 0) {
      ++f.artifacts;
      if (a.sha256.empty()) continue;
      auto [it, fresh] = mine.emplace(a.sha256, a.size);
      if (!fresh) it->second = std::max(it->second, a.size);
    } else if (!a.sha256.empty() && gone.count(a.execution_id) == 0) {
      named_elsewhere.insert(a.sha256);
    }
  }
  for (const auto& [sha, size] : mine) {
    if (named_elsewhere.count(sha) != 0) continue;
    ++f.blobs;
    f.bytes += size;
  }
  return f;
}

// Why the tree may not go now, or nullptr when it may.
const char* WhyKept(const State& s, const std::string& ws, const Tree& tree) {
  for (const std::string& id : tree) {
    if (!IsTerminal(s.executions.at(id).status)) return kKeptUnfinished;
  }
  for (const auto& [id, d] : s.deliveries) {
    if (d.status == "pending" && tree.count(d.execution_id) != 0) return kKeptNotifying;
  }
  const bool notifies = std::any_of(s.endpoints.begin(), s.endpoints.end(),
                                    [&](const auto& e) { return e.second.workspace_id == ws; });
  if (!notifies) return nullptr;
  for (const std::string& id : tree) {
    auto ev = s.events_by_execution.find(id);
    // Indexes grow with the gid: the execution's last event is its newest.
    if (ev != s.events_by_execution.end() && !ev->second.empty() &&
        static_cast<int64_t>(ev->second.back()) + 1 > s.notify_cursor) {
      return kKeptUnread;
    }
  }
  return nullptr;
}

// Everything a purge deletes and queues, found before anything changes.
struct Plan {
  Tree gone;  // the executions of the trees that go
  std::vector<decltype(State::versions)::iterator> versions;
  std::vector<decltype(State::artifacts)::iterator> artifacts;
  std::vector<decltype(State::cache)::iterator> cache;
  std::vector<decltype(State::idempotency)::iterator> idempotency;
  std::vector<decltype(State::deliveries)::iterator> deliveries;
  std::set<std::vector<size_t>*> workspace_logs;      // indexes of the workspaces of erased events
  std::map<std::string, State::Queued> fresh_hashes;  // not queued yet
  std::vector<decltype(State::blob_queue)::iterator> requeued;  // queued: revision moves on
};

// Adds the rows of `tree` (about to go) to the plan.
void PlanDeletion(State& s, const std::string& ws, const Tree& tree, int64_t now, Plan& p) {
  p.gone.insert(tree.begin(), tree.end());
  for (const std::string& id : tree) {
    for (auto it = s.versions.lower_bound(
             std::make_tuple(id, std::string(), std::numeric_limits<int>::min()));
         it != s.versions.end() && std::get<0>(it->first) == id; ++it) {
      p.versions.push_back(it);
    }
    if (auto ev = s.events_by_execution.find(id); ev != s.events_by_execution.end()) {
      for (size_t i : ev->second)
        p.workspace_logs.insert(&s.events_by_workspace[s.events[i].workspace_id]);
    }
  }
  for (auto it = s.artifacts.begin(); it != s.artifacts.end(); ++it) {
    if (tree.count(it->second.execution_id) == 0) continue;
    p.artifacts.push_back(it);
    const std::string& sha = it->second.sha256;
    if (sha.empty()) continue;
    auto queued = s.blob_queue.find(sha);
    if (queued == s.blob_queue.end()) {
      p.fresh_hashes.emplace(sha, State::Queued{now, 1});
    } else {
      p.requeued.push_back(queued);
    }
  }
  for (auto it = s.cache.begin(); it != s.cache.end(); ++it) {
    if (tree.count(it->second.execution_id) != 0) p.cache.push_back(it);
  }
  for (auto it = s.idempotency.begin(); it != s.idempotency.end(); ++it) {
    if (it->first.first == ws && tree.count(it->second.execution_id) != 0) {
      p.idempotency.push_back(it);
    }
  }
  for (auto it = s.deliveries.begin(); it != s.deliveries.end(); ++it) {
    if (tree.count(it->second.execution_id) != 0) p.deliveries.push_back(it);
  }
}

// Does the plan. Nothing here allocates (moving from a string or a JSON value, erasing by
// iterator or key and splicing map nodes do not), so it runs to its end.
void Carry(State& s, Plan& p) {
  for (const std::string& id : p.gone) {
    if (auto ev = s.events_by_execution.find(id); ev != s.events_by_execution.end()) {
      for (size_t i : ev->second) {
        State::StoredEvent& e = s.events[i];
        e.event.execution_id = std::string();
        e.event.type = std::string();
        e.event.step_id = std::string();
        e.event.payload = Json();
        e.event.seq = 0;
        e.event.ts = 0;
        e.workspace_id = std::string();
        e.erased = true;
      }
      s.events_by_execution.erase(ev);
    }
    s.steps.erase(id);
    s.executions.erase(id);
  }
  for (std::vector<size_t>* log : p.workspace_logs) {
    log->erase(
        std::remove_if(log->begin(), log->end(), [&](size_t i) { return s.events[i].erased; }),
        log->end());
  }
  for (auto it : p.versions) s.versions.erase(it);
  for (auto it : p.artifacts) s.artifacts.erase(it);
  for (auto it : p.cache) s.cache.erase(it);
  for (auto it : p.idempotency) s.idempotency.erase(it);
  for (auto it : p.deliveries) s.deliveries.erase(it);
  for (auto it : p.requeued) ++it->second.revision;
  s.blob_queue.merge(p.fresh_hashes);
}

}  // namespace

// ---- the policy rows ----------------------------------------------------------------------------

Result<std::optional<RetentionRecord>> MemoryStore::GetRetention(const std::string& ws) {
  std::lock_guard lock(s_->mu);
  auto it = s_->retention.find(ws);
  if (it == s_->retention.end()) return std::optional<RetentionRecord>();
  return std::optional<RetentionRecord>(it->second);
}

Result<bool> MemoryStore::PutRetention(const RetentionRecord& rec) {
  std::lock_guard lock(s_->mu);
  if (s_->workspace_index.count(rec.workspace_id) == 0) {
    return Err(NotFound("workspace '" + rec.workspace_id + "' not found"));
  }
  Json spec = memory::rows::Doc(rec.spec);
  Json state = memory::rows::Doc(rec.state);
  auto it = s_->retention.find(rec.workspace_id);
  if (rec.revision == 0) {
    if (it != s_->retention.end()) return false;
    RetentionRecord row{rec.workspace_id, 1, rec.updated_at, std::move(spec), std::move(state)};
    s_->retention.emplace(rec.workspace_id, std::move(row));
    return true;
  }
  if (it == s_->retention.end() || it->second.revision != rec.revision) return false;
  RetentionRecord& row = it->second;
  row.spec = std::move(spec);
  row.state = std::move(state);
  row.updated_at = rec.updated_at;
  row.revision = rec.revision + 1;
  return true;
}

Result<std::vector<RetentionRecord>> MemoryStore::ListRetention() {
  std::lock_guard lock(s_->mu);
  std::vector<RetentionRecord> out;
  for (const auto& [ws, row] : s_->retention) out.push_back(row);  // the map orders by workspace
  return out;
}

// ---- what goes ----------------------------------------------------------------------------------

// Numbered per template newest first (created_at DESC, id DESC), as the SQL backends' ROW_NUMBER;
// the rules filter the numbered rows, which then go out oldest first.
Result<std::vector<ExecutionRecord>> MemoryStore::RetentionCandidates(const std::string& ws,
                                                                      const RetentionQuery& q) {
  std::lock_guard lock(s_->mu);
  std::vector<ExecutionRecord> out;
  if (q.finished_before <= 0 && q.keep_last <= 0) return out;
  std::vector<const ExecutionRecord*> finished;
  for (const auto& [id, e] : s_->executions) {
    if (e.workspace_id == ws && e.parent_execution_id.empty() && IsTerminal(e.status)) {
      finished.push_back(&e);
    }
  }
  std::sort(finished.begin(), finished.end(),
            [](const ExecutionRecord* a, const ExecutionRecord* b) {
              return std::tie(a->created_at, a->id) > std::tie(b->created_at, b->id);
            });
  std::map<std::string, int> newer;  // per template: how many finished ones are newer
  std::vector<const ExecutionRecord*> go;
  for (const ExecutionRecord* e : finished) {
    const int rank = newer[e->template_id]++;
    if (q.keep_last > 0 && rank < q.keep_last) continue;
    if (q.finished_before > 0 && e->finished_at >= q.finished_before) continue;
    go.push_back(e);
  }
  std::reverse(go.begin(), go.end());
  if (q.limit > 0 && go.size() > static_cast<size_t>(q.limit)) go.resize(q.limit);
  out.reserve(go.size());
  for (const ExecutionRecord* e : go) out.push_back(*e);
  return out;
}

Result<RetentionFootprint> MemoryStore::MeasureExecutions(const std::string& ws,
                                                          const std::vector<std::string>& roots) {
  std::lock_guard lock(s_->mu);
  const auto children = ChildrenOf(*s_);
  Tree all;
  for (const std::string& root : roots) {
    if (!IsRoot(*s_, ws, root, {})) continue;
    Tree tree = TreeOf(children, root);
    all.insert(tree.begin(), tree.end());
  }
  return Measure(*s_, all, {});
}

Result<PurgeOutcome> MemoryStore::PurgeExecutions(const std::string& ws,
                                                  const std::vector<std::string>& roots,
                                                  int64_t now) {
  std::lock_guard lock(s_->mu);
  State& s = *s_;
  try {
    const auto children = ChildrenOf(s);
    PurgeOutcome out;
    Plan plan;
    for (const std::string& root : roots) {
      if (!IsRoot(s, ws, root, plan.gone)) {
        out.kept.emplace_back(root, kKeptNotFound);
        continue;
      }
      const Tree tree = TreeOf(children, root);
      if (const char* why = WhyKept(s, ws, tree)) {
        out.kept.emplace_back(root, why);
        continue;
      }
      // Measured as if the trees planned before were deleted already: what it frees then.
      out.freed += Measure(s, tree, plan.gone);
      PlanDeletion(s, ws, tree, now, plan);
      out.deleted.push_back(root);
    }
    Carry(s, plan);
    return out;
  } catch (const std::exception& e) {
    return Err(Internal(std::string("memory store: ") + e.what()));
  }
}

// ---- the blob queue -----------------------------------------------------------------------------

Result<std::vector<QueuedBlob>> MemoryStore::BlobCollectionQueue(int limit) {
  std::lock_guard lock(s_->mu);
  std::vector<std::pair<int64_t, QueuedBlob>> queued;
  for (const auto& [sha, q] : s_->blob_queue) queued.push_back({q.queued_at, {sha, q.revision}});
  std::sort(queued.begin(), queued.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first, a.second.sha256) < std::tie(b.first, b.second.sha256);
  });
  if (limit > 0 && queued.size() > static_cast<size_t>(limit)) queued.resize(limit);
  std::vector<QueuedBlob> out;
  out.reserve(queued.size());
  for (auto& [at, q] : queued) out.push_back(std::move(q));
  return out;
}

Result<bool> MemoryStore::BlobReferenced(const std::string& sha256) {
  std::lock_guard lock(s_->mu);
  return std::any_of(s_->artifacts.begin(), s_->artifacts.end(),
                     [&](const auto& a) { return a.second.sha256 == sha256; });
}

Status MemoryStore::ForgetQueuedBlob(const std::string& sha256, int64_t revision) {
  std::lock_guard lock(s_->mu);
  auto it = s_->blob_queue.find(sha256);
  if (it != s_->blob_queue.end() && it->second.revision == revision) s_->blob_queue.erase(it);
  return Status::Ok();
}

}  // namespace atelier
