// Live progress of running steps over the event streams: step_progress notices reach the
// subscribers of a running execution, carry no id and never enter the event log.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/server_fixture.h"

namespace atelier::testing {
namespace {

// An approval first, so that a test can subscribe before anything generates; then a text step
// and an image step that report their progress slowly enough to be watched (offline provider).
const char* kWatched = R"({
  "name": "Watched",
  "category": "testing",
  "nodes": [
    {"id": "start", "type": "start"},
    {"id": "go", "type": "approval", "data": {"message": "Start?"}},
    {"id": "write", "type": "generate_text",
     "data": {"prompt": "A short note about rivers", "stream_chunk_ms": 100}},
    {"id": "draw", "type": "generate_image",
     "data": {"prompt": "a river", "size": "32x32", "stream_chunk_ms": 100}},
    {"id": "done", "type": "end"}
  ],
  "edges": [
    {"id": "e1", "source": "start", "target": "go"},
    {"id": "e2", "source": "go", "target": "write"},
    {"id": "e3", "source": "write", "target": "draw"},
    {"id": "e4", "source": "draw", "target": "done"}
  ]})";

size_t IndexOf(const std::vector<SseEvent>& events, const std::string& type,
               const std::string& step) {
  for (size_t i = 0; i < events.size(); ++i) {
    const SseEvent& e = events[i];
    if (e.type == type && e.data.value("step_id", "") == step) return i;
  }
  return events.size();
}

TEST_F(ServerTest, SubscribersSeeLiveProgressThatTheLogNeverHolds) {
  stream_live_ = true;
  std::string tid = CreateTemplate(kWatched);
  std::string id = Launch(tid, Json::object());
  ASSERT_EQ(WaitFor(id, {"waiting"}), "waiting");

  std::atomic<bool> caught_up{false};
  std::vector<SseEvent> got;
  std::thread reader([&] {
    got = ReadStream("/api/v1/executions/" + id + "/events/stream", viewer(), {},
                     [&](const std::vector<SseEvent>& so_far) {
                       if (!so_far.empty() && so_far.back().type == "execution_waiting")
                         caught_up = true;
                       return false;
                     });
  });
  for (int i = 0; i < 500 && !caught_up; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(caught_up) << "the stream replays up to the wait";
  ASSERT_EQ(Post("/api/v1/executions/" + id + "/steps/go/approve", editor()).status, 200);
  reader.join();  // the server ends the stream when the execution completes
  ASSERT_EQ(WaitFor(id, {"completed"}), "completed");

  // Text: at least one notice while the step ran, before its step_succeeded, each the answer so
  // far; no id line, so no notice ever moves Last-Event-ID.
  auto steps = app_->store().GetSteps("default", id);
  ASSERT_TRUE(steps.has_value());
  std::string text;
  for (const StepRecord& s : *steps)
    if (s.step_id == "write") text = s.output["text"].get<std::string>();
  ASSERT_FALSE(text.empty());
  size_t first = IndexOf(got, "step_progress", "write");
  size_t done = IndexOf(got, "step_succeeded", "write");
  ASSERT_LT(first, got.size()) << "no step_progress for the text step";
  ASSERT_LT(first, done);
  for (const SseEvent& e : got) {
    if (e.type != "step_progress") continue;
    EXPECT_EQ(e.id, 0) << "a notice has no id";
    EXPECT_EQ(e.data["execution_id"], id);
    EXPECT_TRUE(e.data.contains("at"));
    if (e.data["step_id"] == "write") {
      std::string so_far = e.data["text"];
      EXPECT_EQ(text.compare(0, so_far.size(), so_far), 0) << so_far;
      EXPECT_GT(e.data["chars"].get<int64_t>(), 0);
    }
  }
  // Image: sampling steps, as value of max.
  size_t drawn = IndexOf(got, "step_progress", "draw");
  ASSERT_LT(drawn, got.size()) << "no step_progress for the image step";
  EXPECT_GT(got[drawn].data["max"].get<int64_t>(), 0);
  EXPECT_LT(drawn, IndexOf(got, "step_succeeded", "draw"));

  // The durable events: exactly the log, in order, gap-free, with no notice among them.
  auto log = LogOf(id);
  std::vector<SseEvent> durable;
  for (const SseEvent& e : got)
    if (e.type != "step_progress") durable.push_back(e);
  ASSERT_EQ(durable.size(), log.size());
  for (size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(durable[i].id, static_cast<int64_t>(i + 1));
    EXPECT_EQ(durable[i].id, log[i].seq);
    EXPECT_EQ(durable[i].type, log[i].type);
    EXPECT_NE(log[i].type, "step_progress");
  }
  Resp events = Get("/api/v1/executions/" + id + "/events", viewer());
  ASSERT_EQ(events.status, 200) << events.raw;
  EXPECT_EQ(events.raw.find("step_progress"), std::string::npos);
}

}  // namespace
}  // namespace atelier::testing
