// Processes by role, with the real binary: `atelier serve --workers 0` serves the API and runs no
// step; `atelier worker` runs executions and serves nothing. On one database (a SQLite file, and
// PostgreSQL when ATELIER_TEST_PG_URL is set), launches and approvals made through the server are
// run by a worker, and a worker killed mid-step is replaced by another that finishes its work with
// every step succeeding once.
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "store/postgres/postgres_test_support.h"
#include "tests/loopback_server.h"
#include "tests/test_env.h"

// Built with ThreadSanitizer (clang's feature test, or GCC's macro).
#if defined(__SANITIZE_THREAD__)
#define ATELIER_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ATELIER_TEST_TSAN 1
#endif
#endif

namespace atelier::testing {
namespace {

// A text step, a person's approval, then another text step.
const char* kGated = R"({
  "name": "Gated",
  "category": "testing",
  "inputs": {"topic": {"type": "string", "required": true}},
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "draft", "type": "generate_text", "data": {"prompt": "draft {{inputs.topic}}", "latency_ms": 100}},
    {"id": "review", "type": "approval", "data": {"message": "Publish?"}},
    {"id": "final", "type": "generate_text", "data": {"prompt": "final {{steps.draft.text}}", "latency_ms": 100}},
    {"id": "done", "type": "end"}
  ],
  "edges": [
    {"id": "1", "source": "start", "target": "draft"}, {"id": "2", "source": "draft", "target": "review"},
    {"id": "3", "source": "review", "target": "final"}, {"id": "4", "source": "final", "target": "done"}
  ]})";

// Four slow text steps in a row: a kill lands while one runs.
const char* kChain = R"({
  "name": "Chain",
  "category": "testing",
  "inputs": {"topic": {"type": "string", "required": true}},
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "a", "type": "generate_text", "data": {"prompt": "a {{inputs.topic}}", "latency_ms": 250}},
    {"id": "b", "type": "generate_text", "data": {"prompt": "b {{steps.a.text}}", "latency_ms": 250}},
    {"id": "c", "type": "generate_text", "data": {"prompt": "c {{steps.b.text}}", "latency_ms": 250}},
    {"id": "d", "type": "generate_text", "data": {"prompt": "d {{steps.c.text}}", "latency_ms": 250}},
    {"id": "done", "type": "end"}
  ],
  "edges": [
    {"id": "1", "source": "start", "target": "a"}, {"id": "2", "source": "a", "target": "b"},
    {"id": "3", "source": "b", "target": "c"}, {"id": "4", "source": "c", "target": "d"},
    {"id": "5", "source": "d", "target": "done"}
  ]})";

// A long step, then two short ones: a worker is paused while the first runs.
const char* kLongFirst = R"({
  "name": "Long first",
  "category": "testing",
  "inputs": {"topic": {"type": "string", "required": true}},
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "a", "type": "generate_text", "data": {"prompt": "a {{inputs.topic}}", "latency_ms": 2500}},
    {"id": "b", "type": "generate_text", "data": {"prompt": "b {{steps.a.text}}", "latency_ms": 200}},
    {"id": "c", "type": "generate_text", "data": {"prompt": "c {{steps.b.text}}", "latency_ms": 200}},
    {"id": "done", "type": "end"}
  ],
  "edges": [
    {"id": "1", "source": "start", "target": "a"}, {"id": "2", "source": "a", "target": "b"},
    {"id": "3", "source": "b", "target": "c"}, {"id": "4", "source": "c", "target": "done"}
  ]})";

class Roles : public ::testing::Test {
 protected:
  // `db`: "" for a SQLite file in the test's folder.
  void Open(const std::string& db) { db_ = db.empty() ? (dir_ / "atelier.db") : db; }

  void StartApiServer(const std::vector<std::string>& extra = {}) {
    const std::string out = dir_ / "serve.out";
    std::vector<std::string> args = {"serve",   "--db",         db_,         "--listen",
                                     "127.0.0.1:0", "--workers", "0",       "--no-credits",
                                     "--grace-ms",  "2000"};
    args.insert(args.end(), extra.begin(), extra.end());
    server_.pid = SpawnAtelier(args, dir_.path().string(), out, dir_ / "serve.err");
    const ServeBanner banner = WaitForServeBanner(out);
    port_ = banner.port;
    key_ = banner.admin_key;
    ASSERT_GT(port_, 0) << ReadAll(dir_ / "serve.err");
    ASSERT_EQ(key_.size(), 44u) << ReadAll(out);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_read_timeout(30, 0);
  }

  void StartWorker(ChildProcess& w, const std::string& tag,
                   const std::string& adopt_interval_ms = "100",
                   const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"worker",       "--db",      db_,  "--adopt-interval-ms",
                                     adopt_interval_ms, "--no-credits", "--grace-ms", "2000"};
    args.insert(args.end(), extra.begin(), extra.end());
    w.pid = SpawnAtelier(args, dir_.path().string(), dir_ / (tag + ".out"), dir_ / (tag + ".err"));
  }
  // Waits (20 s at most) until the worker said it runs: its first adoption pass is over.
  bool WaitWorkerUp(const std::string& tag) {
    for (int i = 0; i < 2000; ++i) {
      if (ReadAll(dir_ / (tag + ".out")).find("taken over at start") != std::string::npos)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  Json Call(const std::string& method, const std::string& path, const Json& body = nullptr) {
    httplib::Headers auth = {{"Authorization", "Bearer " + key_}};
    auto r = method == "GET"
                 ? client_->Get(path.c_str(), auth)
                 : client_->Post(path.c_str(), auth, body.is_null() ? "{}" : body.dump(),
                                 "application/json");
    EXPECT_TRUE(r) << method << " " << path;
    if (!r) return Json();
    EXPECT_LT(r->status, 300) << method << " " << path << ": " << r->body;
    return Json::parse(r->body, nullptr, false);
  }

  std::string Template(const char* definition) {
    return Call("POST", "/api/v1/templates", Json::parse(definition))["id"];
  }
  std::string Launch(const std::string& tid, const std::string& topic) {
    return Call("POST", "/api/v1/executions",
                {{"template_id", tid}, {"inputs", {{"topic", topic}}}})["id"];
  }
  std::string Status(const std::string& id) {
    return Call("GET", "/api/v1/executions/" + id).value("status", "");
  }
  // Waits (60 s at most) until every execution reads `want`.
  bool WaitAll(const std::vector<std::string>& ids, const std::string& want) {
    for (int i = 0; i < 3000; ++i) {
      bool all = true;
      for (const auto& id : ids) all = all && Status(id) == want;
      if (all) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  Json Events(const std::string& id) {
    return Call("GET", "/api/v1/executions/" + id + "/events?limit=200")["items"];
  }
  // Waits (20 s at most) until the execution has an event of `type` (for `step` when given).
  bool WaitEvent(const std::string& id, const std::string& type, const std::string& step = "") {
    for (int i = 0; i < 1000; ++i) {
      for (const auto& e : Events(id))
        if (e.value("type", "") == type && (step.empty() || e.value("step", "") == step))
          return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  // The execution's events: numbered 1..n with no gap, each step succeeded exactly once. Returns
  // how many steps were recovered (found running by a process that took the execution over).
  int CheckEvents(const std::string& id, const std::vector<std::string>& steps) {
    const Json list = Events(id);
    EXPECT_TRUE(list.is_array()) << list.dump();
    if (!list.is_array()) return 0;
    std::map<std::string, int> succeeded;
    int recovered = 0;
    for (size_t i = 0; i < list.size(); ++i) {
      EXPECT_EQ(list[i]["seq"], i + 1) << id;
      if (list[i]["type"] == "step_succeeded") ++succeeded[list[i].value("step", "")];
      if (list[i]["type"] == "step_recovered") ++recovered;
    }
    for (const auto& s : steps) EXPECT_EQ(succeeded[s], 1) << id << " step " << s;
    return recovered;
  }

  // A worker that stops answering while it runs a step (SIGSTOP: alive, so nobody may presume it
  // dead, but its heartbeat stalls, as in a long GC pause or a stalled network) loses its lease:
  // another worker takes the execution over once the lease runs out and runs the step again. When
  // the first wakes up, its step finishes and its result is refused (the step's attempt number is
  // the fencing token), so every step still succeeds once, and it gives the execution up.
  void PausedWorkerLosesItsClaim() {
    ASSERT_NO_FATAL_FAILURE(StartApiServer());
    const std::string id = Launch(Template(kLongFirst), "pause");
    const std::vector<std::string> lease = {"--lease-ms", "1500"};
    ChildProcess a, b;
    StartWorker(a, "a", "100", lease);
    ASSERT_TRUE(WaitEvent(id, "step_started", "a")) << ReadAll(dir_ / "a.err");
    // The banner comes after the first adoption pass, which may already have started the step.
    ASSERT_TRUE(WaitWorkerUp("a")) << ReadAll(dir_ / "a.err");
    const std::string banner = ReadAll(dir_ / "a.out");
    ASSERT_EQ(banner.rfind("worker ", 0), 0u) << banner;
    const std::string a_owner = banner.substr(7, banner.find(' ', 7) - 7);
    ASSERT_EQ(kill(a.pid, SIGSTOP), 0);
    StartWorker(b, "b", "100", lease);
    // The second worker waits out the first one's lease, then takes the step over.
    const bool taken = WaitEvent(id, "step_recovered", "a");
    ASSERT_EQ(kill(a.pid, SIGCONT), 0);
    ASSERT_TRUE(taken) << ReadAll(dir_ / "b.err");
    ASSERT_TRUE(WaitAll({id}, "completed")) << ReadAll(dir_ / "a.err") << ReadAll(dir_ / "b.err");
    // Every step succeeded once although both workers ran `a` to its end.
    EXPECT_EQ(CheckEvents(id, {"a", "b", "c"}), 1);
    int started_a = 0, recovered_exec = 0;
    for (const auto& e : Events(id)) {
      const std::string type = e.value("type", "");
      if (type == "step_started" && e.value("step", "") == "a") ++started_a;
      // The result that counts is the new owner's: the late one of attempt 1 was refused.
      if (type == "step_succeeded" && e.value("step", "") == "a") {
        EXPECT_EQ(e["payload"].value("attempt", 0), 2) << e.dump();
      }
      if (type == "step_recovered") {
        EXPECT_EQ(e["payload"].value("previous_owner", ""), a_owner) << e.dump();
        EXPECT_EQ(e["payload"].value("lease_expired", false), true) << e.dump();
      }
      if (type == "execution_recovered") {
        ++recovered_exec;
        EXPECT_EQ(e["payload"].value("previous_owner", ""), a_owner) << e.dump();
      }
    }
    EXPECT_EQ(started_a, 2);
    // Taken over once: the first worker never took it back.
    EXPECT_EQ(recovered_exec, 1);
    // Both are still up and stop cleanly.
    EXPECT_EQ(a.Stop(SIGTERM), 0) << ReadAll(dir_ / "a.err");
    EXPECT_EQ(b.Stop(SIGTERM), 0) << ReadAll(dir_ / "b.err");
  }

  TempDir dir_;
  std::string db_;
  ChildProcess server_;
  int port_ = 0;
  std::string key_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(Roles, AnApiOnlyServerRunsNothingAndAWorkerRunsWhatItLaunches) {
  Open("");
  ASSERT_NO_FATAL_FAILURE(StartApiServer());
  const std::string tid = Template(kGated);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(Launch(tid, "topic " + std::to_string(i)));
  // No worker yet: nothing runs.
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  for (const auto& id : ids) EXPECT_EQ(Status(id), "queued") << id;

  ChildProcess worker;
  StartWorker(worker, "worker");
  ASSERT_TRUE(WaitAll(ids, "waiting")) << ReadAll(dir_ / "worker.err");
  for (const auto& id : ids)
    Call("POST", "/api/v1/executions/" + id + "/steps/review/approve", {{"comment", "ok"}});
  ASSERT_TRUE(WaitAll(ids, "completed")) << ReadAll(dir_ / "worker.err");
  for (const auto& id : ids) CheckEvents(id, {"draft", "review", "final"});
  // The worker said who it is, and both stop gracefully.
  EXPECT_TRUE(WaitWorkerUp("worker"));
  EXPECT_EQ(ReadAll(dir_ / "worker.out").rfind("worker ", 0), 0u);
  EXPECT_EQ(worker.Stop(SIGTERM), 0) << ReadAll(dir_ / "worker.err");
  EXPECT_EQ(server_.Stop(SIGTERM), 0) << ReadAll(dir_ / "serve.err");
}

TEST_F(Roles, AWorkerKilledMidStepIsReplacedAndEveryStepSucceedsOnce) {
  Open("");
  ASSERT_NO_FATAL_FAILURE(StartApiServer());
  const std::string tid = Template(kChain);
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(Launch(tid, "topic " + std::to_string(i)));
  ChildProcess first;
  StartWorker(first, "first");
  // Kill it while steps run (every execution has started one).
  for (int i = 0; i < 1500; ++i) {
    bool all = true;
    for (const auto& id : ids) all = all && Status(id) == "running";
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  first.Stop(SIGKILL);
  for (const auto& id : ids) EXPECT_NE(Status(id), "completed") << id;
  ChildProcess second;
  StartWorker(second, "second");
  ASSERT_TRUE(WaitAll(ids, "completed")) << ReadAll(dir_ / "second.err");
  int recovered = 0;
  for (const auto& id : ids) recovered += CheckEvents(id, {"a", "b", "c", "d"});
  // The kill landed while steps ran: the second worker found them running and ran them again.
  EXPECT_GE(recovered, 1);
  EXPECT_EQ(second.Stop(SIGTERM), 0) << ReadAll(dir_ / "second.err");
}

TEST_F(Roles, OnPostgresAServerAndTwoWorkersShareTheWork) {
  if (!pgtest::RequireServer()) return;
  Open(pgtest::FreshSchemaUrl());
  ASSERT_NO_FATAL_FAILURE(StartApiServer());
  const std::string gated = Template(kGated);
  const std::string chain = Template(kChain);
  std::vector<std::string> gates, chains;
  for (int i = 0; i < 3; ++i) gates.push_back(Launch(gated, "g" + std::to_string(i)));
  for (int i = 0; i < 3; ++i) chains.push_back(Launch(chain, "c" + std::to_string(i)));
  ChildProcess a, b;
  StartWorker(a, "a");
  StartWorker(b, "b");
  ASSERT_TRUE(WaitAll(gates, "waiting")) << ReadAll(dir_ / "a.err") << ReadAll(dir_ / "b.err");
  for (const auto& id : gates)
    Call("POST", "/api/v1/executions/" + id + "/steps/review/approve", Json::object());
  // One worker dies; the other takes its executions over.
  a.Stop(SIGKILL);
  ASSERT_TRUE(WaitAll(gates, "completed")) << ReadAll(dir_ / "b.err");
  ASSERT_TRUE(WaitAll(chains, "completed")) << ReadAll(dir_ / "b.err");
  for (const auto& id : gates) CheckEvents(id, {"draft", "review", "final"});
  for (const auto& id : chains) CheckEvents(id, {"a", "b", "c", "d"});
  EXPECT_EQ(b.Stop(SIGTERM), 0) << ReadAll(dir_ / "b.err");
}

TEST_F(Roles, APausedWorkerThatLostItsLeaseCannotCommitOverTheNewOwner) {
  Open("");
  PausedWorkerLosesItsClaim();
}

TEST_F(Roles, OnPostgresAPausedWorkerThatLostItsLeaseCannotCommitOverTheNewOwner) {
  if (!pgtest::RequireServer()) return;
  Open(pgtest::FreshSchemaUrl());
  PausedWorkerLosesItsClaim();
}

// On PostgreSQL nothing waits for a poll. The server's streams and the worker's adoption look
// only once a minute or more here, yet a launch through the server is taken over by the worker at
// once (the work doorbell) and a client following the execution's stream through the server sees
// every event, once and in order, as the worker commits it (the events doorbell).
TEST_F(Roles, OnPostgresALaunchAndItsEventsRingRatherThanWaitForAPoll) {
  if (!pgtest::RequireServer()) return;
  Open(pgtest::FreshSchemaUrl());
  ASSERT_NO_FATAL_FAILURE(StartApiServer({"--stream-poll-ms", "60000"}));
  const std::string chain = Template(kChain);
  ChildProcess w;
  StartWorker(w, "w", "600000");
  ASSERT_TRUE(WaitWorkerUp("w")) << ReadAll(dir_ / "w.err");

  const auto t0 = std::chrono::steady_clock::now();
  const std::string id = Launch(chain, "bell");
  httplib::Client stream("127.0.0.1", port_);
  stream.set_read_timeout(45, 0);
  std::string body;
  stream.Get(("/api/v1/executions/" + id + "/events/stream").c_str(),
             {{"Authorization", "Bearer " + key_}}, [&](const char* data, size_t n) {
               body.append(data, n);
               // Heartbeats keep the connection alive: the test's own limit ends it.
               return body.find("execution_completed") == std::string::npos &&
                      std::chrono::steady_clock::now() - t0 < std::chrono::seconds(45);
             });
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_NE(body.find("execution_completed"), std::string::npos)
      << body << ReadAll(dir_ / "w.err");
  // Four steps of 250 ms; a poll would have taken a minute.
  EXPECT_LT(took, std::chrono::seconds(30));
  // Every event of the log came down the stream once, in order.
  size_t at = 0;
  for (const auto& e : Events(id)) {
    const std::string frame = "id: " + std::to_string(e["seq"].get<int64_t>()) + "\n";
    const size_t found = body.find(frame, at);
    ASSERT_NE(found, std::string::npos) << "seq " << e["seq"] << " missing or out of order";
    EXPECT_EQ(body.find(frame, found + 1), std::string::npos) << "seq " << e["seq"] << " twice";
    at = found + frame.size();
  }
  CheckEvents(id, {"a", "b", "c", "d"});
  EXPECT_EQ(w.Stop(SIGTERM), 0) << ReadAll(dir_ / "w.err");
}

// A provider's limits hold for the cluster, not per process. An OpenAI-compatible server that
// admits two calls at once (the providers file says `"concurrent": 2`) is called by two workers of
// four threads on one PostgreSQL database, each reaching it under its own path so the server knows
// who calls. Worker a takes the first executions and has two calls running; it is paused
// (SIGSTOP: its two calls still count) while worker b starts and takes the next executions, which
// must wait for a's slots; then both run side by side. Each alone would run two at once: together
// they never run more than two, and every call is made once.
TEST_F(Roles, OnPostgresTwoWorkersHoldAProvidersConcurrentLimitTogether) {
#ifdef ATELIER_TEST_TSAN
  // The loopback provider is Debian's cpp-httplib, a library built without ThreadSanitizer: TSan
  // sees its memory only through the calls it intercepts, not its thread pool's hand-offs, and
  // reports a race inside it when it serves calls from two processes at once. (Suppressing the
  // library instead hides its locks too and breaks other suites' chains of events.) The test runs
  // in the plain and the ASan+UBSan suites; the limit itself is held by the worker processes.
  GTEST_SKIP() << "the loopback provider's library is not instrumented for ThreadSanitizer";
#endif
  if (!pgtest::RequireServer()) return;
  Open(pgtest::FreshSchemaUrl());
  std::atomic<int> now{0}, peak{0}, calls_a{0}, calls_b{0}, b_while_a_paused{0};
  std::atomic<bool> a_paused{false};
  std::mutex peak_mu;
  LoopbackServer llm;
  auto serve = [&](bool from_a) {
    return [&, from_a](const httplib::Request&, httplib::Response& res) {
      ++(from_a ? calls_a : calls_b);
      if (!from_a && a_paused) ++b_while_a_paused;
      const int running = ++now;
      {
        std::lock_guard l(peak_mu);
        peak = std::max(peak.load(), running);
      }
      llm.HandlerWait(300);
      --now;
      const Json answer = {
          {"model", "m1"},
          {"choices", {{{"message", {{"role", "assistant"}, {"content", "a line"}}}}}},
          {"usage", {{"prompt_tokens", 5}, {"completion_tokens", 2}}}};
      res.set_content(answer.dump(), "application/json");
    };
  };
  llm.svr().Post("/a/v1/chat/completions", serve(true));
  llm.svr().Post("/b/v1/chat/completions", serve(false));
  ASSERT_NO_FATAL_FAILURE(llm.Start());
  // The same provider `llm` for both workers, reached under a path of its own.
  auto providers = [&](const std::string& who) {
    const std::string path = dir_ / ("providers-" + who + ".json");
    WriteAll(path, Json{{"providers",
                         {{"llm",
                           {{"type", "openai"}, {"base_url", llm.Url("/" + who)},
                            {"stream", false}, {"limits", {{"concurrent", 2}}}}}}},
                        {"models", {{"default", {{{"provider", "llm"}, {"model", "m1"}}}}}}}
                       .dump());
    return path;
  };
  ASSERT_NO_FATAL_FAILURE(StartApiServer());
  // Three calls in a row.
  const std::string tid = Template(R"({
    "name": "Three calls",
    "category": "testing",
    "inputs": {"topic": {"type": "string", "required": true}},
    "nodes": [
      {"id": "start", "type": "start"},
      {"id": "a", "type": "generate_text", "data": {"prompt": "a {{inputs.topic}}", "model": "default"}},
      {"id": "b", "type": "generate_text", "data": {"prompt": "b {{inputs.topic}} {{steps.a.text}}", "model": "default"}},
      {"id": "c", "type": "generate_text", "data": {"prompt": "c {{inputs.topic}} {{steps.b.text}}", "model": "default"}},
      {"id": "done", "type": "end"}
    ],
    "edges": [
      {"id": "1", "source": "start", "target": "a"}, {"id": "2", "source": "a", "target": "b"},
      {"id": "3", "source": "b", "target": "c"}, {"id": "4", "source": "c", "target": "done"}
    ]})");
  std::vector<std::string> first, second;
  for (int i = 0; i < 6; ++i) first.push_back(Launch(tid, "first " + std::to_string(i)));
  ChildProcess a, b;
  StartWorker(a, "a", "100", {"--providers", providers("a"), "--workers", "4"});
  for (int i = 0; i < 2000 && now < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(now.load(), 2) << ReadAll(dir_ / "a.err");
  ASSERT_EQ(kill(a.pid, SIGSTOP), 0);
  a_paused = true;
  StartWorker(b, "b", "100", {"--providers", providers("b"), "--workers", "4"});
  ASSERT_TRUE(WaitWorkerUp("b")) << ReadAll(dir_ / "b.err");
  for (int i = 0; i < 6; ++i) second.push_back(Launch(tid, "second " + std::to_string(i)));
  // b takes the second executions over and waits for room while a holds both slots.
  const bool b_running = WaitAll(second, "running");
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  a_paused = false;
  ASSERT_EQ(kill(a.pid, SIGCONT), 0);
  ASSERT_TRUE(b_running) << ReadAll(dir_ / "b.err");
  EXPECT_EQ(b_while_a_paused.load(), 0);

  ASSERT_TRUE(WaitAll(first, "completed")) << ReadAll(dir_ / "a.err");
  ASSERT_TRUE(WaitAll(second, "completed")) << ReadAll(dir_ / "b.err");
  for (const auto& id : first) CheckEvents(id, {"a", "b", "c"});
  for (const auto& id : second) CheckEvents(id, {"a", "b", "c"});
  EXPECT_EQ(calls_a + calls_b, 36);
  EXPECT_GE(calls_a.load(), 1);
  EXPECT_GE(calls_b.load(), 1);
  EXPECT_EQ(peak.load(), 2) << "calls at once";
  EXPECT_EQ(a.Stop(SIGTERM), 0) << ReadAll(dir_ / "a.err");
  EXPECT_EQ(b.Stop(SIGTERM), 0) << ReadAll(dir_ / "b.err");
  EXPECT_EQ(server_.Stop(SIGTERM), 0) << ReadAll(dir_ / "serve.err");
}

}  // namespace
}  // namespace atelier::testing
