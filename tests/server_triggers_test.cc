// Inbound webhooks over loopback HTTP: a sender on 127.0.0.1 signs its deliveries with the secret
// the API answered once; the server launches and drives the execution, answers a retried delivery
// with the same execution, and refuses forged, replayed and unsigned ones in the error shape.
#include <gtest/gtest.h>

#include <chrono>

#include "atelier/app/triggers.h"
#include "tests/server_fixture.h"

namespace atelier::testing {
namespace {

class ServerTriggersTest : public ServerTest {
 protected:
  // POSTs `body` to the trigger's URL as a sender would, signed with `secret`, no API key.
  Resp Deliver(const Json& trigger, const std::string& secret, const std::string& body,
               const std::string& delivery, int64_t skew_s = 0) {
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    const std::string ts = std::to_string(now + skew_s);
    httplib::Headers h = {{"X-Atelier-Timestamp", ts},
                          {"X-Atelier-Signature", TriggerService::Sign(secret, ts, body)},
                          {"X-Atelier-Delivery", delivery}};
    return Call("POST", trigger["url"].get<std::string>(), "", body, h);
  }
};

TEST_F(ServerTriggersTest, ASignedDeliveryLaunchesOnceAndTheServerDrivesIt) {
  Resp made =
      Post("/api/v1/triggers", editor(),
           {{"name", "cms"}, {"template", "Instagram post"}, {"map", {{"product", "/data/name"}}}});
  ASSERT_EQ(made.status, 201) << made.raw;
  const std::string secret = made.body["secret"];
  EXPECT_EQ(made.body["url"], "/api/v1/hooks/" + made.body["id"].get<std::string>());
  Resp shown = Get("/api/v1/triggers/" + made.body["id"].get<std::string>(), viewer());
  ASSERT_EQ(shown.status, 200);
  EXPECT_FALSE(shown.body.contains("secret"));  // shown once, at creation

  const std::string body = R"({"event": "product.published", "data": {"name": "oat milk"}})";
  Resp first = Deliver(made.body, secret, body, "evt_100");
  ASSERT_EQ(first.status, 201) << first.raw;
  const std::string ex = first.body["id"];
  EXPECT_EQ(WaitFor(ex, {"completed"}), "completed");
  Resp retried = Deliver(made.body, secret, body, "evt_100");
  ASSERT_EQ(retried.status, 200) << retried.raw;
  EXPECT_EQ(retried.body["id"], ex);
  EXPECT_EQ(retried.headers.find("Idempotent-Replayed")->second, "true");
  Resp listed = Get("/api/v1/triggers", viewer());
  ASSERT_EQ(listed.body["items"].size(), 1u);
  EXPECT_EQ(listed.body["items"][0]["delivery_count"], 1);
  EXPECT_EQ(listed.body["items"][0]["last_execution_id"], ex);
  EXPECT_EQ(Get("/api/v1/executions", viewer()).body["items"].size(), 1u);
}

TEST_F(ServerTriggersTest, ForgedReplayedUnsignedAndPausedDeliveriesAreRefused) {
  Resp made =
      Post("/api/v1/triggers", editor(), {{"name", "form"}, {"template", "Instagram post"}});
  ASSERT_EQ(made.status, 201) << made.raw;
  const std::string secret = made.body["secret"];
  const std::string body = R"({"product": "kefir"})";
  Resp forged = Deliver(made.body, "whsec_guess", body, "d1");
  EXPECT_EQ(forged.status, 401) << forged.raw;
  EXPECT_EQ(forged.body["error"]["code"], "unauthenticated");
  Resp old = Deliver(made.body, secret, body, "d1", -3600);
  EXPECT_EQ(old.status, 401) << old.raw;
  EXPECT_NE(old.raw.find("behind"), std::string::npos);
  Resp unsigned_ = Call("POST", made.body["url"].get<std::string>(), "", body);
  EXPECT_EQ(unsigned_.status, 401) << unsigned_.raw;
  Resp unknown = Deliver({{"url", "/api/v1/hooks/trg_missing"}}, secret, body, "d1");
  EXPECT_EQ(unknown.status, 404) << unknown.raw;
  Resp unfit = Deliver(made.body, secret, R"({"hashtags": "many"})", "d2");
  EXPECT_EQ(unfit.status, 422) << unfit.raw;
  EXPECT_EQ(unfit.body["error"]["details"]["errors"].size(), 2u) << unfit.raw;
  const std::string id = made.body["id"];
  ASSERT_EQ(Call("PATCH", "/api/v1/triggers/" + id, editor(), R"({"paused": true})").status, 200);
  EXPECT_EQ(Deliver(made.body, secret, body, "d3").status, 409);
  EXPECT_EQ(Get("/api/v1/executions", viewer()).body["items"].size(), 0u);
  // Rotation: the old secret stops working, the new one (answered once) works.
  Resp rotated = Post("/api/v1/triggers/" + id + "/rotate", editor());
  ASSERT_EQ(rotated.status, 200) << rotated.raw;
  ASSERT_EQ(Call("PATCH", "/api/v1/triggers/" + id, editor(), R"({"paused": false})").status, 200);
  EXPECT_EQ(Deliver(made.body, secret, body, "d4").status, 401);
  EXPECT_EQ(Deliver(made.body, rotated.body["secret"], body, "d4").status, 201);
  EXPECT_EQ(Call("DELETE", "/api/v1/triggers/" + id, viewer()).status, 403);
  EXPECT_EQ(Call("DELETE", "/api/v1/triggers/" + id, editor()).status, 204);
  EXPECT_EQ(Deliver(made.body, rotated.body["secret"], body, "d5").status, 404);
}

}  // namespace
}  // namespace atelier::testing
