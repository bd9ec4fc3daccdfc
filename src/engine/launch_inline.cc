// Running an execution's pure steps before its launch is committed (Start), so that a launch and
// the inline steps it makes ready commit as one transition: each row is inserted once in its
// final state instead of inserted and then updated in a later transaction.
//
// Only executions whose every step is a task with an inline executor (cheap, no I/O: no-op,
// transform, ...) and is not paid qualify: nothing of theirs runs on the pool, reserves credits or
// waits on a person, so running them before the commit has no effect outside this process. If the
// process dies before the commit, nothing of the execution was stored; every event is still
// written, in the order the rounds produce them, in the same transaction as the launch.
#include "engine_impl.h"

namespace atelier {

namespace {

// Whether every node other than start is a task or end that runs inline and unpaid.
bool AllInline(const Graph& g, const NodeRegistry& nodes) {
  for (int i = 0; i < g.size(); ++i) {
    const NodeTypeSpec& spec = g.spec(i);
    if (spec.kind == NodeKind::kStart) continue;
    if ((spec.kind != NodeKind::kTask && spec.kind != NodeKind::kEnd) || spec.paid) return false;
    const NodeExecutor* executor = nodes.Find(g.node(i).type);
    if (!executor || !executor->inline_ok()) return false;
  }
  return true;
}

}  // namespace

// Folds the transitions of the rounds an execution makes before its launch commits into the
// launch's transition: a write of a row the launch inserts replaces that insert's row (still an
// insert, with no guard: the row does not exist before this transition); the guard that the
// execution is running goes (the launch inserts it running, owned here); everything else is
// appended in order.
void Engine::Impl::RunInlineBeforeLaunch(ExecState& ex, Pending& launch) {
  if (ex.rec.status != ExecStatus::kRunning || !ex.inflight.empty()) return;
  if (!AllInline(*ex.graph, *nodes_)) return;
  std::vector<Op>& ops = launch.t.ops;
  std::unordered_map<std::string, size_t> inserted;  // step id -> index in ops
  size_t exec_at = ops.size();                       // the execution's insert
  for (size_t i = 0; i < ops.size(); ++i) {
    if (auto* w = std::get_if<StepWrite>(&ops[i]); w && w->insert) inserted[w->row.step_id] = i;
    if (auto* w = std::get_if<ExecWrite>(&ops[i]); w && w->insert) exec_at = i;
  }
  if (exec_at == ops.size()) return;
  const int64_t now = clock_->NowMs();
  // Each round settles at least one step or concludes, so there are at most size() + 1 rounds.
  for (int round = 0; round <= ex.graph->size(); ++round) {
    std::vector<Pending> more;
    Schedule(ex, now, more);
    if (more.empty()) break;
    for (Pending& q : more) {
      for (Op& op : q.t.ops) {
        if (std::holds_alternative<ExecGuard>(op)) continue;
        if (auto* w = std::get_if<StepWrite>(&op)) {
          auto at = inserted.find(w->row.step_id);
          if (at != inserted.end() && !w->insert && !w->replace) {
            std::get<StepWrite>(ops[at->second]).row = w->row;
            continue;
          }
        } else if (auto* e = std::get_if<ExecWrite>(&op); e && !e->insert) {
          std::get<ExecWrite>(ops[exec_at]).row = e->row;
          continue;
        }
        ops.push_back(op);
      }
      for (auto& fn : q.after) launch.after.push_back(std::move(fn));
      InstallOps(ex, q.t, /*take=*/true);
    }
    if (ex.rec.status != ExecStatus::kRunning || !ex.inflight.empty()) break;
  }
}

}  // namespace atelier
