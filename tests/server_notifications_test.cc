// Outbound notifications over loopback HTTP: a receiver on 127.0.0.1 (on the operator's
// allow-list) gets the chosen events of the workspace's executions, signed with the endpoint's
// secret, once each; a receiver that fails twice gets the same delivery three times; failures
// are visible and a failed delivery can be sent again; a launch's own callback reports that
// execution alone; events committed while no notifier ran are delivered after a restart; two
// notifiers reading the log at once make one delivery per event; hosts off the list are refused.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "atelier/app/notifications.h"
#include "atelier/app/notifier.h"
#include "atelier/blob/sha256.h"
#include "atelier/providers/http/curl_http_client.h"
#include "tests/server_fixture.h"

namespace atelier::testing {
namespace {

const char* kQuick = R"({
  "name": "Notify quick",
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "text", "type": "generate_text", "data": {"prompt": "About {{inputs.topic}}", "max_tokens": 20}},
    {"id": "done", "type": "end"}
  ],
  "inputs": {"topic": {"type": "string", "required": true}},
  "edges": [{"id": "1", "source": "start", "target": "text"}, {"id": "2", "source": "text", "target": "done"}]
})";

const char* kGated = R"({
  "name": "Notify gated",
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "gate", "type": "approval", "data": {"message": "Publish?"}},
    {"id": "done", "type": "end"}
  ],
  "edges": [{"id": "1", "source": "start", "target": "gate"}, {"id": "2", "source": "gate", "target": "done"}]
})";

// What the receiver got: one request.
struct Received {
  std::string path;
  std::string body;
  httplib::Headers headers;
  std::string header(const std::string& k) const {
    auto it = headers.find(k);
    return it == headers.end() ? "" : it->second;
  }
};

class NotificationsTest : public ServerTest {
 protected:
  void SetUp() override {
    receiver_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      int status = 200;
      {
        std::lock_guard l(mu_);
        got_.push_back({req.path, req.body, req.headers});
        if (!answers_.empty()) {
          status = answers_.front();
          answers_.erase(answers_.begin());
        } else {
          status = default_answer_;
        }
      }
      res.status = status;
      res.set_content(status < 300 ? "ok" : "not now", "text/plain");
    });
    port_ = receiver_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    listener_ = std::thread([this] { receiver_.listen_after_bind(); });
    providers_file_ = dir_ / "providers.json";
    WriteAll(providers_file_,
             Json{{"http", {{"allow_hosts", {"127.0.0.1:" + std::to_string(port_)}}}}}.dump());
    configure_ = [this](ServerOptions* so) {
      so->notifications = notify_;
      so->notifier.poll_ms = 20;
      so->notifier.first_backoff_ms = 50;
      so->notifier.max_attempts = max_attempts_;
      so->notifier.timeout_ms = 5000;
    };
    ServerTest::SetUp();
  }
  void TearDown() override {
    ServerTest::TearDown();
    receiver_.stop();
    if (listener_.joinable()) listener_.join();
  }

  std::string Url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<Received> Got() {
    std::lock_guard l(mu_);
    return got_;
  }
  // Waits until the receiver got `n` requests (or ~10 s).
  std::vector<Received> WaitGot(size_t n) {
    for (int i = 0; i < 500 && Got().size() < n; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return Got();
  }
  // Polls a delivery until its status is `want`.
  Json WaitDelivery(const std::string& id, const std::string& want) {
    Json d;
    for (int i = 0; i < 500; ++i) {
      d = Get("/api/v1/notifications/deliveries/" + id, viewer()).body;
      if (d.value("status", "") == want) return d;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "delivery " << id << " stayed " << d.dump();
    return d;
  }
  Json Deliveries(const std::string& query = "") {
    Resp r = Get("/api/v1/notifications/deliveries" + query, viewer());
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body["items"];
  }
  // Checks the signature as a receiver must: HMAC-SHA256 of "TIMESTAMP.BODY" under the secret.
  static bool Signed(const Received& r, const std::string& secret) {
    return r.header("X-Atelier-Signature") ==
           "sha256=" + HmacSha256Hex(secret, r.header("X-Atelier-Timestamp") + "." + r.body);
  }
  std::string QuickTemplate() {
    if (quick_.empty()) quick_ = CreateTemplate(kQuick);
    return quick_;
  }

  httplib::Server receiver_;
  std::thread listener_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<Received> got_;
  std::vector<int> answers_;  // the statuses of the next requests, then default_answer_
  int default_answer_ = 200;
  bool notify_ = true;
  int max_attempts_ = 10;
  std::string quick_;
};

TEST_F(NotificationsTest, AnEndpointGetsEachChosenEventOnceSigned) {
  Resp made = Post("/api/v1/notifications/endpoints", editor(),
                   {{"name", "crm"},
                    {"url", Url("/hooks/atelier")},
                    {"events", {"execution_completed", "execution_failed"}}});
  ASSERT_EQ(made.status, 201) << made.raw;
  const std::string secret = made.body["secret"];
  EXPECT_EQ(made.body["kind"], "workspace");
  EXPECT_FALSE(Get("/api/v1/notifications/endpoints/" + made.body["id"].get<std::string>(),
                   viewer())
                   .body.contains("secret"));

  const std::string ex = Launch(QuickTemplate(), {{"topic", "otters"}});
  ASSERT_EQ(WaitFor(ex, {"completed"}), "completed");
  auto got = WaitGot(1);
  ASSERT_EQ(got.size(), 1u);
  const Received& r = got[0];
  EXPECT_EQ(r.path, "/hooks/atelier");
  EXPECT_EQ(r.header("X-Atelier-Event"), "execution_completed");
  EXPECT_TRUE(Signed(r, secret)) << r.header("X-Atelier-Signature");
  EXPECT_FALSE(Signed(r, "whsec_other"));
  Json body = Json::parse(r.body);
  EXPECT_EQ(body["type"], "execution_completed");
  EXPECT_EQ(body["id"], r.header("X-Atelier-Delivery"));
  EXPECT_EQ(body["execution"]["id"], ex);
  EXPECT_EQ(body["execution"]["status"], "completed");
  EXPECT_EQ(body["execution"]["template_name"], "Notify quick");

  // Visible through the API: delivered at the first attempt, with the body it sent.
  Json d = WaitDelivery(body["id"], "delivered");
  EXPECT_EQ(d["attempts"], 1);
  EXPECT_EQ(d["last_status_code"], 200);
  EXPECT_TRUE(d["last_error"].is_null());
  EXPECT_EQ(d["body"], body);
  EXPECT_EQ(d["execution_id"], ex);
  // Nothing more arrives: one event chosen, one delivery.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(Got().size(), 1u);
  EXPECT_EQ(Deliveries().size(), 1u);
  // Another workspace sees none of it.
  EXPECT_EQ(Get("/api/v1/notifications/deliveries", Key("viewer", "other")).body["items"].size(),
            0u);
  EXPECT_EQ(Get("/api/v1/notifications/deliveries/" + body["id"].get<std::string>(),
                Key("viewer", "other"))
                .status,
            404);
}

TEST_F(NotificationsTest, AReceiverThatFailsTwiceGetsTheSameDeliveryThreeTimes) {
  answers_ = {500, 503};
  Resp made = Post("/api/v1/notifications/endpoints", editor(),
                   {{"name", "flaky"}, {"url", Url("/in")}, {"events", {"execution_completed"}}});
  ASSERT_EQ(made.status, 201) << made.raw;
  const std::string ex = Launch(QuickTemplate(), {{"topic", "tea"}});
  ASSERT_EQ(WaitFor(ex, {"completed"}), "completed");
  auto got = WaitGot(3);
  ASSERT_EQ(got.size(), 3u);
  for (const Received& r : got) {
    EXPECT_EQ(r.header("X-Atelier-Delivery"), got[0].header("X-Atelier-Delivery"));
    EXPECT_EQ(r.body, got[0].body);  // the same bytes every time
    EXPECT_TRUE(Signed(r, made.body["secret"]));
  }
  Json d = WaitDelivery(got[0].header("X-Atelier-Delivery"), "delivered");
  EXPECT_EQ(d["attempts"], 3);
  EXPECT_TRUE(d["last_error"].is_null());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(Got().size(), 3u);
}

TEST_F(NotificationsTest, AFailedDeliveryShowsWhyAndCanBeSentAgain) {
  max_attempts_ = 2;
  server_.reset();
  app_.reset();
  StartServer();
  default_answer_ = 503;
  Resp made = Post("/api/v1/notifications/endpoints", editor(),
                   {{"name", "down"}, {"url", Url("/down?token=abc")}});
  ASSERT_EQ(made.status, 201) << made.raw;
  EXPECT_EQ(made.body["url"], Url("/down"));  // shown without its query string
  const std::string ex = Launch(QuickTemplate(), {{"topic", "rain"}});
  ASSERT_EQ(WaitFor(ex, {"completed"}), "completed");
  auto got = WaitGot(2);
  ASSERT_GE(got.size(), 2u);
  const std::string id = got[0].header("X-Atelier-Delivery");
  Json d = WaitDelivery(id, "failed");
  EXPECT_EQ(d["attempts"], 2);
  EXPECT_EQ(d["last_status_code"], 503);
  EXPECT_NE(d["last_error"].get<std::string>().find("HTTP 503"), std::string::npos) << d;
  EXPECT_EQ(d["url"], Url("/down"));  // no query string shown: tokens travel there
  EXPECT_EQ(Deliveries("?status=failed").size(), 1u);
  EXPECT_EQ(Deliveries("?status=delivered").size(), 0u);
  EXPECT_EQ(Deliveries("?execution_id=" + ex).size(), 1u);
  EXPECT_EQ(Get("/api/v1/notifications/deliveries?status=lost", viewer()).status, 400);

  // The receiver is back; a viewer may not resend, an editor may.
  default_answer_ = 200;
  EXPECT_EQ(Post("/api/v1/notifications/deliveries/" + id + "/resend", viewer()).status, 403);
  Resp again = Post("/api/v1/notifications/deliveries/" + id + "/resend", editor());
  ASSERT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.body["status"], "pending");
  d = WaitDelivery(id, "delivered");
  EXPECT_EQ(d["attempts"], 3);
  got = Got();
  EXPECT_EQ(got.back().header("X-Atelier-Delivery"), id);
  // A pending or delivered one: a delivered one can be sent again, a pending one is refused.
  EXPECT_EQ(Post("/api/v1/notifications/deliveries/dlv_missing/resend", editor()).status, 404);
}

TEST_F(NotificationsTest, ALaunchCallbackReportsItsOwnExecutionOnly) {
  // The launch endpoint exists from the first listing; rotating answers its secret.
  Resp list = Get("/api/v1/notifications/endpoints", viewer());
  ASSERT_EQ(list.status, 200) << list.raw;
  ASSERT_EQ(list.body["items"].size(), 1u) << list.raw;
  EXPECT_EQ(list.body["items"][0]["kind"], "launch");
  EXPECT_EQ(list.body["items"][0]["name"], kLaunchEndpointName);
  const std::string launch_ep = list.body["items"][0]["id"];
  Resp rotated = Post("/api/v1/notifications/endpoints/" + launch_ep + "/rotate", editor());
  ASSERT_EQ(rotated.status, 200) << rotated.raw;
  const std::string secret = rotated.body["secret"];
  // Receivers check its secret: it cannot be deleted.
  Resp gone = Call("DELETE", "/api/v1/notifications/endpoints/" + launch_ep, editor());
  EXPECT_EQ(gone.status, 409) << gone.raw;
  EXPECT_NE(gone.message().find("pause it"), std::string::npos) << gone.raw;
  // Its URL comes from each launch: it takes events and paused only.
  EXPECT_EQ(Call("PATCH", "/api/v1/notifications/endpoints/" + launch_ep, editor(),
                 R"({"url": "http://127.0.0.1:1/"})")
                .status,
            400);

  Resp launched = Post("/api/v1/executions", editor(),
                       {{"template_id", QuickTemplate()},
                        {"inputs", {{"topic", "bees"}}},
                        {"notify", {{"url", Url("/cb/1")}, {"events", {"execution_completed"}}}}});
  ASSERT_EQ(launched.status, 201) << launched.raw;
  const std::string ex = launched.body["id"];
  const std::string quiet = Launch(QuickTemplate(), {{"topic", "wasps"}});
  ASSERT_EQ(WaitFor(ex, {"completed"}), "completed");
  ASSERT_EQ(WaitFor(quiet, {"completed"}), "completed");
  auto got = WaitGot(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  got = Got();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].path, "/cb/1");
  EXPECT_TRUE(Signed(got[0], secret));
  EXPECT_EQ(Json::parse(got[0].body)["execution"]["id"], ex);
  Json items = Deliveries("?endpoint_id=" + launch_ep);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["execution_id"], ex);
}

TEST_F(NotificationsTest, HostsOffTheAllowListAndUnknownEventsAreRefused) {
  Resp off = Post("/api/v1/notifications/endpoints", editor(),
                  {{"name", "x"}, {"url", "http://169.254.169.254/latest"}});
  EXPECT_EQ(off.status, 400) << off.raw;
  EXPECT_EQ(off.body["error"]["details"]["field"], "url") << off.raw;
  EXPECT_NE(off.message().find("allow-list"), std::string::npos) << off.raw;
  Resp other_port = Post("/api/v1/notifications/endpoints", editor(),
                         {{"name", "x"}, {"url", "http://127.0.0.1:1/"}});
  EXPECT_EQ(other_port.status, 400) << other_port.raw;
  Resp scheme = Post("/api/v1/notifications/endpoints", editor(),
                     {{"name", "x"}, {"url", "file:///etc/passwd"}});
  EXPECT_EQ(scheme.status, 400) << scheme.raw;
  Resp event = Post("/api/v1/notifications/endpoints", editor(),
                    {{"name", "x"}, {"url", Url("/")}, {"events", {"step_started"}}});
  EXPECT_EQ(event.status, 400) << event.raw;
  EXPECT_NE(event.message().find("events[0]"), std::string::npos) << event.raw;
  Resp reserved = Post("/api/v1/notifications/endpoints", editor(),
                       {{"name", kLaunchEndpointName}, {"url", Url("/")}});
  EXPECT_EQ(reserved.status, 409) << reserved.raw;
  Resp tmpl = Post("/api/v1/notifications/endpoints", editor(),
                   {{"name", "x"}, {"url", Url("/")}, {"template", "No such template"}});
  EXPECT_EQ(tmpl.status, 404) << tmpl.raw;
  EXPECT_EQ(Post("/api/v1/notifications/endpoints", viewer(), {{"name", "x"}, {"url", Url("/")}})
                .status,
            403);
  Resp launch = Post("/api/v1/executions", editor(),
                     {{"template_id", QuickTemplate()},
                      {"inputs", {{"topic", "x"}}},
                      {"notify", {{"url", "http://10.0.0.1/cb"}}}});
  EXPECT_EQ(launch.status, 400) << launch.raw;
  EXPECT_EQ(launch.body["error"]["details"]["field"], "notify.url") << launch.raw;
  Resp extra = Post("/api/v1/executions", editor(),
                    {{"template_id", QuickTemplate()},
                     {"inputs", {{"topic", "x"}}},
                     {"notify", {{"url", Url("/")}, {"secret", "s"}}}});
  EXPECT_EQ(extra.status, 400) << extra.raw;
  // Nothing was made by any of them.
  EXPECT_EQ(Get("/api/v1/executions", viewer()).body["items"].size(), 0u);
  Json eps = Get("/api/v1/notifications/endpoints", viewer()).body["items"];
  ASSERT_EQ(eps.size(), 1u);  // the launch endpoint alone
}

TEST_F(NotificationsTest, AnApprovalWaitingIsReportedAndAPausedEndpointHoldsItsDeliveries) {
  Resp made = Post("/api/v1/notifications/endpoints", editor(),
                   {{"name", "people"},
                    {"url", Url("/approvals")},
                    {"events", {"approval_requested"}},
                    {"template", "Notify gated"},
                    {"paused", true}});
  ASSERT_EQ(made.status, 404) << made.raw;  // the template does not exist yet
  const std::string gated = CreateTemplate(kGated);
  made = Post("/api/v1/notifications/endpoints", editor(),
              {{"name", "people"},
               {"url", Url("/approvals")},
               {"events", {"approval_requested"}},
               {"template", "Notify gated"},
               {"paused", true}});
  ASSERT_EQ(made.status, 201) << made.raw;
  const std::string ex = Launch(gated, Json::object());
  const std::string other = Launch(QuickTemplate(), {{"topic", "x"}});
  ASSERT_EQ(WaitFor(ex, {"waiting"}), "waiting");
  ASSERT_EQ(WaitFor(other, {"completed"}), "completed");
  // Held while paused: made, not sent.
  Json items;
  for (int i = 0; i < 200 && items.empty(); ++i) {
    items = Deliveries();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["event"], "approval_requested");
  EXPECT_EQ(items[0]["status"], "pending");
  EXPECT_EQ(items[0]["held"], true);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(Got().size(), 0u);
  Resp resumed = Call("PATCH",
                      "/api/v1/notifications/endpoints/" + made.body["id"].get<std::string>(),
                      editor(), R"({"paused": false})");
  ASSERT_EQ(resumed.status, 200) << resumed.raw;
  // Resuming sends what was held at once.
  auto got = WaitGot(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].path, "/approvals");
  Json body = Json::parse(got[0].body);
  EXPECT_EQ(body["type"], "approval_requested");
  EXPECT_EQ(body["event"]["step_id"], "gate");
  EXPECT_EQ(body["event"]["payload"]["message"], "Publish?");
  Json d = WaitDelivery(items[0]["id"], "delivered");
  EXPECT_EQ(d["attempts"], 1);  // holding is not an attempt
  EXPECT_EQ(d["held"], false);
}

TEST_F(NotificationsTest, EventsCommittedWhileNoNotifierRanAreDeliveredAfterARestart) {
  server_.reset();
  app_.reset();
  notify_ = false;
  StartServer();
  Resp made = Post("/api/v1/notifications/endpoints", editor(),
                   {{"name", "later"}, {"url", Url("/later")}, {"events", {"execution_completed"}}});
  ASSERT_EQ(made.status, 201) << made.raw;
  const std::string a = Launch(QuickTemplate(), {{"topic", "a"}});
  const std::string b = Launch(QuickTemplate(), {{"topic", "b"}});
  ASSERT_EQ(WaitFor(a, {"completed"}), "completed");
  ASSERT_EQ(WaitFor(b, {"completed"}), "completed");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(Got().size(), 0u);
  server_.reset();
  app_.reset();
  notify_ = true;
  StartServer();
  auto got = WaitGot(2);
  ASSERT_EQ(got.size(), 2u);
  std::set<std::string> reported;
  for (const auto& r : got) reported.insert(Json::parse(r.body)["execution"]["id"]);
  EXPECT_EQ(reported, (std::set<std::string>{a, b}));
}

TEST_F(NotificationsTest, TwoNotifiersReadingTheLogAtOnceMakeOneDeliveryPerEvent) {
  server_.reset();
  app_.reset();
  notify_ = false;
  StartServer();
  ASSERT_EQ(Post("/api/v1/notifications/endpoints", editor(),
                 {{"name", "one"}, {"url", Url("/1")}, {"events", {"execution_completed"}}})
                .status,
            201);
  ASSERT_EQ(Post("/api/v1/notifications/endpoints", editor(),
                 {{"name", "two"}, {"url", Url("/2")}, {"events", {"execution_completed"}}})
                .status,
            201);
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(Launch(QuickTemplate(), {{"topic", "t"}}));
  for (const auto& id : ids) ASSERT_EQ(WaitFor(id, {"completed"}), "completed");
  SystemClock clock;
  NotifierOptions o;
  auto http = std::make_shared<CurlHttpClient>();
  Notifier n1(app_.get(), &clock, http, app_->shared_http_allow(), o);
  Notifier n2(app_.get(), &clock, http, app_->shared_http_allow(), o);
  std::atomic<int> made{0};
  auto run = [&](Notifier& n) {
    for (int i = 0; i < 20; ++i) {
      auto r = n.Expand();
      ASSERT_TRUE(r.has_value()) << r.error().ToString();
      made += *r;
    }
  };
  std::thread t1([&] { run(n1); });
  std::thread t2([&] { run(n2); });
  t1.join();
  t2.join();
  EXPECT_EQ(made.load(), 12);
  EXPECT_EQ(Deliveries("?limit=100").size(), 12u);
  // Both send what is due; each delivery goes out once.
  std::thread s1([&] { (void)n1.SendDue(); });
  std::thread s2([&] { (void)n2.SendDue(); });
  s1.join();
  s2.join();
  auto got = WaitGot(12);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(Got().size(), 12u);
  std::set<std::string> distinct;
  for (const auto& r : Got()) distinct.insert(r.header("X-Atelier-Delivery"));
  EXPECT_EQ(distinct.size(), 12u);
}

TEST(NotifyBackoff, GrowsThreefoldUpToItsCeiling) {
  NotifierOptions o;
  o.first_backoff_ms = 10'000;
  o.max_backoff_ms = 100'000;
  EXPECT_EQ(NotifyBackoffMs(o, 1), 10'000);
  EXPECT_EQ(NotifyBackoffMs(o, 2), 30'000);
  EXPECT_EQ(NotifyBackoffMs(o, 3), 90'000);
  EXPECT_EQ(NotifyBackoffMs(o, 4), 100'000);
  EXPECT_EQ(NotifyBackoffMs(o, 40), 100'000);
}

}  // namespace
}  // namespace atelier::testing
