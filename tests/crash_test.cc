// Crash recovery of the real binary: SIGKILL `atelier run` / `atelier resume` at several points of
// a parallel workflow, resume it, and check that it completes with exactly one step_succeeded
// event per step and no gap in the event sequence.
#include <signal.h>

#include <map>

#include "tests/test_env.h"

namespace atelier::testing {
namespace {

const char* kWorkflow = R"({
  "name": "Crash target",
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "a1", "type": "generate_text", "data": {"prompt": "a1", "latency_ms": 300}},
    {"id": "a2", "type": "generate_text", "data": {"prompt": "{{steps.a1.text}}", "latency_ms": 300}},
    {"id": "a3", "type": "generate_image", "data": {"prompt": "{{steps.a2.text}}", "size": "128x128", "latency_ms": 300}},
    {"id": "b1", "type": "generate_text", "data": {"prompt": "b1", "latency_ms": 350}},
    {"id": "b2", "type": "generate_text", "data": {"prompt": "b2", "latency_ms": 350}},
    {"id": "c1", "type": "map", "data": {"items": ["x", "y", "z", "w", "v", "u"], "concurrency": 2,
        "node": {"type": "generate_text", "data": {"prompt": "{{item}}", "latency_ms": 250}}}},
    {"id": "join", "type": "transform", "data": {"output": {"a": "{{steps.a3.image}}", "b": "{{steps.b2.text}}", "c": "{{steps.c1.results}}"}}},
    {"id": "done", "type": "end"}
  ],
  "edges": [
    {"id": "1", "source": "start", "target": "a1"}, {"id": "2", "source": "a1", "target": "a2"},
    {"id": "3", "source": "a2", "target": "a3"}, {"id": "4", "source": "start", "target": "b1"},
    {"id": "5", "source": "b1", "target": "b2"}, {"id": "6", "source": "start", "target": "c1"},
    {"id": "7", "source": "a3", "target": "join"}, {"id": "8", "source": "b2", "target": "join"},
    {"id": "9", "source": "c1", "target": "join"}, {"id": "10", "source": "join", "target": "done"}
  ]})";

pid_t Spawn(const std::vector<std::string>& args, const std::string& cwd, const std::string& out) {
  return SpawnAtelier(args, cwd, out, out + ".err");
}

// The execution id `atelier run` prints first ("execution ex_..."), once it is there ("" after
// 2.5 s without it).
std::string WaitForExecutionId(const std::string& out_path) {
  for (int i = 0; i < 500; ++i) {
    std::string out = ReadAll(out_path);
    auto p = out.find("execution ");
    if (p != std::string::npos && out.find('\n', p) != std::string::npos)
      return out.substr(p + 10, out.find('\n', p) - p - 10);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return "";
}

// For the SIGKILL tests, which kill the process sooner than its steps finish, again and again, on
// purpose. A step caught running by three kills in a row would be taken for a poison pill (a step
// that kills its process) and failed; they test durability, not that guard, so they turn it off.
pid_t SpawnToKill(std::vector<std::string> args, const std::string& cwd, const std::string& out) {
  args.insert(args.end(), {"--max-step-crashes", "0"});
  return Spawn(args, cwd, out);
}

void KillAfter(pid_t pid, int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  kill(pid, SIGKILL);
  Reap(pid);
}

TEST(Crash, KilledRunsResumeToCompletionWithoutRepeatingCommittedSteps) {
  TempDir d;
  WriteAll(d / "flow.json", kWorkflow);
  // Start, and wait for the execution id before the first kill.
  pid_t pid = SpawnToKill({"run", "flow.json"}, d.path().string(), d / "run.out");
  std::string id = WaitForExecutionId(d / "run.out");
  ASSERT_FALSE(id.empty()) << "run never printed its execution id";
  KillAfter(pid, 130);

  // Kill each resume at a different point, including right away.
  int kills = 1;
  for (int delay : {0, 170, 60, 240, 110, 30, 200}) {
    pid = SpawnToKill({"resume", id}, d.path().string(), d / "resume.out");
    KillAfter(pid, delay);
    ++kills;
  }
  // The workflow needs about 1.5 s of uninterrupted work, more than the kills above allow.
  pid = SpawnToKill({"resume", id}, d.path().string(), d / "final.out");
  int rc = Reap(pid);
  ASSERT_EQ(rc, 0) << ReadAll(d / "final.out") << ReadAll(d / "final.out.err");

  auto store = SqliteStore::Open(d / "atelier.db");
  ASSERT_TRUE(store.has_value());
  auto ex = (*store)->GetExecution("default", id);
  ASSERT_TRUE(ex.has_value());
  EXPECT_EQ(ex->status, ExecStatus::kCompleted);
  auto steps = (*store)->GetSteps("default", id);
  ASSERT_TRUE(steps.has_value());
  EXPECT_EQ(steps->size(), 9u + 6u);
  for (const auto& s : *steps) EXPECT_EQ(s.status, StepStatus::kSucceeded) << s.step_id;

  auto events = (*store)->ReadEvents("default", id, 0, 1000000);
  ASSERT_TRUE(events.has_value());
  std::map<std::string, int> succeeded;
  int recovered = 0;
  for (size_t i = 0; i < events->size(); ++i) {
    const Event& e = (*events)[i];
    ASSERT_EQ(e.seq, static_cast<int64_t>(i + 1)) << "gap in the event sequence";
    if (e.type == "step_succeeded") succeeded[e.step_id]++;
    if (e.type == "step_recovered") recovered++;
  }
  for (const auto& s : *steps) EXPECT_EQ(succeeded[s.step_id], 1) << s.step_id;
  EXPECT_EQ(succeeded.size(), steps->size());
  EXPECT_GE(recovered, 1) << "at least one kill landed while a step was running";
  std::cout << "kills: " << kills << ", events: " << events->size()
            << ", steps recovered after a kill: " << recovered << "\n";
}

TEST(Crash, AKilledSubworkflowIsFollowedAgainNotLaunchedTwice) {
  TempDir d;
  WriteAll(d / "parent.json", R"({"name": "Parent", "nodes": [
    {"id": "start", "type": "start"},
    {"id": "sub", "type": "subworkflow", "data": {"definition": {"name": "Inner", "nodes": [
        {"id": "start", "type": "start"},
        {"id": "x", "type": "generate_text", "data": {"prompt": "x", "latency_ms": 250}},
        {"id": "y", "type": "generate_text", "data": {"prompt": "{{steps.x.text}}", "latency_ms": 250}},
        {"id": "done", "type": "end", "data": {"output": {"y": "{{steps.y.text}}"}}}],
      "edges": [{"id": "1", "source": "start", "target": "x"}, {"id": "2", "source": "x", "target": "y"},
                {"id": "3", "source": "y", "target": "done"}]}}},
    {"id": "after", "type": "transform", "data": {"output": {"y": "{{steps.sub.output.y}}"}}}],
    "edges": [{"id": "1", "source": "start", "target": "sub"}, {"id": "2", "source": "sub", "target": "after"}]})");
  pid_t pid = SpawnToKill({"run", "parent.json"}, d.path().string(), d / "run.out");
  std::string id = WaitForExecutionId(d / "run.out");
  ASSERT_FALSE(id.empty()) << "run never printed its execution id";
  KillAfter(pid, 150);  // inside the sub-execution's first step
  for (int delay : {100, 200}) {
    pid = SpawnToKill({"resume", id}, d.path().string(), d / "resume.out");
    KillAfter(pid, delay);
  }
  pid = SpawnToKill({"resume", id}, d.path().string(), d / "final.out");
  int rc = Reap(pid);
  ASSERT_EQ(rc, 0) << ReadAll(d / "final.out") << ReadAll(d / "final.out.err");

  auto store = SqliteStore::Open(d / "atelier.db");
  ASSERT_TRUE(store.has_value());
  EXPECT_EQ((*store)->GetExecution("default", id)->status, ExecStatus::kCompleted);
  ExecutionFilter f;
  f.limit = 0;
  auto all = (*store)->ListExecutions("default", f);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->size(), 2u) << "one parent and one sub-execution";
  const std::string child = id + ".sub.v1";
  auto inner = (*store)->GetExecution("default", child);
  ASSERT_TRUE(inner.has_value());
  EXPECT_EQ(inner->status, ExecStatus::kCompleted);
  std::map<std::string, int> succeeded;
  auto events = (*store)->ReadEvents("default", child, 0, 1000000);
  ASSERT_TRUE(events.has_value());
  for (size_t i = 0; i < events->size(); ++i) {
    ASSERT_EQ((*events)[i].seq, static_cast<int64_t>(i + 1)) << "gap in the event sequence";
    if ((*events)[i].type == "step_succeeded") succeeded[(*events)[i].step_id]++;
  }
  for (const char* s : {"start", "x", "y", "done"}) EXPECT_EQ(succeeded[s], 1) << s;
  auto after = (*store)->GetSteps("default", id);
  ASSERT_TRUE(after.has_value());
  for (const auto& s : *after) EXPECT_EQ(s.status, StepStatus::kSucceeded) << s.step_id;
}

TEST(Crash, InterruptHandsRunningStepsBackWithNothingLost) {
  TempDir d;
  WriteAll(d / "slow.json", R"({"name": "Slow", "nodes": [{"id": "start", "type": "start"},
    {"id": "a", "type": "generate_text", "data": {"prompt": "a", "latency_ms": 30000}},
    {"id": "b", "type": "generate_text", "data": {"prompt": "{{steps.a.text}}"}}],
    "edges": [{"id": "1", "source": "start", "target": "a"}, {"id": "2", "source": "a", "target": "b"}]})");
  pid_t pid = Spawn({"run", "slow.json"}, d.path().string(), d / "run.out");
  std::string id;
  for (int i = 0; i < 500 && id.empty(); ++i) {
    std::string out = ReadAll(d / "run.out");
    if (out.find('\n') != std::string::npos) id = out.substr(10, out.find('\n') - 10);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_FALSE(id.empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  kill(pid, SIGINT);
  EXPECT_EQ(Reap(pid), 130) << ReadAll(d / "run.out.err");
  EXPECT_NE(ReadAll(d / "run.out.err").find("atelier resume " + id), std::string::npos);
  {
    auto store = SqliteStore::Open(d / "atelier.db");
    ASSERT_TRUE(store.has_value());
    auto steps = (*store)->GetSteps("default", id);
    ASSERT_TRUE(steps.has_value());
    for (const auto& s : *steps) {
      if (s.step_id == "a") {
        EXPECT_EQ(s.status, StepStatus::kReady) << "handed back, not lost";
        EXPECT_TRUE(s.lease_owner.empty());
      }
    }
    auto ex = (*store)->GetExecution("default", id);
    EXPECT_TRUE(ex->owner.empty()) << "a new process can take it at once";
  }
  // The handed-back execution still obeys commands from another process.
  pid = Spawn({"stop", id}, d.path().string(), d / "stop.out");
  EXPECT_EQ(Reap(pid), 0) << ReadAll(d / "stop.out.err");
  EXPECT_NE(ReadAll(d / "stop.out").find("stopped"), std::string::npos);
}

// A poison pill: step `boom` aborts every process that runs it (ATELIER_FAULT_ABORT_STEP). Each
// resume takes the execution over and dies with it again, until the step has crashed its process
// three times in a row: the next takeover fails the step with a clear error instead of running it,
// and the execution ends failed. A retry (here without the fault) runs it again.
TEST(Crash, APoisonPillStepFailsAfterThreeCrashesInsteadOfKillingEveryResume) {
  TempDir d;
  const std::string cwd = d.path().string();
  WriteAll(d / "poison.json", R"({"name": "Poison", "nodes": [
    {"id": "start", "type": "start"},
    {"id": "ok", "type": "generate_text", "data": {"prompt": "fine"}},
    {"id": "boom", "type": "generate_text", "data": {"prompt": "{{steps.ok.text}}"}},
    {"id": "after", "type": "transform", "data": {"output": {"t": "{{steps.boom.text}}"}}}],
    "edges": [{"id": "1", "source": "start", "target": "ok"}, {"id": "2", "source": "ok", "target": "boom"},
              {"id": "3", "source": "boom", "target": "after"}]})");
  const std::vector<std::string> fault = {"ATELIER_FAULT_ABORT_STEP=boom"};
  auto run = RunAtelier({"run", "poison.json"}, cwd, fault);
  ASSERT_EQ(run.exit_code, 128 + SIGABRT) << run.out << run.err;
  EXPECT_NE(run.err.find("fault injection"), std::string::npos) << run.err;
  std::string id;
  {
    auto store = SqliteStore::Open(d / "atelier.db");
    ASSERT_TRUE(store.has_value());
    auto list = (*store)->ListExecutions("default", ExecutionFilter{});
    ASSERT_TRUE(list.has_value());
    ASSERT_EQ(list->size(), 1u);
    id = (*list)[0].id;
  }
  for (int crash = 2; crash <= 3; ++crash) {
    auto again = RunAtelier({"resume", id}, cwd, fault);
    ASSERT_EQ(again.exit_code, 128 + SIGABRT)
        << "crash " << crash << "\n" << again.out << again.err;
  }
  // The fourth process to take it over fails the step instead of running it, and exits normally.
  auto last = RunAtelier({"resume", id}, cwd, fault);
  EXPECT_EQ(last.exit_code, 1) << last.out << last.err;
  EXPECT_EQ(last.err.find("fault injection"), std::string::npos) << "boom ran again: " << last.err;
  auto show = RunAtelier({"show", id}, cwd);
  EXPECT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("died 3 times in a row"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("atelier retry " + id), std::string::npos) << show.out;
  {
    auto store = SqliteStore::Open(d / "atelier.db");
    ASSERT_TRUE(store.has_value());
    auto ex = (*store)->GetExecution("default", id);
    ASSERT_TRUE(ex.has_value());
    EXPECT_EQ(ex->status, ExecStatus::kFailed);
    EXPECT_EQ(ex->error.value("step", ""), "boom");
    EXPECT_TRUE(ex->owner.empty()) << "released: nobody adopts it again";
    auto steps = (*store)->GetSteps("default", id);
    ASSERT_TRUE(steps.has_value());
    for (const auto& st : *steps) {
      if (st.step_id == "boom") {
        EXPECT_EQ(st.status, StepStatus::kFailed);
        EXPECT_EQ(st.crashes, 3);
        EXPECT_EQ(st.attempt, 3) << "three processes started it, each died";
      }
      if (st.step_id == "ok") {
        EXPECT_EQ(st.status, StepStatus::kSucceeded);
      }
      if (st.step_id == "after") {
        EXPECT_EQ(st.status, StepStatus::kPending);
      }
    }
    auto events = (*store)->ReadEvents("default", id, 0, 1000000);
    ASSERT_TRUE(events.has_value());
    std::map<std::string, int> boom;
    for (size_t i = 0; i < events->size(); ++i) {
      const Event& e = (*events)[i];
      ASSERT_EQ(e.seq, static_cast<int64_t>(i + 1)) << "gap in the event sequence";
      if (e.step_id == "boom") boom[e.type]++;
      if (e.step_id == "boom" && e.type == "step_failed") {
        EXPECT_EQ(e.payload["crashes"], 3);
        EXPECT_EQ(e.payload["will_retry"], false);
      }
    }
    EXPECT_EQ(boom["step_started"], 3);
    EXPECT_EQ(boom["step_recovered"], 2);
    EXPECT_EQ(boom["step_failed"], 1);
    EXPECT_EQ(events->back().type, "execution_failed");
  }
  // A retry gives the step its chances again; without the fault it completes.
  auto retry = RunAtelier({"retry", id}, cwd);
  EXPECT_EQ(retry.exit_code, 0) << retry.out << retry.err;
  auto store = SqliteStore::Open(d / "atelier.db");
  ASSERT_TRUE(store.has_value());
  EXPECT_EQ((*store)->GetExecution("default", id)->status, ExecStatus::kCompleted);
  auto steps = (*store)->GetSteps("default", id);
  ASSERT_TRUE(steps.has_value());
  for (const auto& st : *steps) {
    EXPECT_EQ(st.status, StepStatus::kSucceeded) << st.step_id;
    EXPECT_EQ(st.crashes, 0) << st.step_id;
  }
}

}  // namespace
}  // namespace atelier::testing
