// The real `atelier serve` binary: SIGKILLed mid-run and restarted, and many launches racing for
// a small credit balance. Both check what a workspace owner would: every execution finishes,
// every step ran to success exactly once, and the ledger charged each call once and never went
// below zero.
#include <signal.h>

#include <httplib.h>

#include <map>
#include <thread>

#include "tests/test_env.h"

namespace atelier::testing {
namespace {

// A running `atelier serve` on 127.0.0.1 with a free port, over the database in `dir`.
class ServeProcess {
 public:
  ServeProcess(const TempDir& dir, int n, const std::vector<std::string>& env = {}) {
    out_ = dir / ("serve" + std::to_string(n) + ".out");
    pid_ = SpawnAtelier(Args(), dir.path().string(), out_, out_ + ".err", env);
    const ServeBanner banner = WaitForServeBanner(out_);
    port_ = banner.port;
    key_ = banner.admin_key;
  }
  ~ServeProcess() {
    if (pid_ > 0) Kill(SIGTERM);
  }
  static std::vector<std::string> Args() {
    return {"serve",       "--db",           "atelier.db", "--listen", "127.0.0.1:0",
            "--providers", "providers.json", "--grace-ms",   "500"};
  }
  int Kill(int sig) {
    kill(pid_, sig);
    int rc = Reap(pid_);
    pid_ = -1;
    return rc;
  }
  // Sends `sig` without reaping: a killed process stays a zombie until Kill or the destructor.
  void Signal(int sig) { kill(pid_, sig); }
  // Waits up to `ms` for the process to exit by itself and returns its exit code (128 + signal
  // when killed); -1 when it was still running (it is then killed).
  int Wait(int ms) {
    int rc = WaitExit(pid_, ms);
    pid_ = -1;
    return rc;
  }
  static int WaitExit(pid_t pid, int ms) {
    for (int waited = 0; waited < ms; waited += 10) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid)
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(pid, SIGKILL);
    Reap(pid);
    return -1;
  }
  int port() const { return port_; }
  const std::string& printed_key() const { return key_; }
  std::string log() const { return ReadAll(out_) + ReadAll(out_ + ".err"); }

 private:
  std::string out_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string key_;
};

class Api {
 public:
  Api(int port, std::string key) : cli_("127.0.0.1", port), key_(std::move(key)) {
    cli_.set_read_timeout(10, 0);
  }
  std::pair<int, Json> Call(const std::string& method, const std::string& path,
                            const Json& body = nullptr) {
    httplib::Headers h = {{"Authorization", "Bearer " + key_}};
    httplib::Result r = method == "GET"
                            ? cli_.Get(path.c_str(), h)
                            : cli_.Post(path.c_str(), h, body.is_null() ? "{}" : body.dump(),
                                        "application/json");
    if (!r) return {0, nullptr};
    Json j = r->body.empty() ? Json() : Json::parse(r->body, nullptr, false);
    return {r->status, j};
  }

 private:
  httplib::Client cli_;
  std::string key_;
};

const char* kPrices = R"({"prices": {"offline": {"per_image": 1.0}}})";

// Per execution: 3 images in a chain and a map of 4 more, 7 credits in all.
const char* kFlow = R"({"name": "Crashy", "nodes": [
  {"id": "start", "type": "start"},
  {"id": "a", "type": "generate_image", "data": {"prompt": "a {{inputs.n}}", "size": "16x16", "latency_ms": 150, "cache": false}},
  {"id": "b", "type": "generate_image", "data": {"prompt": "b {{inputs.n}}", "size": "16x16", "latency_ms": 150, "cache": false}},
  {"id": "c", "type": "generate_image", "data": {"prompt": "c {{inputs.n}}", "size": "16x16", "latency_ms": 150, "cache": false}},
  {"id": "m", "type": "map", "data": {"items": [1, 2, 3, 4], "concurrency": 2,
     "node": {"type": "generate_image", "data": {"prompt": "m {{inputs.n}} {{item}}", "size": "16x16", "latency_ms": 120, "cache": false}}}}],
  "inputs": {"n": {"type": "integer", "required": true}},
  "edges": [{"id": "1", "source": "start", "target": "a"}, {"id": "2", "source": "a", "target": "b"},
            {"id": "3", "source": "b", "target": "c"}, {"id": "4", "source": "start", "target": "m"}]})";

TEST(ServerCrash, KilledServerFinishesEveryExecutionOnRestartWithEachCallChargedOnce) {
  TempDir d;
  WriteAll(d / "providers.json", kPrices);
  auto first = std::make_unique<ServeProcess>(d, 1);
  ASSERT_GT(first->port(), 0) << first->log();
  const std::string key = first->printed_key();
  ASSERT_EQ(key.size(), 44u) << first->log();
  std::vector<std::string> ids;
  {
    Api api(first->port(), key);
    ASSERT_EQ(api.Call("POST", "/api/v1/credits/grants", {{"amount", 100'000'000}}).first, 201);
    auto [st, tpl] = api.Call("POST", "/api/v1/templates", Json::parse(kFlow));
    ASSERT_EQ(st, 201) << tpl.dump();
    for (int n = 0; n < 4; ++n) {
      auto [s, ex] = api.Call("POST", "/api/v1/executions",
                              {{"template_id", tpl["id"]}, {"inputs", {{"n", n}}}});
      ASSERT_EQ(s, 201) << ex.dump();
      ids.push_back(ex["id"]);
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  EXPECT_EQ(first->Kill(SIGKILL), 128 + SIGKILL);

  // Restart, kill again mid-run, and restart for good.
  {
    ServeProcess second(d, 2);
    ASSERT_GT(second.port(), 0) << second.log();
    EXPECT_TRUE(second.printed_key().empty()) << "the admin key is printed only on the first start";
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    second.Kill(SIGKILL);
  }
  ServeProcess third(d, 3);
  ASSERT_GT(third.port(), 0) << third.log();
  Api api(third.port(), key);
  int recovered = 0;
  for (const auto& id : ids) {
    std::string status;
    for (int i = 0; i < 300 && status != "completed"; ++i) {
      status = api.Call("GET", "/api/v1/executions/" + id).second.value("status", "");
      if (status != "completed") std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(status, "completed") << id << "\n" << third.log();
    auto [s, events] = api.Call("GET", "/api/v1/executions/" + id + "/events?limit=1000");
    ASSERT_EQ(s, 200);
    std::map<std::string, int> succeeded;
    int64_t seq = 0;
    for (const auto& e : events["items"]) {
      EXPECT_EQ(e["seq"].get<int64_t>(), ++seq) << "gap in the event log of " << id;
      if (e["type"] == "step_succeeded") succeeded[e["step"].get<std::string>()]++;
      if (e["type"] == "step_recovered") ++recovered;
    }
    for (const char* step : {"start", "a", "b", "c", "m", "m[0]", "m[1]", "m[2]", "m[3]"})
      EXPECT_EQ(succeeded[step], 1) << id << " " << step;
  }
  EXPECT_GE(recovered, 1) << "a kill landed while steps were running";
  auto [s, credits] = api.Call("GET", "/api/v1/credits");
  ASSERT_EQ(s, 200);
  EXPECT_EQ(credits["reserved"], 0) << credits.dump();
  EXPECT_EQ(credits["spent"], 4 * 7 * 1'000'000) << "each image charged once: " << credits.dump();
  EXPECT_EQ(credits["balance"], 100'000'000 - 4 * 7 * 1'000'000);
}

// A server that cannot adopt an execution at start (its owner is alive) keeps trying, and takes it
// over once the owner is gone: here a zombie, killed but not yet reaped by its parent.
TEST(ServerCrash, AnOrphanIsAdoptedOnceItsOwnerDiesWithoutAnotherRestart) {
  TempDir d;
  WriteAll(d / "providers.json", "{}");
  ServeProcess first(d, 1);
  ASSERT_GT(first.port(), 0) << first.log();
  const std::string key = first.printed_key();
  std::string id;
  {
    Api api(first.port(), key);
    auto [st, tpl] = api.Call("POST", "/api/v1/templates", Json::parse(R"({"name": "Slow chain",
      "nodes": [{"id": "start", "type": "start"},
        {"id": "a", "type": "generate_text", "data": {"prompt": "a", "latency_ms": 400}},
        {"id": "b", "type": "generate_text", "data": {"prompt": "b", "latency_ms": 400}},
        {"id": "c", "type": "generate_text", "data": {"prompt": "c", "latency_ms": 400}}],
      "edges": [{"id": "1", "source": "start", "target": "a"}, {"id": "2", "source": "a", "target": "b"},
                {"id": "3", "source": "b", "target": "c"}]})"));
    ASSERT_EQ(st, 201) << tpl.dump();
    auto [s, ex] = api.Call("POST", "/api/v1/executions", {{"template_id", tpl["id"]}});
    ASSERT_EQ(s, 201) << ex.dump();
    id = ex["id"];
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  first.Signal(SIGSTOP);  // alive, holding its lease, doing nothing
  ServeProcess second(d, 2);
  ASSERT_GT(second.port(), 0) << second.log();
  Api api(second.port(), key);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(api.Call("GET", "/api/v1/executions/" + id).second.value("status", ""), "running");
  EXPECT_NE(second.log().find("executions driven by other live processes"), std::string::npos)
      << second.log();
  first.Signal(SIGKILL);  // a zombie now: not reaped until `first` goes out of scope
  std::string status;
  for (int i = 0; i < 200 && status != "completed"; ++i) {
    status = api.Call("GET", "/api/v1/executions/" + id).second.value("status", "");
    if (status != "completed") std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(status, "completed") << second.log();
}

TEST(ServerCrash, ConcurrentLaunchesNeverOverdrawASmallBalance) {
  TempDir d;
  WriteAll(d / "providers.json", kPrices);
  ServeProcess server(d, 1);
  ASSERT_GT(server.port(), 0) << server.log();
  const std::string key = server.printed_key();
  Api admin(server.port(), key);
  ASSERT_EQ(admin.Call("POST", "/api/v1/credits/grants", {{"amount", 5'000'000}}).first, 201);
  auto [st, tpl] = admin.Call("POST", "/api/v1/templates", Json::parse(R"({"name": "One",
    "inputs": {"n": {"type": "integer", "required": true}},
    "nodes": [{"id": "start", "type": "start"},
              {"id": "img", "type": "generate_image", "data": {"prompt": "tile {{inputs.n}}", "size": "16x16", "latency_ms": 50}}],
    "edges": [{"id": "1", "source": "start", "target": "img"}]})"));
  ASSERT_EQ(st, 201) << tpl.dump();
  const Json template_id = tpl["id"];  // a lambda cannot capture a structured binding (clang 14)

  constexpr int kLaunches = 16;
  std::vector<std::string> ids(kLaunches);
  std::vector<std::thread> threads;
  for (int i = 0; i < kLaunches; ++i)
    threads.emplace_back([&, i] {
      Api api(server.port(), key);
      auto [s, ex] = api.Call("POST", "/api/v1/executions",
                              {{"template_id", template_id}, {"inputs", {{"n", i}}}});
      if (s == 201) ids[i] = ex["id"];
    });
  for (auto& t : threads) t.join();
  std::map<std::string, int> by_status;
  for (const auto& id : ids) {
    ASSERT_FALSE(id.empty());
    std::string status;
    for (int i = 0; i < 200; ++i) {
      status = admin.Call("GET", "/api/v1/executions/" + id).second.value("status", "");
      if (status == "completed" || status == "paused") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    by_status[status]++;
  }
  EXPECT_EQ(by_status["completed"], 5);
  EXPECT_EQ(by_status["paused"], kLaunches - 5);
  auto credits = admin.Call("GET", "/api/v1/credits").second;
  EXPECT_EQ(credits["balance"], 0) << credits.dump();

  // A grant resumes what was paused for credits.
  ASSERT_EQ(admin.Call("POST", "/api/v1/credits/grants", {{"amount", 20'000'000}}).first, 201);
  for (const auto& id : ids) {
    std::string status;
    for (int i = 0; i < 200 && status != "completed"; ++i) {
      status = admin.Call("GET", "/api/v1/executions/" + id).second.value("status", "");
      if (status != "completed") std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    EXPECT_EQ(status, "completed") << id;
  }
  credits = admin.Call("GET", "/api/v1/credits").second;
  EXPECT_EQ(credits["spent"], kLaunches * 1'000'000) << credits.dump();
  EXPECT_EQ(credits["balance"], 25'000'000 - kLaunches * 1'000'000);
  EXPECT_EQ(credits["reserved"], 0);
}

// A poison pill on the server: step `boom` aborts every process that runs it
// (ATELIER_FAULT_ABORT_STEP). Every restart adopts its execution and dies with it, until the step
// has crashed three processes in a row; the next start fails the step instead of running it, and
// that server stays up, answering and running everyone else's work.
TEST(ServerCrash, APoisonPillTakesTheServerDownOnlyUntilItsStepIsFailed) {
  TempDir d;
  WriteAll(d / "providers.json", kPrices);
  const std::vector<std::string> fault = {"ATELIER_FAULT_ABORT_STEP=boom"};
  auto first = std::make_unique<ServeProcess>(d, 1, fault);
  ASSERT_GT(first->port(), 0) << first->log();
  const std::string key = first->printed_key();
  ASSERT_EQ(key.size(), 44u) << first->log();
  std::string id;
  {
    Api api(first->port(), key);
    ASSERT_EQ(api.Call("POST", "/api/v1/credits/grants", {{"amount", 100'000'000}}).first, 201);
    auto [st, tpl] = api.Call("POST", "/api/v1/templates", Json::parse(R"({"name": "Poison",
      "nodes": [{"id": "start", "type": "start"},
                {"id": "first", "type": "generate_text", "data": {"prompt": "first", "latency_ms": 300}},
                {"id": "boom", "type": "generate_image", "data": {"prompt": "{{steps.first.text}}", "size": "16x16", "cache": false}}],
      "edges": [{"id": "1", "source": "start", "target": "first"}, {"id": "2", "source": "first", "target": "boom"}]})"));
    ASSERT_EQ(st, 201) << tpl.dump();
    // `first` takes long enough for the answer to leave before `boom` aborts the process.
    auto [s, ex] = api.Call("POST", "/api/v1/executions", {{"template_id", tpl["id"]}});
    ASSERT_EQ(s, 201) << ex.dump();
    id = ex["id"];
  }
  EXPECT_EQ(first->Wait(20000), 128 + SIGABRT) << first->log();
  for (int n = 2; n <= 3; ++n) {
    const std::string out = d / ("serve" + std::to_string(n) + ".out");
    pid_t pid = SpawnAtelier(ServeProcess::Args(), d.path().string(), out, out + ".err", fault);
    ASSERT_EQ(ServeProcess::WaitExit(pid, 20000), 128 + SIGABRT)
        << "restart " << n << " adopts it and dies with it\n"
        << ReadAll(out) << ReadAll(out + ".err");
  }

  ServeProcess fourth(d, 4, fault);
  ASSERT_GT(fourth.port(), 0) << fourth.log();
  Api api(fourth.port(), key);
  EXPECT_EQ(api.Call("GET", "/healthz").first, 200);
  Json ex = Json::object();
  for (int i = 0; i < 200 && ex.value("status", "") != "failed"; ++i) {
    ex = api.Call("GET", "/api/v1/executions/" + id).second;
    if (!ex.is_object()) ex = Json::object();
    if (ex.value("status", "") != "failed")
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_EQ(ex.value("status", ""), "failed") << ex.dump() << "\n" << fourth.log();
  EXPECT_EQ(ex["error"].value("step", ""), "boom") << ex.dump();
  EXPECT_NE(ex["error"].value("message", "").find("died 3 times in a row"), std::string::npos)
      << ex.dump();
  auto [s, steps] = api.Call("GET", "/api/v1/executions/" + id + "/steps");
  ASSERT_EQ(s, 200);
  for (const auto& st : steps["items"]) {
    if (st["id"] == "boom") {
      EXPECT_EQ(st["status"], "failed");
      EXPECT_EQ(st["crashes"], 3);
    }
  }
  auto [es, events] = api.Call("GET", "/api/v1/executions/" + id + "/events?limit=1000");
  ASSERT_EQ(es, 200);
  int64_t seq = 0;
  int failed = 0;
  for (const auto& e : events["items"]) {
    EXPECT_EQ(e["seq"].get<int64_t>(), ++seq) << "gap in the event log";
    if (e["type"] == "step_failed" && e["step"] == "boom") ++failed;
  }
  EXPECT_EQ(failed, 1);

  // The server that failed it serves everyone else: another template runs to completion.
  auto [ts, fine] = api.Call("POST", "/api/v1/templates", Json::parse(R"({"name": "Fine",
    "nodes": [{"id": "start", "type": "start"},
              {"id": "img", "type": "generate_image", "data": {"prompt": "fine", "size": "16x16", "cache": false}}],
    "edges": [{"id": "1", "source": "start", "target": "img"}]})"));
  ASSERT_EQ(ts, 201) << fine.dump();
  auto [ls, other] = api.Call("POST", "/api/v1/executions", {{"template_id", fine["id"]}});
  ASSERT_EQ(ls, 201) << other.dump();
  std::string status;
  for (int i = 0; i < 200 && status != "completed"; ++i) {
    status = api.Call("GET", "/api/v1/executions/" + other["id"].get<std::string>())
                 .second.value("status", "");
    if (status != "completed") std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_EQ(status, "completed") << fourth.log();
  EXPECT_EQ(api.Call("GET", "/healthz").first, 200);
  // Each of boom's three attempts reserved a credit, and each was refunded.
  auto credits = api.Call("GET", "/api/v1/credits").second;
  EXPECT_EQ(credits["reserved"], 0) << credits.dump();
  EXPECT_EQ(credits["spent"], 1'000'000) << "only the other execution's image: " << credits.dump();
}

}  // namespace
}  // namespace atelier::testing
