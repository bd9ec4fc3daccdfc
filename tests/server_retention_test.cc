// Retention over loopback HTTP and through the service: a policy deletes the finished executions it
// selects, with their events, steps and artifacts, while executions that wait at an approval gate
// stay whole and finish afterwards; the dry run says what would go and deletes nothing; blobs go
// only when no artifact row names them (the newest run keeping a shared image keeps its file);
// blobs queued by a purge that no collector saw are removed after a restart; the age rule counts
// from when an execution finished; the background sweep applies a policy without being asked;
// refused policies say which field is wrong and change nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <thread>

#include "atelier/app/retention.h"
#include "atelier/blob/local_blob_store.h"
#include "tests/server_fixture.h"

namespace atelier::testing {
namespace {

namespace fs = std::filesystem;

// An image per topic: the offline provider draws the same bytes for the same prompt.
const char* kPictures = R"({
  "name": "Retention pictures",
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "pic", "type": "generate_image", "data": {"prompt": "A poster of {{inputs.topic}}", "size": "32x32"}},
    {"id": "done", "type": "end"}
  ],
  "inputs": {"topic": {"type": "string", "required": true}},
  "edges": [{"id": "1", "source": "start", "target": "pic"}, {"id": "2", "source": "pic", "target": "done"}]
})";

const char* kGated = R"({
  "name": "Retention gated",
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "pic", "type": "generate_image", "data": {"prompt": "A draft of {{inputs.topic}}", "size": "32x32"}},
    {"id": "gate", "type": "approval", "data": {"message": "Publish?"}},
    {"id": "done", "type": "end"}
  ],
  "inputs": {"topic": {"type": "string", "required": true}},
  "edges": [{"id": "1", "source": "start", "target": "pic"}, {"id": "2", "source": "pic", "target": "gate"},
            {"id": "3", "source": "gate", "target": "done"}]
})";

class RetentionTest : public ServerTest {
 protected:
  void SetUp() override {
    configure_ = [this](ServerOptions* so) {
      so->retention = background_;
      so->retention_interval_ms = 100;
      so->retention_first_ms = 50;
      // A blob put a moment ago may go: the tests' steps have all committed.
      so->retention_options.blob_grace_ms = 0;
    };
    ServerTest::SetUp();
  }

  Resp SetPolicy(const Json& body) {
    return Call("PUT", "/api/v1/retention", admin(), body.dump());
  }

  std::string RunDone(const std::string& tmpl, const std::string& topic) {
    std::string id = Launch(tmpl, {{"topic", topic}});
    EXPECT_EQ(WaitFor(id, {"completed", "failed"}), "completed");
    return id;
  }

  // The hashes of every artifact row of the workspace.
  std::set<std::string> NamedBlobs() {
    ArtifactFilter f;
    f.limit = 0;
    auto rows = app_->accounts().QueryArtifacts("default", f);
    EXPECT_TRUE(rows.has_value());
    std::set<std::string> out;
    for (const auto& a : *rows) out.insert(a.sha256);
    return out;
  }

  // The blob files on disk (by name: the hash).
  std::set<std::string> StoredBlobs() {
    auto* local = dynamic_cast<LocalBlobStore*>(&app_->blobs());
    EXPECT_NE(local, nullptr);
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(local->root()))
      if (e.is_regular_file()) out.insert(e.path().filename().string());
    return out;
  }

  std::vector<std::string> ArtifactIds(const std::string& exec) {
    Resp r = Get("/api/v1/executions/" + exec + "/artifacts", viewer());
    EXPECT_EQ(r.status, 200) << r.raw;
    std::vector<std::string> ids;
    for (const Json& a : r.body["items"]) ids.push_back(a["id"].get<std::string>());
    return ids;
  }

  bool background_ = false;
};

TEST_F(RetentionTest, RetentionRunningWhileExecutionsWait) {
  const std::string pictures = CreateTemplate(kPictures);
  const std::string gated = CreateTemplate(kGated);
  // Oldest first: otters (twice: the same image), then herons, then otters again, the newest.
  const std::string a = RunDone(pictures, "otters");
  const std::string b = RunDone(pictures, "herons");
  const std::string c = RunDone(pictures, "otters");
  std::vector<std::string> waiting;
  for (const char* topic : {"kites", "lamps"}) {
    std::string id = Launch(gated, {{"topic", topic}});
    EXPECT_EQ(WaitFor(id, {"waiting"}), "waiting");
    waiting.push_back(id);
  }
  const std::vector<std::string> a_artifacts = ArtifactIds(a);
  ASSERT_FALSE(a_artifacts.empty());
  ASSERT_EQ(StoredBlobs().size(), 4u);  // otters, herons, kites, lamps

  ASSERT_EQ(SetPolicy({{"keep_last", 1}}).status, 200);
  // The dry run: the two older picture runs would go; the waiting ones are not finished. Only the
  // herons image would be freed: the newest run still names the otters one.
  Resp preview = Post("/api/v1/retention/preview", viewer());
  ASSERT_EQ(preview.status, 200) << preview.raw;
  EXPECT_EQ(preview.body["executions"], 2);
  EXPECT_EQ(preview.body["sub_executions"], 0);
  EXPECT_EQ(preview.body["blobs"], 1);
  EXPECT_GT(preview.body["bytes"].get<int64_t>(), 0);
  EXPECT_GT(preview.body["events"].get<int64_t>(), 0);
  ASSERT_EQ(preview.body["examples"].size(), 2u);
  EXPECT_EQ(preview.body["examples"][0]["id"], a);
  EXPECT_EQ(preview.body["examples"][1]["id"], b);
  EXPECT_EQ(Get("/api/v1/executions/" + a, viewer()).status, 200) << "a dry run deleted";

  Resp run = Post("/api/v1/retention/run", admin());
  ASSERT_EQ(run.status, 200) << run.raw;
  EXPECT_EQ(run.body["deleted"], 2);
  EXPECT_EQ(run.body["blobs_removed"], 1);
  EXPECT_EQ(run.body["bytes_removed"], preview.body["bytes"]);
  for (const std::string& gone : {a, b}) {
    EXPECT_EQ(Get("/api/v1/executions/" + gone, viewer()).status, 404);
    EXPECT_EQ(Get("/api/v1/executions/" + gone + "/events", viewer()).status, 404);
  }
  for (const std::string& art : a_artifacts)
    EXPECT_EQ(Get("/api/v1/artifacts/" + art, viewer()).status, 404);
  // What stays is whole: the newest run, its image (the same bytes as a's) readable.
  EXPECT_EQ(WaitFor(c, {"completed"}), "completed");
  for (const std::string& art : ArtifactIds(c))
    EXPECT_EQ(Get("/api/v1/artifacts/" + art + "/content", viewer()).status, 200);
  EXPECT_EQ(StoredBlobs(), NamedBlobs());

  // The waiting runs were never touched: they go on and finish.
  for (const std::string& id : waiting) {
    EXPECT_EQ(Get("/api/v1/executions/" + id, viewer()).body["status"], "waiting");
    Resp ok = Post("/api/v1/executions/" + id + "/steps/gate/approve", editor());
    ASSERT_EQ(ok.status, 200) << ok.raw;
    EXPECT_EQ(WaitFor(id, {"completed", "failed"}), "completed");
  }
  // Finished now, the older of them goes on the next sweep, with its image.
  run = Post("/api/v1/retention/run", admin());
  ASSERT_EQ(run.status, 200) << run.raw;
  EXPECT_EQ(run.body["deleted"], 1);
  EXPECT_EQ(Get("/api/v1/executions/" + waiting[0], viewer()).status, 404);
  EXPECT_EQ(Get("/api/v1/executions/" + waiting[1], viewer()).status, 200);
  EXPECT_EQ(StoredBlobs(), NamedBlobs());
  EXPECT_EQ(StoredBlobs().size(), 2u);

  Resp policy = Get("/api/v1/retention", viewer());
  ASSERT_EQ(policy.status, 200);
  EXPECT_EQ(policy.body["keep_last"], 1);
  EXPECT_EQ(policy.body["totals"]["executions"], 3);
  EXPECT_EQ(policy.body["last_sweep"]["deleted"], 1);
}

TEST_F(RetentionTest, PolicyIsCheckedAndOnlyAdminsSetIt) {
  Resp none = Get("/api/v1/retention", viewer());
  ASSERT_EQ(none.status, 200) << none.raw;
  EXPECT_EQ(none.body["keeps_everything"], true);
  EXPECT_TRUE(none.body["max_age_days"].is_null());
  EXPECT_TRUE(none.body["last_sweep"].is_null());

  EXPECT_EQ(Call("PUT", "/api/v1/retention", editor(), R"({"keep_last": 3})").status, 403);
  for (const auto& [body, field] : std::vector<std::pair<std::string, std::string>>{
           {R"({"keep_last": 0})", "keep_last"},
           {R"({"keep_last": "3"})", "keep_last"},
           {R"({"max_age_days": 1.5})", "max_age_days"},
           {R"({"max_age_days": 36501})", "max_age_days"},
           {R"({"max_age": 30})", "max_age"}}) {
    Resp r = Call("PUT", "/api/v1/retention", admin(), body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(r.body["error"]["details"]["field"], field) << r.raw;
    EXPECT_NE(r.message().find(field), std::string::npos) << r.raw;
  }
  EXPECT_EQ(Call("PUT", "/api/v1/retention", admin(), "[1]").status, 400);
  EXPECT_EQ(Get("/api/v1/retention", viewer()).body["keeps_everything"], true)
      << "a refused policy was stored";

  Resp set = SetPolicy({{"max_age_days", 30}, {"keep_last", 10}});
  ASSERT_EQ(set.status, 200) << set.raw;
  EXPECT_EQ(set.body["max_age_days"], 30);
  EXPECT_EQ(set.body["keep_last"], 10);
  EXPECT_EQ(set.body["keeps_everything"], false);
  EXPECT_TRUE(set.body["updated_at"].is_string());
  // Another workspace has its own.
  EXPECT_EQ(Get("/api/v1/retention", Key("viewer", "other")).body["keeps_everything"], true);
  // Null (or leaving a rule out) clears it.
  set = SetPolicy({{"max_age_days", nullptr}});
  EXPECT_EQ(set.body["keeps_everything"], true);
  // A preview of a proposed policy is checked the same way.
  Resp bad = Call("POST", "/api/v1/retention/preview", viewer(), R"({"keep_last": -1})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body["error"]["details"]["field"], "keep_last");
}

// A purge whose collector never ran (the process died after the purge's commit): its blobs stay
// queued, and the next process removes them.
TEST_F(RetentionTest, BlobsQueuedBeforeARestartAreRemovedAfterIt) {
  const std::string pictures = CreateTemplate(kPictures);
  const std::string old = RunDone(pictures, "gulls");
  RunDone(pictures, "terns");
  ASSERT_EQ(StoredBlobs().size(), 2u);
  auto purged = app_->accounts().PurgeExecutions("default", {old}, 1);
  ASSERT_TRUE(purged.has_value()) << purged.error().ToString();
  ASSERT_EQ(purged->deleted.size(), 1u);
  EXPECT_EQ(StoredBlobs().size(), 2u);  // nothing collected yet

  server_.reset();
  app_.reset();
  StartServer();
  ASSERT_EQ(SetPolicy({{"keep_last", 1}}).status, 200);
  Resp run = Post("/api/v1/retention/run", admin());
  ASSERT_EQ(run.status, 200) << run.raw;
  EXPECT_EQ(run.body["deleted"], 0);
  EXPECT_EQ(run.body["blobs_removed"], 1);
  EXPECT_EQ(StoredBlobs(), NamedBlobs());
  EXPECT_EQ(StoredBlobs().size(), 1u);
}

// The age rule counts from when an execution finished, by the service's clock.
TEST_F(RetentionTest, AgeRuleCountsFromTheFinish) {
  const std::string pictures = CreateTemplate(kPictures);
  const std::string id = RunDone(pictures, "owls");
  FakeClock clock(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
  RetentionOptions opts;
  opts.blob_grace_ms = 0;
  RetentionService svc(app_.get(), &clock, opts);
  ASSERT_TRUE(svc.Set("default", {{"max_age_days", 2}}).has_value());
  auto preview = svc.Preview("default");
  ASSERT_TRUE(preview.has_value());
  EXPECT_EQ((*preview)["executions"], 0);
  auto swept = svc.Sweep("default");
  ASSERT_TRUE(swept.has_value());
  EXPECT_TRUE(swept->deleted.empty());

  clock.Advance(2LL * 24 * 3600 * 1000 + 60 * 1000);
  preview = svc.Preview("default");
  ASSERT_TRUE(preview.has_value());
  EXPECT_EQ((*preview)["executions"], 1);
  swept = svc.Sweep("default");
  ASSERT_TRUE(swept.has_value());
  ASSERT_EQ(swept->deleted.size(), 1u);
  EXPECT_EQ(swept->deleted[0], id);
  auto collected = svc.CollectBlobs();
  ASSERT_TRUE(collected.has_value());
  EXPECT_EQ(collected->removed, 1);
  EXPECT_EQ(Get("/api/v1/executions/" + id, viewer()).status, 404);
  EXPECT_TRUE(StoredBlobs().empty());
}

class RetentionBackgroundTest : public RetentionTest {
 protected:
  void SetUp() override {
    background_ = true;
    RetentionTest::SetUp();
  }
};

// Nobody asks: the server's sweep applies the policy on its own.
TEST_F(RetentionBackgroundTest, TheServerSweepsOnItsOwn) {
  const std::string pictures = CreateTemplate(kPictures);
  const std::string a = RunDone(pictures, "finches");
  const std::string b = RunDone(pictures, "robins");
  ASSERT_EQ(SetPolicy({{"keep_last", 1}}).status, 200);
  int status = 0;
  for (int i = 0; i < 200; ++i) {
    status = Get("/api/v1/executions/" + a, viewer()).status;
    if (status == 404) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_EQ(status, 404) << "the background sweep did not delete the older run";
  EXPECT_EQ(Get("/api/v1/executions/" + b, viewer()).status, 200);
  for (int i = 0; i < 200 && StoredBlobs().size() != 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  EXPECT_EQ(StoredBlobs(), NamedBlobs());
}

}  // namespace
}  // namespace atelier::testing
