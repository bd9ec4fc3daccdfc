// The event streams over real SQLite on loopback: an execution's stream replayed and ended, resumed
// with Last-Event-ID after dropped connections (nothing missed, nothing repeated), the workspace's
// stream with gids, heartbeats and isolation, and streams ended by the server's stop.
#include <httplib.h>

#include <chrono>
#include <thread>

#include "tests/server_fixture.h"
#include "tests/test_env.h"

namespace atelier::testing {
namespace {

TEST_F(ServerTest, StreamOfAFinishedExecutionReplaysAndEnds) {
  std::string tid = CreateTemplate(UserTemplateFile("templates/instagram_post.json"));
  std::string id = Launch(tid, {{"product", "oat milk"}});
  ASSERT_EQ(WaitFor(id, {"completed"}), "completed");
  bool ended = false;
  auto got = ReadStream("/api/v1/executions/" + id + "/events/stream", viewer(), {}, nullptr,
                        nullptr, &ended);
  EXPECT_TRUE(ended);
  auto log = LogOf(id);
  ASSERT_EQ(got.size(), log.size());
  for (size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(got[i].id, log[i].seq);
    EXPECT_EQ(got[i].type, log[i].type);
    EXPECT_EQ(got[i].data["seq"], log[i].seq);
  }
  // Resuming after the 3rd replays the rest only.
  got = ReadStream("/api/v1/executions/" + id + "/events/stream", viewer(),
                   {{"Last-Event-ID", "3"}}, nullptr);
  ASSERT_EQ(got.size(), log.size() - 3);
  EXPECT_EQ(got[0].id, 4);
  EXPECT_EQ(Get("/api/v1/executions/" + id + "/events/stream?after=x", viewer()).status, 400);
}

TEST_F(ServerTest, ReconnectWithLastEventIdMissesNothingAndRepeatsNothing) {
  std::string tid = CreateTemplate(kSlowChain);
  std::string id = Launch(tid, {{"topic", "rivers"}});
  std::vector<SseEvent> all;
  int64_t last = 0;
  int connections = 0;
  bool ended = false;
  while (!ended && connections < 50) {
    ++connections;
    httplib::Headers h;
    if (last) h.emplace("Last-Event-ID", std::to_string(last));
    // Drop the connection after two events each time.
    size_t seen = 0;
    auto got = ReadStream(
        "/api/v1/executions/" + id + "/events/stream", viewer(), h,
        [&](const std::vector<SseEvent>& so_far) { return so_far.size() - seen >= 2; }, nullptr,
        &ended);
    for (auto& e : got) {
      all.push_back(e);
      last = e.id;
    }
  }
  EXPECT_TRUE(ended);
  EXPECT_GT(connections, 2);
  EXPECT_EQ(WaitFor(id, {"completed"}), "completed");
  auto log = LogOf(id);
  ASSERT_EQ(all.size(), log.size());
  for (size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(all[i].id, log[i].seq) << i;
    EXPECT_EQ(all[i].type, log[i].type) << i;
  }
}

TEST_F(ServerTest, WorkspaceStreamCarriesGidsAndHeartbeats) {
  std::string tid = CreateTemplate(kSlowChain);
  // ?after=0: the workspace's whole history, then live (its first event comes after connecting).
  std::string id;
  int heartbeats = 0;
  std::thread launcher([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    id = Launch(tid, {{"topic", "lakes"}});
  });
  auto live = ReadStream(
      "/api/v1/events/stream?after=0", viewer(), {},
      [](const std::vector<SseEvent>& so_far) {
        return !so_far.empty() && so_far.back().type == "execution_completed";
      },
      &heartbeats);
  launcher.join();
  EXPECT_GE(heartbeats, 1);
  ASSERT_FALSE(live.empty());
  for (size_t i = 1; i < live.size(); ++i) EXPECT_GT(live[i].id, live[i - 1].id);
  auto log = LogOf(id);
  ASSERT_EQ(live.size(), log.size());
  for (size_t i = 0; i < log.size(); ++i) EXPECT_EQ(live[i].id, log[i].gid);
  // Resume from the middle: exactly the rest.
  size_t half = live.size() / 2;
  auto rest = ReadStream(
      "/api/v1/events/stream", viewer(), {{"Last-Event-ID", std::to_string(live[half - 1].id)}},
      [&](const std::vector<SseEvent>& so_far) { return so_far.size() >= live.size() - half; });
  ASSERT_EQ(rest.size(), live.size() - half);
  for (size_t i = 0; i < rest.size(); ++i) EXPECT_EQ(rest[i].id, live[half + i].id);
  // Without Last-Event-ID the stream starts at the present: nothing old comes.
  auto t0 = std::chrono::steady_clock::now();
  auto quiet =
      ReadStream("/api/v1/events/stream", viewer(), {}, [&](const std::vector<SseEvent>& so_far) {
        return !so_far.empty() ||
               std::chrono::steady_clock::now() - t0 > std::chrono::milliseconds(400);
      });
  EXPECT_TRUE(quiet.empty());
  // Another workspace sees none of it.
  t0 = std::chrono::steady_clock::now();
  auto theirs = ReadStream("/api/v1/events/stream?after=0", Key("viewer", "other"), {},
                           [&](const std::vector<SseEvent>& so_far) {
                             return !so_far.empty() || std::chrono::steady_clock::now() - t0 >
                                                           std::chrono::milliseconds(500);
                           });
  EXPECT_TRUE(theirs.empty());
}

TEST_F(ServerTest, StopEndsOpenStreams) {
  std::string tid = CreateTemplate(UserTemplateFile("templates/instagram_post.json"));
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    server_->Stop();
  });
  bool ended = false;
  ReadStream("/api/v1/events/stream", viewer(), {}, nullptr, nullptr, &ended);
  stopper.join();
  SUCCEED();
}

}  // namespace
}  // namespace atelier::testing
