// TriggerService over a real App (SQLite in a temporary folder) on a fake clock: what a trigger
// may say, how a delivery is authenticated (signature, timestamp window, rotation), how its body
// becomes the inputs, and that a retried delivery never launches twice.
#include "atelier/app/triggers.h"

#include <gtest/gtest.h>

#include "atelier/app/app.h"
#include "atelier/app/engine_launch_service.h"
#include "atelier/blob/sha256.h"
#include "tests/test_env.h"

namespace atelier {
namespace {

constexpr int64_t kNow = 1803891600000;  // 2027-03-01T09:00:00Z
constexpr const char* kWs = App::kWorkspace;

class TriggersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AppOptions o;
    o.db_path = dir_ / "atelier.db";
    auto app = App::Open(o);
    ASSERT_TRUE(app) << app.error().ToString();
    app_ = std::move(*app);
    launch_ = std::make_unique<EngineLaunchService>(app_.get(), /*drive_here=*/false);
    svc_ = std::make_unique<TriggerService>(app_.get(), launch_.get(), &clock_);
  }

  TriggerRecord MustCreate(const Json& body) {
    auto r = svc_->Create(kWs, body);
    EXPECT_TRUE(r) << r.error().status.ToString();
    return r ? *r : TriggerRecord{};
  }

  // A delivery signed as a sender signs it, `skew_s` seconds off the server's clock.
  Delivery Signed(const TriggerRecord& t, const std::string& body, const std::string& id,
                  int64_t skew_s = 0) {
    Delivery d;
    d.trigger_id = t.id;
    d.timestamp = std::to_string(kNow / 1000 + skew_s);
    d.signature = TriggerService::Sign(t.secret, d.timestamp, body);
    d.delivery_id = id;
    d.body = body;
    return d;
  }

  size_t ExecutionCount() { return app_->store().ListExecutions(kWs, ExecutionFilter{})->size(); }

  testing::TempDir dir_;
  FakeClock clock_{kNow};
  std::unique_ptr<App> app_;
  std::unique_ptr<LaunchService> launch_;
  std::unique_ptr<TriggerService> svc_;
};

const Json kShop = {{"name", "shop"},
                    {"template", "Instagram post"},
                    {"inputs", {{"tone", "warm"}}},
                    {"map", {{"product", "/item/title"}}}};

TEST_F(TriggersTest, TheSignatureIsHmacSha256OfTimestampDotBody) {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(TriggerService::Sign("Jefe", "what do ya want for", " nothing?"),
            "sha256=" + HmacSha256Hex("Jefe", "what do ya want for. nothing?"));
}

TEST_F(TriggersTest, ADeliveryLaunchesWithMappedAndFixedInputsOnceEvenWhenRetried) {
  TriggerRecord t = MustCreate(kShop);
  EXPECT_EQ(t.secret.rfind("whsec_", 0), 0u);
  EXPECT_EQ(t.secret.size(), 6u + 64u);
  const std::string body = R"({"item": {"title": "oat milk", "sku": 7}})";
  auto first = svc_->Deliver(Signed(t, body, "evt_1"));
  ASSERT_TRUE(first) << first.error().status.ToString();
  EXPECT_EQ(first->kind, LaunchOutcome::Kind::kCreated);
  EXPECT_EQ(first->execution.inputs["product"], "oat milk");
  EXPECT_EQ(first->execution.inputs["tone"], "warm");
  // The sender did not hear back and sends the same delivery again, later and signed anew.
  clock_.Advance(30'000);
  auto again = svc_->Deliver(Signed(t, body, "evt_1", 30));
  ASSERT_TRUE(again) << again.error().status.ToString();
  EXPECT_EQ(again->kind, LaunchOutcome::Kind::kReplayed);
  EXPECT_EQ(again->execution.id, first->execution.id);
  EXPECT_EQ(ExecutionCount(), 1u);
  // The same delivery id with another body is not a retry.
  auto reused = svc_->Deliver(Signed(t, R"({"item": {"title": "rye"}})", "evt_1", 30));
  ASSERT_TRUE(reused);
  EXPECT_EQ(reused->kind, LaunchOutcome::Kind::kKeyReused);
  auto second = svc_->Deliver(Signed(t, R"({"item": {"title": "rye"}})", "evt_2", 30));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->kind, LaunchOutcome::Kind::kCreated);
  EXPECT_EQ(ExecutionCount(), 2u);
  Json j = svc_->ToJson(*app_->accounts().GetTrigger(kWs, t.id));
  EXPECT_EQ(j["delivery_count"], 2);
  EXPECT_EQ(j["last_delivery_id"], "evt_2");
  EXPECT_EQ(j["last_execution_id"], second->execution.id);
  EXPECT_FALSE(j.contains("secret"));
}

TEST_F(TriggersTest, ForgedLateOrUnsignedDeliveriesAreRefusedAndLaunchNothing) {
  TriggerRecord t = MustCreate(kShop);
  const std::string body = R"({"item": {"title": "oat milk"}})";
  Delivery forged = Signed(t, body, "evt_1");
  forged.body = R"({"item": {"title": "free stuff"}})";
  EXPECT_EQ(svc_->Deliver(forged).error().status.code(), Code::kUnauthenticated);
  Delivery wrong_key = Signed(t, body, "evt_1");
  wrong_key.signature = TriggerService::Sign("whsec_guess", wrong_key.timestamp, body);
  EXPECT_EQ(svc_->Deliver(wrong_key).error().status.code(), Code::kUnauthenticated);
  // Captured and replayed ten minutes later: outside the 300 s window.
  auto late = svc_->Deliver(Signed(t, body, "evt_1", -600));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().status.code(), Code::kUnauthenticated);
  EXPECT_NE(late.error().status.message().find("600 s behind"), std::string::npos)
      << late.error().status.message();
  Delivery unsigned_ = Signed(t, body, "evt_1");
  unsigned_.signature.clear();
  EXPECT_EQ(svc_->Deliver(unsigned_).error().status.code(), Code::kUnauthenticated);
  Delivery bad_time = Signed(t, body, "evt_1");
  bad_time.timestamp = "yesterday";
  EXPECT_EQ(svc_->Deliver(bad_time).error().status.code(), Code::kUnauthenticated);
  Delivery unknown = Signed(t, body, "evt_1");
  unknown.trigger_id = "trg_nope";
  EXPECT_EQ(svc_->Deliver(unknown).error().status.code(), Code::kNotFound);
  // A rotated secret: the old one stops working at once.
  auto rotated = svc_->RotateSecret(kWs, t.id);
  ASSERT_TRUE(rotated);
  EXPECT_NE(rotated->secret, t.secret);
  EXPECT_EQ(svc_->Deliver(Signed(t, body, "evt_1")).error().status.code(), Code::kUnauthenticated);
  EXPECT_TRUE(svc_->Deliver(Signed(*rotated, body, "evt_1")));
  EXPECT_EQ(ExecutionCount(), 1u);
}

TEST_F(TriggersTest, BodiesThatDoNotFitAreRefusedNamingWhatIsMissing) {
  TriggerRecord t = MustCreate(kShop);
  auto missing = svc_->Deliver(Signed(t, R"({"item": {}})", "evt_1"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().field, "body");
  EXPECT_NE(missing.error().status.message().find("/item/title"), std::string::npos);
  auto not_json = svc_->Deliver(Signed(t, "{item", "evt_2"));
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().field, "body");
  auto wrong_type = svc_->Deliver(Signed(t, R"({"item": {"title": 5}})", "evt_3"));
  ASSERT_FALSE(wrong_type);
  EXPECT_EQ(wrong_type.error().field, "inputs");
  auto no_id = svc_->Deliver(Signed(t, R"({"item": {"title": "x"}})", ""));
  ASSERT_FALSE(no_id);
  EXPECT_EQ(no_id.error().field, "X-Atelier-Delivery");
  // Without a map the body's fields are the inputs.
  Json plain = {{"name", "plain"}, {"template", "Instagram post"}};
  TriggerRecord p = MustCreate(plain);
  auto ok = svc_->Deliver(Signed(p, R"({"product": "kefir", "hashtags": 3})", "evt_1"));
  ASSERT_TRUE(ok) << ok.error().status.ToString();
  EXPECT_EQ(ok->execution.inputs["hashtags"], 3);
  EXPECT_EQ(svc_->Deliver(Signed(p, "[1, 2]", "evt_2")).error().field, "body");
  // Paused: refused after the signature is checked.
  ASSERT_TRUE(svc_->Update(kWs, p.id, {{"paused", true}}));
  EXPECT_EQ(svc_->Deliver(Signed(p, R"({"product": "x"})", "evt_3")).error().status.code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(ExecutionCount(), 1u);
}

TEST_F(TriggersTest, TriggersThatCouldNeverLaunchAreRefusedAtCreation) {
  auto refuse = [&](Json body, const std::string& field) {
    auto r = svc_->Create(kWs, body);
    ASSERT_FALSE(r) << body.dump();
    EXPECT_EQ(r.error().field, field) << r.error().status.message();
  };
  Json b = kShop;
  b["map"] = {{"colour", "/c"}};
  refuse(b, "map");
  b["map"] = {{"product", "no-slash"}};
  refuse(b, "map");
  b = kShop;
  b["inputs"] = {{"nope", 1}};
  refuse(b, "inputs");
  b = kShop;
  b["tolerance_seconds"] = 0;
  refuse(b, "tolerance_seconds");
  b = kShop;
  b["template"] = "No such template";
  refuse(b, "template");
  b = kShop;
  b["secret"] = "mine";
  refuse(b, "secret");
  MustCreate(kShop);
  auto taken = svc_->Create(kWs, kShop);
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().status.code(), Code::kAlreadyExists);
  EXPECT_EQ(svc_->List(kWs)->size(), 1u);
}

}  // namespace
}  // namespace atelier
