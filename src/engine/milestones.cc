#include "atelier/engine/milestones.h"

#include <algorithm>
#include <unordered_map>

#include "atelier/core/node_types.h"
#include "atelier/engine/timestamp.h"

namespace atelier {
namespace {

bool Finished(const StepRecord& s) {
  return s.status == StepStatus::kSucceeded || s.status == StepStatus::kSkipped;
}

std::string Quoted(const std::string& s) { return "'" + s + "'"; }

std::string JoinIds(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out;
}

std::string Named(const MilestoneState& m) {
  return Quoted(m.id) + (m.label != m.id ? " (" + m.label + ")" : "");
}

const Node* FindNode(const Template& t, const std::string& id) {
  for (const auto& n : t.nodes)
    if (n.id == id) return &n;
  return nullptr;
}

// Why the steps `next` waits for do not move, and whether they will: the execution's state
// decides.
void Explain(const Template& t, const Milestone& m, ExecStatus status, const std::string& reason,
             const std::unordered_map<std::string, const StepRecord*>& top,
             const std::vector<StepRecord>& steps, MilestonesView* v) {
  std::vector<std::string> open;
  for (const auto& w : m.when) {
    auto it = top.find(w);
    if (it == top.end() || !Finished(*it->second)) open.push_back(w);
  }
  const std::string because = reason.empty() ? "" : ": " + reason;
  switch (status) {
    case ExecStatus::kFailed:
    case ExecStatus::kStopped:
      v->action = "retry the execution (" + std::string(ExecStatusName(status)) + because + ")";
      v->can_proceed = false;
      return;
    case ExecStatus::kPaused:
      v->action = "resume the execution (paused" + because + ")";
      v->can_proceed = false;
      return;
    case ExecStatus::kCompleted:
      v->action = "cannot be reached: steps " + JoinIds(open) + " did not run";
      v->can_proceed = false;
      return;
    case ExecStatus::kWaiting: {
      std::vector<std::string> gates, others;
      for (const auto& s : steps) {
        if (!s.parent_step_id.empty() || s.status != StepStatus::kWaiting) continue;
        const Node* n = FindNode(t, s.node_id);
        const NodeTypeSpec* spec = n ? FindNodeType(n->type) : nullptr;
        (spec && spec->waits_for_person() ? gates : others).push_back(s.step_id);
      }
      if (!gates.empty()) {
        v->action = "approve step " + Quoted(gates.front());
        for (size_t i = 1; i < gates.size(); ++i) v->action += " and step " + Quoted(gates[i]);
      } else {
        v->action = "waiting for steps: " + JoinIds(others.empty() ? open : others) + because;
      }
      v->can_proceed = true;
      return;
    }
    case ExecStatus::kQueued:
    case ExecStatus::kRunning:
      v->action = "waiting for steps: " + JoinIds(open);
      v->can_proceed = true;
      return;
  }
}

}  // namespace

std::vector<MilestoneMark> MarksFromEvents(const std::vector<Event>& events) {
  std::vector<MilestoneMark> marks;
  for (const auto& e : events) {
    if (e.type != kMilestoneMarked || !e.payload.is_object()) continue;
    MilestoneMark m;
    m.milestone = e.payload.value("milestone", "");
    m.by = e.payload.value("by", "");
    m.note = e.payload.value("note", "");
    m.at = e.ts;
    bool seen = std::any_of(marks.begin(), marks.end(),
                            [&](const MilestoneMark& k) { return k.milestone == m.milestone; });
    if (!seen && !m.milestone.empty()) marks.push_back(std::move(m));
  }
  return marks;
}

MilestonesView ComputeMilestones(const Template& t, ExecStatus status, const std::string& reason,
                                 const std::vector<StepRecord>& steps,
                                 const std::vector<MilestoneMark>& marks) {
  MilestonesView v;
  if (t.milestones.empty()) return v;
  std::unordered_map<std::string, const StepRecord*> top;
  for (const auto& s : steps)
    if (s.parent_step_id.empty()) top[s.step_id] = &s;
  for (const Milestone& m : t.milestones) {
    MilestoneState st;
    st.id = m.id;
    st.label = m.label;
    st.manual = m.manual;
    if (m.manual) {
      for (const auto& k : marks) {
        if (k.milestone != m.id) continue;
        st.reached = true;
        st.reached_at = k.at;
        st.by = k.by;
        st.note = k.note;
        break;
      }
    } else {
      bool all = true, any = false;
      for (const auto& w : m.when) {
        auto it = top.find(w);
        if (it == top.end() || !Finished(*it->second)) {
          all = false;
          continue;
        }
        if (it->second->status == StepStatus::kSucceeded) {
          any = true;
          st.reached_at = std::max(st.reached_at, it->second->finished_at);
        }
      }
      st.reached = all && any;
      st.skipped = all && !any;
      if (!st.reached) st.reached_at = 0;
    }
    v.list.push_back(std::move(st));
  }
  for (size_t i = 0; i < v.list.size(); ++i) {
    if (v.list[i].reached) v.current = static_cast<int>(i);
    if (v.next < 0 && !v.list[i].reached && !v.list[i].skipped) v.next = static_cast<int>(i);
  }
  if (v.next < 0) return v;
  const MilestoneState& next = v.list[v.next];
  if (next.manual) {
    // Every milestone before it is reached or skipped (it is the first that is not): a person
    // may mark it now.
    v.action = "mark " + Named(next);
    v.can_proceed = true;
  } else {
    Explain(t, t.milestones[v.next], status, reason, top, steps, &v);
  }
  return v;
}

Status CheckMarkable(const Template& t, const MilestonesView& v, const std::string& milestone_id) {
  size_t i = 0;
  while (i < t.milestones.size() && t.milestones[i].id != milestone_id) ++i;
  if (i == t.milestones.size() || i >= v.list.size()) {
    std::vector<std::string> ids;
    for (const auto& m : t.milestones) ids.push_back(m.id);
    return NotFound(
        "the template declares no milestone " + Quoted(milestone_id) +
        (ids.empty() ? std::string(" (it declares none)") : "; its milestones: " + JoinIds(ids)));
  }
  const Milestone& m = t.milestones[i];
  if (!m.manual)
    return FailedPrecondition("milestone " + Quoted(m.id) + " is reached when steps " +
                              JoinIds(m.when) + " finish; only manual milestones are marked");
  const MilestoneState& st = v.list[i];
  if (st.reached)
    return FailedPrecondition("milestone " + Quoted(m.id) + " was already marked by " +
                              (st.by.empty() ? std::string("someone") : st.by) + " at " +
                              FormatTimestamp(st.reached_at));
  for (size_t j = 0; j < i; ++j) {
    const MilestoneState& before = v.list[j];
    if (before.reached || before.skipped) continue;
    std::string why =
        "milestone " + Quoted(m.id) + " cannot be marked before " + Named(before) + " is reached";
    if (v.next == static_cast<int>(j) && !v.action.empty()) why += " (next: " + v.action + ")";
    return FailedPrecondition(why);
  }
  return Status::Ok();
}

std::vector<const Milestone*> MilestonesReachedBy(
    const Template& t, const StepRecord& changed,
    const std::function<const StepRecord*(const std::string&)>& find) {
  std::vector<const Milestone*> out;
  if (t.milestones.empty() || !changed.parent_step_id.empty() || !Finished(changed)) return out;
  for (const Milestone& m : t.milestones) {
    if (m.manual || std::find(m.when.begin(), m.when.end(), changed.node_id) == m.when.end())
      continue;
    bool all = true, any = false;
    for (const auto& w : m.when) {
      const StepRecord* s = w == changed.step_id ? &changed : find(w);
      if (!s || !Finished(*s)) {
        all = false;
        break;
      }
      any |= s->status == StepStatus::kSucceeded;
    }
    if (all && any) out.push_back(&m);
  }
  return out;
}

}  // namespace atelier
