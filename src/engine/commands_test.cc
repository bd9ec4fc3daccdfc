// The commands with no engine loop: executions are set up as rows in a MemoryStore, a command
// runs, and the test reads back what it wrote (rows, events, ledger) and whether it told the loop
// (on_changed).
#include "commands.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "atelier/core/validation.h"
#include "store/memory/memory_store.h"

namespace atelier {
namespace {

constexpr const char* kWs = "ws_test";

const char* kChain = R"({
  "name": "Chain",
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "caption", "type": "generate_text", "data": {"prompt": "Caption"}},
    {"id": "hero", "type": "generate_image", "data": {"prompt": "{{steps.caption.text}}", "size": "32x32"}},
    {"id": "done", "type": "end", "data": {"output": {"caption": "{{steps.caption.text}}"}}}
  ],
  "edges": [
    {"id": "e1", "source": "start", "target": "caption"},
    {"id": "e2", "source": "caption", "target": "hero"},
    {"id": "e3", "source": "hero", "target": "done"}
  ]})";

const char* kGate = R"({
  "name": "Gate",
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "draft", "type": "generate_text", "data": {"prompt": "Draft"}},
    {"id": "review", "type": "approval", "data": {"message": "Publish?"}},
    {"id": "publish", "type": "transform", "data": {"output": {"ok": true}}}
  ],
  "edges": [
    {"id": "1", "source": "start", "target": "draft"},
    {"id": "2", "source": "draft", "target": "review"},
    {"id": "3", "source": "review", "target": "publish"}
  ]})";

// A MemoryStore, a fake clock and Commands over them; no engine.
struct Fixture {
  explicit Fixture(bool credits = false) {
    EXPECT_TRUE(store.EnsureWorkspace(kWs, "test").ok());
    commands = std::make_unique<Commands>(
        &store, &clock,
        [this](const std::string&, const std::string& tid,
               int) -> Result<std::shared_ptr<const Graph>> {
          auto it = graphs.find(tid);
          if (it == graphs.end()) return Err(NotFound("no template '" + tid + "'"));
          return it->second;
        },
        Commands::Options{"me", credits}, [this](const std::string& id) { changed.push_back(id); });
  }

  // An execution of `tmpl` at `status`, owned by this process, with one row per node: the
  // status `steps` gives (pending otherwise); succeeded steps have an output.
  std::string Add(const char* tmpl, ExecStatus status,
                  const std::map<std::string, StepStatus>& steps) {
    std::vector<ValidationError> errors;
    auto t = ParseTemplateText(tmpl, &errors);
    EXPECT_TRUE(t.has_value()) << (errors.empty() ? "" : errors.front().ToString());
    const std::string n = std::to_string(graphs.size() + 1);
    const std::string tid = "tpl_" + n, id = "ex_" + n;
    auto graph = Graph::Build(std::move(*t));
    graphs[tid] = graph;
    const int64_t now = clock.NowMs();
    ExecutionRecord rec;
    rec.id = id;
    rec.workspace_id = kWs;
    rec.template_id = tid;
    rec.template_version = 1;
    rec.status = status;
    rec.created_at = rec.updated_at = rec.started_at = now;
    if (status == ExecStatus::kRunning) {
      rec.owner = "me";
      rec.owner_expires_at = now + 60'000;
    }
    Transition tr;
    tr.ops.push_back(ExecWrite{rec, {}, true});
    for (int i = 0; i < graph->size(); ++i) {
      StepRecord row;
      row.execution_id = id;
      row.step_id = row.node_id = graph->node(i).id;
      auto it = steps.find(row.step_id);
      row.status = it == steps.end() ? StepStatus::kPending : it->second;
      row.created_at = row.updated_at = now;
      if (row.status != StepStatus::kPending) row.attempt = 1;
      if (row.status == StepStatus::kSucceeded) {
        row.output = {{"text", "out of " + row.step_id}};
        row.finished_at = now;
      }
      if (row.status == StepStatus::kFailed)
        row.error = {{"code", "unavailable"}, {"message", "down"}};
      tr.ops.push_back(StepWrite{row, std::nullopt, std::nullopt, true});
    }
    auto r = store.Commit({std::move(tr)});
    EXPECT_TRUE(r.has_value() && r->applied[0]) << "could not create " << id;
    return id;
  }

  ExecutionRecord Exec(const std::string& id) {
    auto r = store.GetExecution(kWs, id);
    EXPECT_TRUE(r.has_value());
    return r ? *r : ExecutionRecord{};
  }
  StepRecord Step(const std::string& id, const std::string& step) {
    auto r = store.GetSteps(kWs, id);
    EXPECT_TRUE(r.has_value());
    if (r)
      for (const auto& s : *r)
        if (s.step_id == step) return s;
    ADD_FAILURE() << "no step " << step;
    return StepRecord{};
  }
  std::vector<Event> Events(const std::string& id) {
    auto r = store.ReadEvents(kWs, id, 0, 10'000);
    EXPECT_TRUE(r.has_value());
    return r ? *r : std::vector<Event>{};
  }
  std::vector<std::string> EventTypes(const std::string& id) {
    std::vector<std::string> types;
    for (const auto& e : Events(id))
      types.push_back(e.type + (e.step_id.empty() ? "" : ":" + e.step_id));
    return types;
  }

  MemoryStore store;
  FakeClock clock;
  std::map<std::string, std::shared_ptr<const Graph>> graphs;
  std::vector<std::string> changed;
  std::unique_ptr<Commands> commands;
};

// ---- execution-level commands, as a table ----------------------------------------------------
struct ExecCase {
  const char* name;
  ExecStatus from;
  std::map<std::string, StepStatus> steps;
  Status (Commands::*command)(const std::string&, const std::string&);
  Code code;            // kOk when it applies
  ExecStatus to;        // the status afterwards
  const char* event;    // the last event it appends ("" when none)
  const char* message;  // part of the refusal's message
};

TEST(Commands, ExecutionCommandsTable) {
  using S = StepStatus;
  const std::vector<ExecCase> cases = {
      {"pause running",
       ExecStatus::kRunning,
       {{"start", S::kSucceeded}, {"caption", S::kRunning}},
       &Commands::Pause,
       Code::kOk,
       ExecStatus::kPaused,
       "execution_paused",
       ""},
      {"pause paused again",
       ExecStatus::kPaused,
       {{"start", S::kSucceeded}},
       &Commands::Pause,
       Code::kOk,
       ExecStatus::kPaused,
       "",
       ""},
      {"resume paused",
       ExecStatus::kPaused,
       {{"start", S::kSucceeded}},
       &Commands::Resume,
       Code::kOk,
       ExecStatus::kRunning,
       "execution_resumed",
       ""},
      {"resume completed",
       ExecStatus::kCompleted,
       {{"start", S::kSucceeded},
        {"caption", S::kSucceeded},
        {"hero", S::kSucceeded},
        {"done", S::kSucceeded}},
       &Commands::Resume,
       Code::kFailedPrecondition,
       ExecStatus::kCompleted,
       "",
       "execution cannot be resumed from completed"},
      {"resume failed",
       ExecStatus::kFailed,
       {{"start", S::kSucceeded}, {"caption", S::kFailed}},
       &Commands::Resume,
       Code::kFailedPrecondition,
       ExecStatus::kFailed,
       "",
       "; use retry"},
      {"stop paused",
       ExecStatus::kPaused,
       {{"start", S::kSucceeded}},
       &Commands::Stop,
       Code::kOk,
       ExecStatus::kStopped,
       "execution_stopped",
       ""},
      {"retry running",
       ExecStatus::kRunning,
       {{"start", S::kSucceeded}},
       &Commands::Retry,
       Code::kFailedPrecondition,
       ExecStatus::kRunning,
       "",
       "only a failed or stopped execution can be retried"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Fixture f;
    const std::string id = f.Add(kChain, c.from, c.steps);
    const size_t events_before = f.Events(id).size();
    Status s = (f.commands.get()->*c.command)(kWs, id);
    EXPECT_EQ(s.code(), c.code) << s.ToString();
    EXPECT_NE(s.message().find(c.message), std::string::npos) << s.ToString();
    auto ex = f.Exec(id);
    EXPECT_EQ(ex.status, c.to);
    auto events = f.Events(id);
    if (*c.event) {
      ASSERT_GT(events.size(), events_before);
      EXPECT_EQ(events.back().type, c.event);
      EXPECT_EQ(events.back().payload["to"], ExecStatusName(c.to));
      EXPECT_EQ(f.changed, std::vector<std::string>{id}) << "told the loop once";
    } else {
      EXPECT_EQ(events.size(), events_before) << "nothing written";
      EXPECT_TRUE(f.changed.empty()) << "nothing to tell the loop";
    }
  }
}

TEST(Commands, PauseWritesTheReasonAndReleasesTheOwner) {
  Fixture f;
  const std::string id = f.Add(kChain, ExecStatus::kRunning, {{"start", StepStatus::kSucceeded}});
  ASSERT_TRUE(f.commands->Pause(kWs, id).ok());
  auto ex = f.Exec(id);
  EXPECT_EQ(ex.status, ExecStatus::kPaused);
  EXPECT_EQ(ex.reason, "paused by user");
  EXPECT_TRUE(ex.owner.empty()) << "a paused execution holds no lease";
  auto e = f.Events(id).back();
  EXPECT_EQ(e.type, "execution_paused");
  EXPECT_EQ(e.payload["from"], "running");
  EXPECT_EQ(e.payload["reason"], "paused by user");
}

TEST(Commands, StopCancelsRunningStepsAndRefundsTheirReservations) {
  Fixture f(/*credits=*/true);
  const std::string id =
      f.Add(kChain, ExecStatus::kRunning,
            {{"start", StepStatus::kSucceeded}, {"caption", StepStatus::kRunning}});
  // The running attempt's reservation, as the loop makes it (transition_ops.h's AttemptKey).
  const StepRecord caption = f.Step(id, "caption");
  Transition tr;
  LedgerEntry grant;
  grant.workspace_id = kWs;
  grant.kind = LedgerKind::kGrant;
  grant.amount = 10'000'000;
  grant.key = "grant:1";
  tr.ops.push_back(LedgerAppend{grant});
  LedgerEntry reserve;
  reserve.workspace_id = kWs;
  reserve.kind = LedgerKind::kReservation;
  reserve.amount = -Micro(0.5);
  reserve.key = "reserve:" + AttemptKey(id, caption);
  reserve.execution_id = id;
  reserve.step_id = "caption";
  tr.ops.push_back(LedgerAppend{reserve, true});
  auto r = f.store.Commit({std::move(tr)});
  ASSERT_TRUE(r.has_value() && r->applied[0]);
  ASSERT_EQ(f.store.OpenReservations(kWs)->size(), 1u);

  ASSERT_TRUE(f.commands->Stop(kWs, id).ok());
  EXPECT_EQ(f.Exec(id).status, ExecStatus::kStopped);
  EXPECT_EQ(f.Exec(id).reason, "stopped by user");
  EXPECT_EQ(f.Step(id, "caption").status, StepStatus::kCancelled);
  EXPECT_EQ(f.Step(id, "hero").status, StepStatus::kCancelled) << "pending steps are cancelled too";
  EXPECT_EQ(f.Step(id, "start").status, StepStatus::kSucceeded) << "settled steps stay";
  EXPECT_TRUE(f.store.OpenReservations(kWs)->empty()) << "the running attempt was refunded";
  auto refund = f.store.FindLedgerEntry(kWs, "refund:" + AttemptKey(id, caption));
  ASSERT_TRUE(refund.has_value() && refund->has_value());
  EXPECT_EQ((*refund)->kind, LedgerKind::kRefund);
  EXPECT_EQ(f.store.GetBalance(kWs)->balance, 10'000'000) << "nothing spent";
  auto types = f.EventTypes(id);
  EXPECT_EQ(std::count(types.begin(), types.end(), "step_cancelled:caption"), 1);
  EXPECT_EQ(types.back(), "execution_stopped");
  EXPECT_EQ(f.changed, std::vector<std::string>{id});
}

TEST(Commands, StopWithoutCreditsWritesNoLedger) {
  Fixture f(/*credits=*/false);
  const std::string id =
      f.Add(kChain, ExecStatus::kRunning,
            {{"start", StepStatus::kSucceeded}, {"caption", StepStatus::kRunning}});
  ASSERT_TRUE(f.commands->Stop(kWs, id).ok());
  LedgerFilter all;
  all.limit = 0;
  EXPECT_TRUE(f.store.ListLedger(kWs, all)->empty());
}

TEST(Commands, RetryResetsTheFailedStepsAndRunsAgain) {
  Fixture f;
  const std::string id =
      f.Add(kChain, ExecStatus::kFailed,
            {{"start", StepStatus::kSucceeded}, {"caption", StepStatus::kFailed}});
  ASSERT_TRUE(f.commands->Retry(kWs, id).ok());
  auto ex = f.Exec(id);
  EXPECT_EQ(ex.status, ExecStatus::kRunning);
  EXPECT_TRUE(ex.error.is_null());
  auto caption = f.Step(id, "caption");
  EXPECT_EQ(caption.status, StepStatus::kPending);
  EXPECT_EQ(caption.attempt_base, caption.attempt) << "a fresh retry budget";
  EXPECT_TRUE(caption.error.is_null());
  EXPECT_EQ(f.Step(id, "start").status, StepStatus::kSucceeded);
  auto events = f.Events(id);
  EXPECT_EQ(events.back().type, "execution_retried");
  EXPECT_EQ(events.back().payload["steps_reset"], 1);
  EXPECT_EQ(events[events.size() - 2].type, "step_reset");
  EXPECT_EQ(f.changed.size(), 1u);
}

// ---- decisions ---------------------------------------------------------------------------------
TEST(Commands, DecideOnAWaitingApproval) {
  struct Case {
    const char* decision;
    StepStatus review;
    const char* step_event;
  };
  for (const Case& c : {Case{"approve", StepStatus::kSucceeded, "step_succeeded"},
                        Case{"reject", StepStatus::kFailed, "step_failed"}}) {
    SCOPED_TRACE(c.decision);
    Fixture f;
    const std::string id = f.Add(kGate, ExecStatus::kWaiting,
                                 {{"start", StepStatus::kSucceeded},
                                  {"draft", StepStatus::kSucceeded},
                                  {"review", StepStatus::kWaiting}});
    ASSERT_TRUE(f.commands->Decide(kWs, id, "review", {c.decision, "looks fine"}).ok());
    auto review = f.Step(id, "review");
    EXPECT_EQ(review.status, c.review);
    if (c.review == StepStatus::kSucceeded) {
      EXPECT_EQ(review.output["decision"], "approve");
      EXPECT_EQ(review.output["comment"], "looks fine");
      EXPECT_EQ(review.output["branch"], "approved");
    } else {
      EXPECT_EQ(review.error["message"], "rejected by reviewer: looks fine");
    }
    EXPECT_EQ(f.Exec(id).status, ExecStatus::kRunning) << "the loop carries it on";
    auto types = f.EventTypes(id);
    ASSERT_GE(types.size(), 3u);
    EXPECT_EQ(types[types.size() - 3], "approval_decided:review");
    EXPECT_EQ(types[types.size() - 2], std::string(c.step_event) + ":review");
    EXPECT_EQ(types.back(), "execution_resumed");
    EXPECT_EQ(f.changed, std::vector<std::string>{id});
  }
}

TEST(Commands, ARefusedDecisionChangesNothingAndSaysWhy) {
  struct Case {
    const char* step;
    Decision d;
    Code code;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"draft",
       {"approve", ""},
       Code::kFailedPrecondition,
       "step 'draft' is succeeded, not waiting for a decision"},
      {"nope", {"approve", ""}, Code::kNotFound, "has no step 'nope'"},
      {"review",
       {"maybe", ""},
       Code::kInvalidArgument,
       "decision must be 'approve', 'reject' or 'tweak', not 'maybe'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.message);
    Fixture f;
    const std::string id = f.Add(kGate, ExecStatus::kWaiting,
                                 {{"start", StepStatus::kSucceeded},
                                  {"draft", StepStatus::kSucceeded},
                                  {"review", StepStatus::kWaiting}});
    const auto before_steps = f.store.GetSteps(kWs, id);
    const size_t before_events = f.Events(id).size();
    Status s = f.commands->Decide(kWs, id, c.step, c.d);
    EXPECT_EQ(s.code(), c.code) << s.ToString();
    EXPECT_NE(s.message().find(c.message), std::string::npos) << s.ToString();
    EXPECT_EQ(f.Exec(id).status, ExecStatus::kWaiting);
    EXPECT_EQ(f.Events(id).size(), before_events);
    auto after_steps = f.store.GetSteps(kWs, id);
    ASSERT_EQ(after_steps->size(), before_steps->size());
    for (size_t i = 0; i < after_steps->size(); ++i) {
      EXPECT_EQ((*after_steps)[i].status, (*before_steps)[i].status);
      EXPECT_EQ((*after_steps)[i].version, (*before_steps)[i].version);
    }
    EXPECT_TRUE(f.changed.empty()) << "a refusal does not wake the loop";
  }
}

// ---- versions ----------------------------------------------------------------------------------
TEST(Commands, TweakMakesANewVersionAndStalesWhatFollows) {
  Fixture f;
  const std::string id = f.Add(kChain, ExecStatus::kCompleted,
                               {{"start", StepStatus::kSucceeded},
                                {"caption", StepStatus::kSucceeded},
                                {"hero", StepStatus::kSucceeded},
                                {"done", StepStatus::kSucceeded}});
  ASSERT_TRUE(f.commands->NewVersion(kWs, id, "caption", "tweak", "shorter, please", 0).ok());
  auto caption = f.Step(id, "caption");
  EXPECT_EQ(caption.version, 2);
  EXPECT_EQ(caption.status, StepStatus::kReady);
  EXPECT_EQ(caption.session["pending"]["mode"], "tweak");
  EXPECT_EQ(caption.session["pending"]["instruction"], "shorter, please");
  for (const char* down : {"hero", "done"}) {
    EXPECT_EQ(f.Step(id, down).status, StepStatus::kStale) << down;
    EXPECT_EQ(f.Step(id, down).version, 2) << down;
  }
  EXPECT_EQ(f.Step(id, "start").version, 1) << "upstream untouched";
  auto versions = f.store.ListStepVersions(kWs, id, "caption");
  ASSERT_TRUE(versions.has_value());
  ASSERT_EQ(versions->size(), 1u) << "the replaced version is kept";
  EXPECT_EQ((*versions)[0].version, 1);
  EXPECT_EQ(f.Exec(id).status, ExecStatus::kRunning) << "a finished execution re-opens";
  auto events = f.Events(id);
  auto types = f.EventTypes(id);
  std::vector<std::string> tail(types.end() - 4, types.end());
  std::sort(tail.begin() + 1, tail.end() - 1);  // the stale steps in the store's order
  EXPECT_EQ(tail, (std::vector<std::string>{"step_tweaked:caption", "step_stale:done",
                                            "step_stale:hero", "execution_reopened"}));
  EXPECT_EQ(events.back().payload["because"], "caption");
  EXPECT_EQ(f.changed, std::vector<std::string>{id});
}

TEST(Commands, RefusedVersionCommandsSayWhy) {
  struct Case {
    const char* step;
    const char* mode;
    const char* instruction;
    Code code;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"caption", "tweak", "  ", Code::kInvalidArgument, "a tweak needs an instruction"},
      {"start", "tweak", "x", Code::kFailedPrecondition,
       "only generate_text, generate_image and refine steps can be tweaked"},
      {"caption", "revert", "", Code::kNotFound, "step 'caption' has no version 0"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.message);
    Fixture f;
    const std::string id = f.Add(kChain, ExecStatus::kCompleted,
                                 {{"start", StepStatus::kSucceeded},
                                  {"caption", StepStatus::kSucceeded},
                                  {"hero", StepStatus::kSucceeded},
                                  {"done", StepStatus::kSucceeded}});
    const size_t before = f.Events(id).size();
    Status s = f.commands->NewVersion(kWs, id, c.step, c.mode, c.instruction, 0);
    EXPECT_EQ(s.code(), c.code) << s.ToString();
    EXPECT_NE(s.message().find(c.message), std::string::npos) << s.ToString();
    EXPECT_EQ(f.Events(id).size(), before);
    EXPECT_EQ(f.Exec(id).status, ExecStatus::kCompleted);
    EXPECT_TRUE(f.changed.empty());
  }
}

// ---- approve with an edit ----------------------------------------------------------------------
TEST(Commands, ApproveWithAnEditMakesAVersionOfTheReviewedStepThenApproves) {
  Fixture f;
  const std::string id = f.Add(kGate, ExecStatus::kWaiting,
                               {{"start", StepStatus::kSucceeded},
                                {"draft", StepStatus::kSucceeded},
                                {"review", StepStatus::kWaiting}});
  Decision d{"approve", "tightened it"};
  d.edit = "The edited draft";
  d.editor = "key_editor";
  ASSERT_TRUE(f.commands->Decide(kWs, id, "review", d).ok());

  auto draft = f.Step(id, "draft");
  EXPECT_EQ(draft.status, StepStatus::kSucceeded);
  EXPECT_EQ(draft.version, 2);
  EXPECT_EQ(draft.output["text"], "The edited draft");
  auto versions = f.store.ListStepVersions(kWs, id, "draft");
  ASSERT_TRUE(versions.has_value());
  ASSERT_EQ(versions->size(), 2u) << "the version it replaced is kept beside the edit";
  EXPECT_EQ((*versions)[0].version, 1);
  EXPECT_EQ((*versions)[0].output["text"], "out of draft");
  EXPECT_EQ((*versions)[1].version, 2);
  EXPECT_EQ((*versions)[1].meta["source"], "edit");
  EXPECT_EQ((*versions)[1].meta["by"], "key_editor");
  EXPECT_EQ((*versions)[1].meta["from_version"], 1);
  EXPECT_EQ((*versions)[1].meta["approval"], "review");

  auto review = f.Step(id, "review");
  EXPECT_EQ(review.status, StepStatus::kSucceeded);
  EXPECT_EQ(review.output["decision"], "approve");
  EXPECT_EQ(review.output["comment"], "tightened it");
  EXPECT_EQ(f.Step(id, "publish").status, StepStatus::kPending) << "runs next, on the edit";
  EXPECT_EQ(f.Exec(id).status, ExecStatus::kRunning);
  auto types = f.EventTypes(id);
  ASSERT_GE(types.size(), 4u);
  EXPECT_EQ(std::vector<std::string>(types.end() - 4, types.end()),
            (std::vector<std::string>{"step_edited:draft", "approval_decided:review",
                                      "step_succeeded:review", "execution_resumed"}));
  auto events = f.Events(id);
  EXPECT_EQ(events[events.size() - 3].payload["edited"], "draft");
  EXPECT_EQ(events[events.size() - 4].payload["version"], 2);
  EXPECT_EQ(f.changed, std::vector<std::string>{id});

  // Like any version, the edit can be reverted: the first text comes back as version 3.
  ASSERT_TRUE(f.commands->NewVersion(kWs, id, "draft", "revert", "", 1).ok());
  EXPECT_EQ(f.Step(id, "draft").version, 3);
  EXPECT_EQ(f.Step(id, "draft").output["text"], "out of draft");
}

TEST(Commands, AnEditTheReviewedStepCannotTakeIsRefusedAndChangesNothing) {
  // The draft feeds a summary besides the gate: the summary has read the text already.
  const char* kReadBeforeGate = R"({
    "name": "Read before gate",
    "nodes": [
      {"id": "start", "type": "start"},
      {"id": "draft", "type": "generate_text", "data": {"prompt": "Draft"}},
      {"id": "summary", "type": "transform", "data": {"output": {"s": "{{steps.draft.text}}"}}},
      {"id": "review", "type": "approval", "data": {"message": "Publish?"}}
    ],
    "edges": [{"id": "1", "source": "start", "target": "draft"},
              {"id": "2", "source": "draft", "target": "summary"},
              {"id": "3", "source": "summary", "target": "review"}]})";
  const char* kImageGate = R"({
    "name": "Image gate",
    "nodes": [
      {"id": "start", "type": "start"},
      {"id": "hero", "type": "generate_image", "data": {"prompt": "a hero", "size": "32x32"}},
      {"id": "review", "type": "approval", "data": {"message": "Use it?"}}
    ],
    "edges": [{"id": "1", "source": "start", "target": "hero"},
              {"id": "2", "source": "hero", "target": "review"}]})";
  const char* kNoTarget = R"({
    "name": "No target",
    "nodes": [
      {"id": "start", "type": "start"},
      {"id": "review", "type": "approval", "data": {"message": "Go?"}}
    ],
    "edges": [{"id": "1", "source": "start", "target": "review"}]})";
  struct Case {
    const char* tmpl;
    std::map<std::string, StepStatus> steps;
    const char* decision;
    Json output;  // the reviewed step's output when set
    Code code;
    const char* message;
  };
  const std::map<std::string, StepStatus> gate = {{"start", StepStatus::kSucceeded},
                                                  {"draft", StepStatus::kSucceeded},
                                                  {"review", StepStatus::kWaiting}};
  const std::vector<Case> cases = {
      {kGate, gate, "reject", nullptr, Code::kInvalidArgument,
       "an edit goes with the decision 'approve', not 'reject'"},
      {kReadBeforeGate,
       {{"start", StepStatus::kSucceeded},
        {"draft", StepStatus::kSucceeded},
        {"summary", StepStatus::kSucceeded},
        {"review", StepStatus::kWaiting}},
       "approve",
       nullptr,
       Code::kFailedPrecondition,
       "step 'summary' has already used the text of 'draft' (it is succeeded)"},
      {kImageGate,
       {{"start", StepStatus::kSucceeded},
        {"hero", StepStatus::kSucceeded},
        {"review", StepStatus::kWaiting}},
       "approve",
       Json{{"image", {{"artifact_id", "art_1"}, {"mime", "image/png"}}}},
       Code::kFailedPrecondition,
       "step 'hero' (a generate_image step) has no text to edit"},
      {kNoTarget,
       {{"start", StepStatus::kSucceeded}, {"review", StepStatus::kWaiting}},
       "approve",
       nullptr,
       Code::kFailedPrecondition,
       "approval step 'review' reviews no step, so there is nothing to edit"},
      {kGate, gate, "approve", Json{{"text", "{}"}, {"json", Json::object()}},
       Code::kInvalidArgument, "step 'draft' answers JSON (its schema); the edit must be JSON"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.message);
    Fixture f;
    const std::string id = f.Add(c.tmpl, ExecStatus::kWaiting, c.steps);
    if (!c.output.is_null()) {
      // The reviewed step answers something else than plain text.
      for (const char* target : {"draft", "hero"}) {
        if (!c.steps.count(target)) continue;
        StepRecord row = f.Step(id, target);
        row.output = c.output;
        ASSERT_TRUE(
            f.store.Commit({Transition{{StepWrite{row, std::nullopt, std::nullopt, false}}}})
                ->applied[0]);
      }
    }
    const auto before_steps = f.store.GetSteps(kWs, id);
    const size_t before_events = f.Events(id).size();
    Decision d{c.decision, ""};
    d.edit = "not JSON at all";
    d.editor = "key_editor";
    Status s = f.commands->Decide(kWs, id, "review", d);
    EXPECT_EQ(s.code(), c.code) << s.ToString();
    EXPECT_NE(s.message().find(c.message), std::string::npos) << s.ToString();
    EXPECT_EQ(f.Exec(id).status, ExecStatus::kWaiting);
    EXPECT_EQ(f.Events(id).size(), before_events);
    auto after_steps = f.store.GetSteps(kWs, id);
    ASSERT_EQ(after_steps->size(), before_steps->size());
    for (size_t i = 0; i < after_steps->size(); ++i) {
      EXPECT_EQ((*after_steps)[i].status, (*before_steps)[i].status);
      EXPECT_EQ((*after_steps)[i].version, (*before_steps)[i].version);
      EXPECT_EQ((*after_steps)[i].output, (*before_steps)[i].output);
    }
    EXPECT_TRUE(f.changed.empty());
  }
}

}  // namespace
}  // namespace atelier
