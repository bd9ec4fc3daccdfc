#include "atelier/store/sqlite/sqlite_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "atelier/core/json_limits.h"
#include "migrations.h"
#include "tests/store_conformance.h"
#include "tests/store_overview_conformance.h"

namespace atelier {
namespace {

namespace fs = std::filesystem;

// One scratch directory per test process, removed when the tests end.
class ScratchDir : public ::testing::Environment {
 public:
  static const fs::path& Root() {
    static const fs::path root = [] {
      std::string pattern = (fs::path(::testing::TempDir()) / "atelier_sqlite_XXXXXX").string();
      char* made = mkdtemp(pattern.data());
      if (made == nullptr) {
        ADD_FAILURE() << "mkdtemp failed for " << pattern;
        return fs::path(::testing::TempDir());
      }
      return fs::path(made);
    }();
    return root;
  }
  // A fresh, empty directory under the root.
  static fs::path Fresh() {
    static std::atomic<int> next{0};
    fs::path dir = Root() / std::to_string(next++);
    fs::create_directories(dir);
    return dir;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(Root(), ec);
  }
};

[[maybe_unused]] ::testing::Environment* const kScratch =
    ::testing::AddGlobalTestEnvironment(new ScratchDir);

std::unique_ptr<Store> NewTempStore() {
  auto store = SqliteStore::Open((ScratchDir::Fresh() / "atelier.db").string());
  if (!store) {
    ADD_FAILURE() << store.error().ToString();
    return nullptr;
  }
  return std::move(*store);
}

// A raw connection to the same file, as a second process would have.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  }
  ~RawDb() { sqlite3_close(db_); }
  std::string Text(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    std::string out;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db_);
    if (sqlite3_step(st) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(st, 0);
      if (text != nullptr) out = reinterpret_cast<const char*>(text);
    }
    sqlite3_finalize(st);
    return out;
  }
  void Exec(const std::string& sql) {
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db_);
  }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance, ::testing::Values(StoreFactory(NewTempStore)));

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = (ScratchDir::Fresh() / "atelier.db").string(); }

  std::unique_ptr<SqliteStore> OpenStore() {
    auto store = SqliteStore::Open(path_);
    EXPECT_TRUE(store.has_value()) << store.error().ToString();
    return store ? std::move(*store) : nullptr;
  }

  static Transition NewExecution(const std::string& id) {
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

  static Transition Tick(const std::string& id) {
    Event ev;
    ev.execution_id = id;
    ev.type = "tick";
    return Transition{{EventAppend{ev}}};
  }

  std::string path_;
};

TEST_F(SqliteStoreTest, DataSurvivesCloseAndReopen) {
  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Commit({NewExecution("ex_1"), Tick("ex_1")}).has_value());
  }
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  auto ex = store->GetExecution("ws", "ex_1");
  ASSERT_TRUE(ex.has_value()) << ex.error().ToString();
  EXPECT_EQ(ex->status, ExecStatus::kRunning);
  auto steps = store->GetSteps("ws", "ex_1");
  ASSERT_TRUE(steps.has_value());
  EXPECT_EQ(steps->size(), 1u);
  // The seq counter is rebuilt from the file, not kept in memory.
  auto r = store->Commit({Tick("ex_1")});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->events.size(), 1u);
  EXPECT_EQ(r->events[0].seq, 3);
}

TEST_F(SqliteStoreTest, OpensInWalMode) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  RawDb raw(path_);
  EXPECT_EQ(raw.Text("PRAGMA journal_mode"), "wal");
}

TEST_F(SqliteStoreTest, RecordsEachMigrationOnce) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Migrate().ok());
  auto reopened = OpenStore();
  ASSERT_NE(reopened, nullptr);
  RawDb raw(path_);
  EXPECT_EQ(raw.Text("SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(sqlite::Migrations().size()));
  EXPECT_EQ(*reopened->SchemaVersion(), sqlite::Migrations().back().version);
}

TEST_F(SqliteStoreTest, TwoInstancesOnOneFileSeeEachOthersCommits) {
  auto first = OpenStore();
  auto second = OpenStore();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  ASSERT_TRUE(first->Commit({NewExecution("ex_1")}).has_value());
  auto seen = second->GetExecution("ws", "ex_1");
  ASSERT_TRUE(seen.has_value()) << seen.error().ToString();

  auto r = second->Commit({Tick("ex_1")});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->events[0].seq, 2);
  r = first->Commit({Tick("ex_1")});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->events[0].seq, 3);

  ExecutionRecord paused = *second->GetExecution("ws", "ex_1");
  paused.status = ExecStatus::kPaused;
  auto p = second->Commit({Transition{{ExecWrite{paused, {ExecStatus::kRunning}, false}}}});
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->applied[0]);
  EXPECT_EQ(first->GetExecution("ws", "ex_1")->status, ExecStatus::kPaused);
}

TEST_F(SqliteStoreTest, OpenReportsAnUnusablePathAsAnError) {
  auto store =
      SqliteStore::Open((fs::path(path_).parent_path() / "no" / "such" / "dir" / "x.db").string());
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code(), Code::kUnavailable);
  EXPECT_NE(store.error().message().find("sqlite"), std::string::npos);
}

TEST_F(SqliteStoreTest, OpensInMemory) {
  auto store = SqliteStore::Open(":memory:");
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  EXPECT_TRUE((*store)->Commit({NewExecution("ex_1")}).has_value());
}

TEST_F(SqliteStoreTest, CorruptRowIsAnInternalErrorNotAnException) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Commit({NewExecution("ex_1")}).has_value());
  RawDb raw(path_);
  raw.Exec("UPDATE steps SET output = '{not json' WHERE execution_id = 'ex_1'");
  auto steps = store->GetSteps("ws", "ex_1");
  ASSERT_FALSE(steps.has_value());
  EXPECT_EQ(steps.error().code(), Code::kInternal);
  raw.Exec("UPDATE executions SET status = 'sideways' WHERE id = 'ex_1'");
  auto ex = store->GetExecution("ws", "ex_1");
  ASSERT_FALSE(ex.has_value());
  EXPECT_EQ(ex.error().code(), Code::kInternal);
  EXPECT_NE(ex.error().message().find("sideways"), std::string::npos);
}

// Parsing is iterative, but whoever reads the row copies and dumps it recursively: a row nested
// far deeper than the engine writes (an older version's, a hand edit) fails its read instead.
TEST_F(SqliteStoreTest, RowNestedTooDeepFailsTheReadNamingTheColumn) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Commit({NewExecution("ex_1")}).has_value());
  RawDb raw(path_);
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  raw.Exec("UPDATE steps SET output = '{\"v\":" + deep + "}' WHERE execution_id = 'ex_1'");
  auto steps = store->GetSteps("ws", "ex_1");
  ASSERT_FALSE(steps.has_value());
  EXPECT_EQ(steps.error().code(), Code::kInternal);
  EXPECT_EQ(steps.error().message(),
            "sqlite store: stored JSON in column 'output' cannot be read: JSON nested deeper "
            "than 512 levels (line 1, column 517)");
  EXPECT_TRUE(store->GetExecution("ws", "ex_1").has_value());  // the other rows still read

  // As deep as the store allows, the row reads back.
  raw.Exec("UPDATE steps SET output = '" + std::string(kMaxStoredJsonDepth, '[') +
           std::string(kMaxStoredJsonDepth, ']') + "' WHERE execution_id = 'ex_1'");
  steps = store->GetSteps("ws", "ex_1");
  ASSERT_TRUE(steps.has_value()) << steps.error().ToString();
}

TEST_F(SqliteStoreTest, SqlErrorInsideABatchRollsBackEverything) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Commit({NewExecution("ex_1")}).has_value());
  ArtifactRecord art;
  art.id = "art_1";
  art.workspace_id = "ws";
  art.execution_id = "ex_1";
  ASSERT_TRUE(store->Commit({Transition{{ArtifactInsert{art}}}}).has_value());
  // A duplicate artifact id is a constraint violation, not a guard: the whole batch fails.
  auto r = store->Commit({Tick("ex_1"), Transition{{ArtifactInsert{art}}}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInternal);
  auto events = store->ReadEvents("ws", "ex_1", 0, 10);
  ASSERT_TRUE(events.has_value());
  EXPECT_EQ(events->size(), 1u);
  // And the store is usable afterwards, with no gap.
  auto next = store->Commit({Tick("ex_1")});
  ASSERT_TRUE(next.has_value()) << next.error().ToString();
  EXPECT_EQ(next->events[0].seq, 2);
}

TEST_F(SqliteStoreTest, LedgerEntryWithoutAKeyFailsTheCommitWithoutThrowing) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Commit({NewExecution("ex_1")}).has_value());
  LedgerEntry grant;
  grant.workspace_id = "ws";
  grant.amount = 10;
  auto r = store->Commit({Tick("ex_1"), Transition{{LedgerAppend{grant, false}}}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInternal);
  EXPECT_EQ(store->ReadEvents("ws", "ex_1", 0, 10)->size(), 1u);
  EXPECT_EQ(store->GetBalance("ws")->balance, 0);
}

TEST_F(SqliteStoreTest, InvalidUtf8IsStoredReplacedInsteadOfFailing) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  Transition t = NewExecution("ex_1");
  std::get<StepWrite>(t.ops[1]).row.output = Json{{"text", std::string("bad \xff byte")}};
  auto r = store->Commit({t});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  auto steps = store->GetSteps("ws", "ex_1");
  ASSERT_TRUE(steps.has_value());
  EXPECT_EQ((*steps)[0].output["text"], "bad \xef\xbf\xbd byte");
}

// A database left at schema v5 by an older build, with events in it: upgrading keeps every
// event readable, gives them gids in their old (execution, seq) order and appends after them.
TEST_F(SqliteStoreTest, UpgradeFromV5KeepsEventsAndNumbersThemInOrder) {
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER)");
    for (const sqlite::Migration& m : sqlite::Migrations()) {
      if (m.version > 5) break;
      db.exec(m.sql);
      db.exec("INSERT INTO schema_migrations (version, applied_at) VALUES (" +
              std::to_string(m.version) + ", 0)");
    }
    db.exec(
        "INSERT INTO workspaces (id, name) VALUES ('ws', 'old');"
        "INSERT INTO executions (id, workspace_id, status) VALUES ('ex_b', 'ws', 'running'),"
        " ('ex_a', 'ws', 'completed'), ('ex_c', 'ws2', 'running');"
        "INSERT INTO templates (workspace_id, id, version, name, content_hash) VALUES"
        " ('ws', 'tpl_1', 1, 'blog', 'h1');"
        // Inserted out of order on purpose.
        "INSERT INTO events (execution_id, seq, ts, type, step_id, payload) VALUES"
        " ('ex_b', 2, 20, 'b2', '', NULL), ('ex_a', 1, 11, 'a1', '', '{\"n\":1}'),"
        " ('ex_b', 1, 10, 'b1', 's', NULL), ('ex_c', 1, 5, 'c1', '', NULL),"
        " ('ex_a', 2, 12, 'a2', '', NULL), ('ex_b', 3, 30, 'b3', '', NULL);");
  }
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->SchemaVersion(), sqlite::Migrations().back().version);

  auto stream = store->ReadWorkspaceEvents("ws", 0, 0);
  ASSERT_TRUE(stream.has_value()) << stream.error().ToString();
  std::vector<std::string> types;
  for (const Event& e : *stream) types.push_back(e.type);
  EXPECT_EQ(types, (std::vector<std::string>{"a1", "a2", "b1", "b2", "b3"}));
  for (size_t i = 1; i < stream->size(); ++i) EXPECT_GT((*stream)[i].gid, (*stream)[i - 1].gid);
  EXPECT_EQ((*stream)[0].payload, (Json{{"n", 1}}));
  EXPECT_EQ((*stream)[2].step_id, "s");
  EXPECT_EQ((*stream)[2].ts, 10);

  auto b = store->ReadEvents("ws", "ex_b", 0, 0);
  ASSERT_TRUE(b.has_value()) << b.error().ToString();
  ASSERT_EQ(b->size(), 3u);
  EXPECT_EQ((*b)[0].seq, 1);
  EXPECT_EQ((*b)[0].gid, (*stream)[2].gid);
  EXPECT_EQ((*b)[2].seq, 3);
  auto c = store->ReadWorkspaceEvents("ws2", 0, 0);
  ASSERT_TRUE(c.has_value());
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].type, "c1");

  // New events continue each execution's seqs and come after every old gid.
  auto r = store->Commit({Tick("ex_a")});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_EQ(r->events.size(), 1u);
  EXPECT_EQ(r->events[0].seq, 3);
  EXPECT_GT(r->events[0].gid, (*c)[0].gid);
  EXPECT_GT(r->events[0].gid, stream->back().gid);
  EXPECT_EQ(*store->LastWorkspaceEventId("ws"), r->events[0].gid);

  // Old templates are live; the new tables work.
  auto tpl = store->GetTemplate("ws", "tpl_1", 0);
  ASSERT_TRUE(tpl.has_value()) << tpl.error().ToString();
  EXPECT_EQ(tpl->name, "blog");
  EXPECT_EQ(store->ListTemplates("ws", TemplateFilter{})->size(), 1u);
  EXPECT_EQ(*store->CountApiKeys(), 0);
  EXPECT_EQ(store->GetBalance("ws")->balance, 0);
}

// A database left at schema v6 with steps in it: upgrading counts no crashes for any of them.
TEST_F(SqliteStoreTest, UpgradeFromV6StartsEveryStepWithNoCrashes) {
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER)");
    for (const sqlite::Migration& m : sqlite::Migrations()) {
      if (m.version > 6) break;
      db.exec(m.sql);
      db.exec("INSERT INTO schema_migrations (version, applied_at) VALUES (" +
              std::to_string(m.version) + ", 0)");
    }
    db.exec(
        "INSERT INTO workspaces (id, name) VALUES ('ws', 'old');"
        "INSERT INTO executions (id, workspace_id, status) VALUES ('ex_1', 'ws', 'running');"
        "INSERT INTO steps (execution_id, step_id, status, attempt, lease_owner) VALUES"
        " ('ex_1', 'a', 'running', 2, 'host:1:x');");
  }
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->SchemaVersion(), sqlite::Migrations().back().version);
  auto steps = store->GetSteps("ws", "ex_1");
  ASSERT_TRUE(steps.has_value()) << steps.error().ToString();
  ASSERT_EQ(steps->size(), 1u);
  EXPECT_EQ((*steps)[0].status, StepStatus::kRunning);
  EXPECT_EQ((*steps)[0].attempt, 2);
  EXPECT_EQ((*steps)[0].crashes, 0);
}

// A database left at schema v7 with a template in it: upgrading keeps it, as a user template.
TEST_F(SqliteStoreTest, UpgradeFromV7KeepsTemplatesAsUserTemplates) {
  {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER)");
    for (const sqlite::Migration& m : sqlite::Migrations()) {
      if (m.version > 7) break;
      db.exec(m.sql);
      db.exec("INSERT INTO schema_migrations (version, applied_at) VALUES (" +
              std::to_string(m.version) + ", 0)");
    }
    db.exec(
        "INSERT INTO workspaces (id, name) VALUES ('ws', 'old');"
        "INSERT INTO templates (workspace_id, id, version, name, content_hash) VALUES"
        " ('ws', 'tpl_1', 1, 'Blog article', 'h1');");
  }
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->SchemaVersion(), sqlite::Migrations().back().version);
  auto tpl = store->FindTemplate("ws", "Blog article");
  ASSERT_TRUE(tpl.has_value()) << tpl.error().ToString();
  EXPECT_EQ(tpl->id, "tpl_1");
  EXPECT_FALSE(tpl->builtin);
}

}  // namespace atelier
