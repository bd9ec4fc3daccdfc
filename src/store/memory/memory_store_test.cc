#include "memory_store.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>

#include "tests/store_conformance.h"
#include "tests/store_overview_conformance.h"

namespace atelier {
namespace {

std::unique_ptr<Store> NewMemoryStore() { return std::make_unique<MemoryStore>(); }

Transition NewExecution(const std::string& id) {
  ExecutionRecord ex;
  ex.id = id;
  ex.workspace_id = "ws";
  ex.status = ExecStatus::kRunning;
  StepRecord step;
  step.execution_id = id;
  step.step_id = "a";
  step.status = StepStatus::kReady;
  Event ev;
  ev.execution_id = id;
  ev.type = "execution_started";
  return Transition{{ExecWrite{ex, {}, true}, StepWrite{step, std::nullopt, std::nullopt, true},
                     EventAppend{ev}}};
}

Transition Tick(const std::string& id) {
  Event ev;
  ev.execution_id = id;
  ev.type = "tick";
  return Transition{{EventAppend{ev}}};
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Memory, StoreConformance, ::testing::Values(StoreFactory(NewMemoryStore)));

// What SqliteStoreTest checks of SQLite's own machinery, where the memory store has its own.

TEST(MemoryStoreTest, HasOneSchemaVersionAndNothingToMigrate) {
  MemoryStore store;
  EXPECT_TRUE(store.Migrate().ok());
  EXPECT_EQ(*store.SchemaVersion(), MemoryStore::kSchemaVersion);
}

TEST(MemoryStoreTest, ADuplicateArtifactIdFailsTheWholeBatchAndTheStoreGoesOn) {
  MemoryStore store;
  ASSERT_TRUE(store.Commit({NewExecution("ex_1")}).has_value());
  ArtifactRecord art;
  art.id = "art_1";
  art.workspace_id = "ws";
  art.execution_id = "ex_1";
  ASSERT_TRUE(store.Commit({Transition{{ArtifactInsert{art}}}}).has_value());
  ArtifactRecord fresh = art;
  fresh.id = "art_2";
  auto r = store.Commit({Tick("ex_1"), Transition{{ArtifactInsert{fresh}}},
                         Transition{{ArtifactInsert{art}}}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInternal);
  EXPECT_NE(r.error().message().find("art_1"), std::string::npos) << r.error().message();
  EXPECT_EQ(store.ReadEvents("ws", "ex_1", 0, 10)->size(), 1u);
  EXPECT_EQ(store.GetArtifact("ws", "art_2").error().code(), Code::kNotFound);
  auto next = store.Commit({Tick("ex_1")});
  ASSERT_TRUE(next.has_value()) << next.error().ToString();
  EXPECT_EQ(next->events[0].seq, 2);
  EXPECT_EQ(next->events[0].gid, 2) << "the rolled-back gids are handed out again";
}

// Values read back are what SQLite gives back: the parse of the stored dump.
TEST(MemoryStoreTest, JsonReadsBackAsSqliteWouldStoreIt) {
  MemoryStore store;
  Transition t = NewExecution("ex_1");
  std::get<StepWrite>(t.ops[1]).row.output =
      Json{{"text", std::string("bad \xff byte")},
           {"nan", std::numeric_limits<double>::quiet_NaN()},
           {"n", 7}};
  ASSERT_TRUE(store.Commit({t}).has_value());
  auto steps = store.GetSteps("ws", "ex_1");
  ASSERT_TRUE(steps.has_value());
  const Json& out = (*steps)[0].output;
  EXPECT_EQ(out["text"], "bad \xef\xbf\xbd byte");
  EXPECT_TRUE(out["nan"].is_null());
  EXPECT_TRUE(out["n"].is_number_unsigned());
}

TEST(MemoryStoreTest, EachInstanceIsItsOwnDatabase) {
  MemoryStore a;
  MemoryStore b;
  ASSERT_TRUE(a.Commit({NewExecution("ex_1")}).has_value());
  EXPECT_TRUE(a.GetExecution("ws", "ex_1").has_value());
  EXPECT_EQ(b.GetExecution("ws", "ex_1").error().code(), Code::kNotFound);
}

}  // namespace atelier
