// Injected storage faults through the real HTTP server (issue 12): while the database's disk is
// full or failing, requests that would write answer 503 in the API's error shape and change
// nothing, reads go on, the process stays up, and once the fault clears everything works again
// with nothing lost.
#include <sqlite3.h>

#include "tests/fault_vfs.h"
#include "tests/server_fixture.h"

namespace atelier::testing {
namespace {

using faults::Op;

class ServerFaults : public ServerTest {
 protected:
  void SetUp() override {
    faults::Install();  // before the App opens the database, so its connections use the shim
    ServerTest::SetUp();
  }
  void TearDown() override {
    faults::Disarm();
    ServerTest::TearDown();
  }

  Json Launch2() { return {{"template_id", tpl_}, {"inputs", {{"product", "oat milk"}}}}; }

  void ExpectUnavailable(const Resp& r, const std::string& what) {
    EXPECT_EQ(r.status, 503) << what << ": " << r.raw;
    EXPECT_EQ(r.code(), "unavailable") << what << ": " << r.raw;
    EXPECT_NE(r.message().find("nothing was changed"), std::string::npos) << what << ": " << r.raw;
  }

  std::string tpl_;
};

TEST_F(ServerFaults, AFullDiskAnswers503AndLosesNothing) {
  tpl_ = CreateTemplate(UserTemplateFile("templates/instagram_post.json"));
  std::string first = Launch(tpl_, {{"product", "oat milk"}});
  EXPECT_EQ(WaitFor(first, {"completed"}), "completed");

  faults::Arm({Op::kWrite, 1, SQLITE_FULL, /*sticky=*/true});
  ExpectUnavailable(Post("/api/v1/executions", editor(), Launch2()), "a launch");
  ExpectUnavailable(Post("/api/v1/credits/grants", admin(), {{"amount", 5}}), "a grant");
  ExpectUnavailable(Call("POST", "/api/v1/templates", editor(),
                         R"({"name": "Another", "nodes": [{"id": "start", "type": "start"}], "edges": []})"),
                    "a new template");
  // Reads still answer, and the server is still up.
  EXPECT_EQ(Get("/api/v1/executions/" + first, viewer()).status, 200);
  EXPECT_EQ(Get("/healthz", "").status, 200);
  EXPECT_GT(faults::Fired(), 0);

  faults::Disarm();
  Resp again = Post("/api/v1/executions", editor(), Launch2());
  ASSERT_EQ(again.status, 201) << again.raw;
  EXPECT_EQ(WaitFor(again.body.value("id", ""), {"completed"}), "completed");
  // The refused requests left nothing behind: two executions, no grant, no second template.
  EXPECT_EQ(Get("/api/v1/executions", viewer()).body["items"].size(), 2u);
  EXPECT_EQ(Get("/api/v1/credits", viewer()).body.value("granted", -1), 0);
  EXPECT_EQ(Get("/api/v1/templates?q=Another", viewer()).body["items"].size(), 0u);
}

TEST_F(ServerFaults, AnExecutionRunningWhenTheDiskFailsFinishesOnceItClears) {
  tpl_ = CreateTemplate(UserTemplateFile("templates/instagram_post.json"));
  faults::Arm({Op::kWrite, 4, SQLITE_IOERR_WRITE, /*sticky=*/true});
  Resp r = Post("/api/v1/executions", editor(), Launch2());
  std::string id = r.status == 201 ? r.body.value("id", "") : "";
  if (r.status != 201) ExpectUnavailable(r, "a launch");
  for (int i = 0; i < 500 && faults::Fired() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_EQ(Get("/healthz", "").status, 200);
  faults::Disarm();
  if (id.empty()) id = Launch(tpl_, {{"product", "oat milk"}});
  EXPECT_EQ(WaitFor(id, {"completed", "failed"}), "completed");
  Resp events = Get("/api/v1/executions/" + id + "/events?limit=1000", viewer());
  ASSERT_EQ(events.status, 200);
  int64_t seq = 0;
  for (const auto& e : events.body["items"]) EXPECT_EQ(e.value("seq", 0), ++seq) << "a gap";
}

// While the database cannot be read (every lock refused, as when it is away), the server's
// background loops fail at every pass: adoption, schedules and notifications each say so once,
// not at each of their dozens of passes, and once it clears each says once that it works again.
class ServerOutage : public ServerFaults {
 protected:
  void SetUp() override {
    configure_ = [](ServerOptions* so) {
      so->adopt_interval_ms = 50;
      so->schedule_poll_ms = 50;
      so->notifier.poll_ms = 50;
    };
    ServerFaults::SetUp();
  }
  int Said(const std::string& what) {
    std::lock_guard<std::mutex> l(log_mu_);
    int n = 0;
    for (const auto& line : logs_) n += line.find(what) != std::string::npos;
    return n;
  }
};

TEST_F(ServerOutage, TheBackgroundLoopsSayAnOutageOnceAndItsEnd) {
  faults::Arm({Op::kLock, 1, SQLITE_IOERR_LOCK, /*sticky=*/true});
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // about 30 passes of each
  const int64_t refused = faults::Fired();
  faults::Disarm();
  EXPECT_GE(refused, 30);
  const std::vector<std::string> ended = {"adoption works again", "schedules fire again",
                                          "notifications work again"};
  for (int i = 0; i < 500; ++i) {
    bool all = true;
    for (const auto& e : ended) all = all && Said(e) > 0;
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(Said("cannot list workspaces to adopt executions"), 1);
  EXPECT_EQ(Said("schedules not fired yet"), 1);
  EXPECT_EQ(Said("notifications not read yet") + Said("notifications not sent yet"), 1);
  for (const auto& e : ended) EXPECT_EQ(Said(e), 1) << e;
}

}  // namespace
}  // namespace atelier::testing
