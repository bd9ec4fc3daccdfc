// The Store conformance suite on PostgreSQL, and what only PostgreSQL has to show: migrations
// applied once by processes starting together, and workspace streams that a reader can follow by
// position without skipping an event committed late by another connection.
#include "atelier/store/postgres/postgres_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <map>
#include <thread>

#include "atelier/store/postgres/postgres_blob_store.h"
#include "postgres_migrations.h"
#include "postgres_test_support.h"
#include "tests/store_conformance.h"
#include "tests/store_overview_conformance.h"

namespace atelier {
namespace {

std::unique_ptr<Store> NewPgStore() {
  if (!pgtest::RequireServer()) return nullptr;
  auto store = PostgresStore::Open(pgtest::FreshSchemaUrl());
  if (!store) {
    ADD_FAILURE() << store.error().ToString();
    return nullptr;
  }
  return std::move(*store);
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Postgres, StoreConformance, ::testing::Values(StoreFactory(NewPgStore)));

namespace {

TEST(PostgresStoreTest, RecognisesPostgresUrls) {
  EXPECT_TRUE(PostgresStore::IsUrl("postgres://db.internal/atelier"));
  EXPECT_TRUE(PostgresStore::IsUrl("postgresql://u@127.0.0.1:5432/x?sslmode=disable"));
  EXPECT_FALSE(PostgresStore::IsUrl("atelier.db"));
  EXPECT_FALSE(PostgresStore::IsUrl("/var/lib/postgres.db"));
}

TEST(PostgresStoreTest, AnUnreachableServerIsUnavailableAndNamed) {
  // Port 1 on loopback: nothing listens there.
  auto store = PostgresStore::Open("postgresql://nobody@127.0.0.1:1/none?connect_timeout=5");
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code(), Code::kUnavailable) << store.error().ToString();
  EXPECT_NE(store.error().message().find("127.0.0.1"), std::string::npos)
      << store.error().ToString();
}

TEST(PostgresStoreTest, ProcessesStartingTogetherApplyEachMigrationOnce) {
  if (!pgtest::RequireServer()) return;
  const std::string url = pgtest::FreshSchemaUrl();
  constexpr int kOpeners = 6;
  std::latch start(kOpeners);
  std::vector<std::string> errors(kOpeners);
  std::vector<std::thread> threads;
  for (int i = 0; i < kOpeners; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();  // every connection migrates the empty schema at the same moment
      auto store = PostgresStore::Open(url);
      if (!store) errors[i] = store.error().ToString();
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kOpeners; ++i) EXPECT_EQ(errors[i], "") << "opener " << i;

  pqxx::connection c(url);
  pqxx::nontransaction tx(c);
  pqxx::result r = tx.exec("SELECT version FROM schema_migrations ORDER BY version");
  std::vector<int> versions;
  for (const auto& row : r) versions.push_back(row[0].as<int>());
  std::vector<int> want;
  for (const auto& m : postgres::Migrations()) want.push_back(m.version);
  EXPECT_EQ(versions, want);
  EXPECT_EQ(tx.exec("SELECT last_gid FROM event_positions")[0][0].as<int64_t>(), 0);
}

// Artifacts in the database: content-addressed (the same hex SHA-256 as the local store), stored
// once however often they are put, bytes (NULs and all) read back unchanged, seen by a second
// connection, and NotFound for an unknown hash.
TEST(PostgresStoreTest, BlobsAreStoredOnceByTheirSha256AndReadBackByAnyConnection) {
  if (!pgtest::RequireServer()) return;
  const std::string url = pgtest::FreshSchemaUrl();
  auto store = PostgresStore::Open(url);  // migrates: the blobs table
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  auto a = PostgresBlobStore::Open(url);
  auto b = PostgresBlobStore::Open(url);
  ASSERT_TRUE(a.has_value()) << a.error().ToString();
  ASSERT_TRUE(b.has_value()) << b.error().ToString();
  const char kRaw[] = "\x89PNG\0\r\n\x1a\n with a NUL and \xff bytes";
  const std::string bytes(kRaw, sizeof(kRaw) - 1);
  auto first = (*a)->Put(bytes);
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  EXPECT_EQ(*(*a)->Put(bytes), *first);
  EXPECT_EQ(*(*b)->Put("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");  // SHA-256("abc")
  auto got = (*b)->Get(*first);
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(*got, bytes);
  EXPECT_EQ((*a)->LocalPath(*first), "");
  pqxx::connection c(url);
  pqxx::nontransaction tx(c);
  EXPECT_EQ(tx.exec("SELECT COUNT(*) FROM blobs")[0][0].as<int>(), 2);
  auto missing = (*a)->Get(std::string(64, '0'));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
}

// Removal for the retention collector: a blob last put before the time given goes (with its size
// reported), a blob put again since stays however old its first Put, a hash with no row is
// absent, and a malformed hash is refused before anything is asked of the database.
TEST(PostgresStoreTest, BlobsAreRemovedOnlyWhenNotPutSinceTheTimeGiven) {
  if (!pgtest::RequireServer()) return;
  const std::string url = pgtest::FreshSchemaUrl();
  auto store = PostgresStore::Open(url);
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  auto blobs = PostgresBlobStore::Open(url);
  ASSERT_TRUE(blobs.has_value()) << blobs.error().ToString();
  auto old = (*blobs)->Put("old bytes");
  auto again = (*blobs)->Put("put again");
  ASSERT_TRUE(old.has_value()) << old.error().ToString();
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  pqxx::connection c(url);
  pqxx::nontransaction tx(c);
  // Both as if put long ago; then one is put again, which is now.
  tx.exec("UPDATE blobs SET touched_at = 1000");
  ASSERT_EQ(*(*blobs)->Put("put again"), *again);
  EXPECT_GT(
      tx.exec_params("SELECT touched_at FROM blobs WHERE sha256 = $1", *again)[0][0].as<int64_t>(),
      1000);

  auto removed = (*blobs)->RemoveUnlessUsed(*old, 2000);
  ASSERT_TRUE(removed.has_value()) << removed.error().ToString();
  EXPECT_EQ(removed->outcome, BlobStore::Removal::kRemoved);
  EXPECT_EQ(removed->bytes, 9);
  EXPECT_EQ((*blobs)->Get(*old).error().code(), Code::kNotFound);

  auto recent = (*blobs)->RemoveUnlessUsed(*again, 2000);
  ASSERT_TRUE(recent.has_value()) << recent.error().ToString();
  EXPECT_EQ(recent->outcome, BlobStore::Removal::kRecent);
  EXPECT_EQ(recent->bytes, 0);
  EXPECT_EQ(*(*blobs)->Get(*again), "put again");

  auto absent = (*blobs)->RemoveUnlessUsed(*old, 2000);
  ASSERT_TRUE(absent.has_value()) << absent.error().ToString();
  EXPECT_EQ(absent->outcome, BlobStore::Removal::kAbsent);

  // Removed, the same bytes can be stored again.
  ASSERT_EQ(*(*blobs)->Put("old bytes"), *old);
  EXPECT_EQ(*(*blobs)->Get(*old), "old bytes");

  for (const std::string& bad : {std::string(), std::string("abc"), std::string(64, 'A'),
                                 std::string(63, 'a'), std::string(64, 'g'), *again + "0"}) {
    auto refused = (*blobs)->RemoveUnlessUsed(bad, 2000);
    ASSERT_FALSE(refused.has_value()) << bad;
    EXPECT_EQ(refused.error().code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_EQ(tx.exec("SELECT COUNT(*) FROM blobs")[0][0].as<int>(), 2);
}

TEST(PostgresStoreTest, ABlobStoreOverAnUnmigratedDatabaseSaysSo) {
  if (!pgtest::RequireServer()) return;
  auto blobs = PostgresBlobStore::Open(pgtest::FreshSchemaUrl());
  ASSERT_FALSE(blobs.has_value());
  EXPECT_EQ(blobs.error().code(), Code::kFailedPrecondition) << blobs.error().ToString();
  EXPECT_NE(blobs.error().message().find("blobs table"), std::string::npos);
}

// A connection the server closed while it sat idle (a restart, pg_terminate_backend) is opened
// again before the next call uses it: that call succeeds and sees everything committed before.
// One cut silently (no farewell on its socket) costs the call that finds it broken an
// Unavailable; the next connects again.
TEST(PostgresStoreTest, AConnectionTheServerClosedWhileIdleIsOpenedAgainBeforeTheNextCall) {
  if (!pgtest::RequireServer()) return;
  const std::string app = "atelier_drop_" + std::to_string(getpid());
  const std::string schema_url = pgtest::FreshSchemaUrl();
  const std::string url = schema_url + "&application_name=" + app;
  auto store = PostgresStore::Open(url);
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  ASSERT_TRUE((*store)->EnsureWorkspace("ws", "kept").ok());
  auto* accounts = dynamic_cast<AccountStore*>(store->get());
  for (int round = 0; round < 3; ++round) {
    ASSERT_EQ(pgtest::TerminateBackends(app), 1u) << "round " << round;
    auto ws = accounts->GetWorkspace("ws");
    ASSERT_TRUE(ws.has_value()) << "round " << round << ": " << ws.error().ToString();
    EXPECT_EQ(ws->name, "kept");
  }
  // The blob store's connection too (the artifact a client downloads after a restart).
  const std::string blob_app = app + "_blobs";
  auto blobs = PostgresBlobStore::Open(schema_url + "&application_name=" + blob_app);
  ASSERT_TRUE(blobs.has_value()) << blobs.error().ToString();
  auto sha = (*blobs)->Put("kept bytes");
  ASSERT_TRUE(sha.has_value()) << sha.error().ToString();
  ASSERT_EQ(pgtest::TerminateBackends(blob_app), 1u);
  auto bytes = (*blobs)->Get(*sha);
  ASSERT_TRUE(bytes.has_value()) << bytes.error().ToString();
  EXPECT_EQ(*bytes, "kept bytes");
}

// Several connections commit batches of transitions at once, each transition appending events
// and then writing rows (so that, were positions taken early, a transaction holding a low one
// would still be busy while a later one commits). A reader follows the workspace stream by
// position as it goes: it must see every event exactly once, with positions one apart.
TEST(PostgresStoreTest, AReaderFollowingPositionsNeverSkipsAnEventCommittedConcurrently) {
  if (!pgtest::RequireServer()) return;
  const std::string url = pgtest::FreshSchemaUrl();
  constexpr int kWriters = 4;
  constexpr int kBatches = 40;
  constexpr int kPerBatch = 3;
  auto seed = PostgresStore::Open(url);
  ASSERT_TRUE(seed.has_value()) << seed.error().ToString();
  ASSERT_TRUE((*seed)->EnsureWorkspace("ws", "ws").ok());
  for (int w = 0; w < kWriters; ++w) {
    ExecutionRecord ex;
    ex.id = "ex_" + std::to_string(w);
    ex.workspace_id = "ws";
    ex.status = ExecStatus::kRunning;
    auto r = (*seed)->Commit({Transition{{ExecWrite{ex, {}, true}}}});
    ASSERT_TRUE(r.has_value() && r->applied[0]) << "seeding " << ex.id;
  }

  std::atomic<int> writers_left{kWriters};
  std::vector<std::string> errors(kWriters);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      auto store = PostgresStore::Open(url);
      if (!store) {
        errors[w] = store.error().ToString();
        --writers_left;
        return;
      }
      const std::string ex = "ex_" + std::to_string(w);
      for (int b = 0; b < kBatches && errors[w].empty(); ++b) {
        std::vector<Transition> batch;
        for (int t = 0; t < kPerBatch; ++t) {
          Event e;
          e.execution_id = ex;
          e.type = "tick";
          e.payload = Json{{"batch", b}, {"t", t}};
          StepRecord s;
          s.execution_id = ex;
          s.step_id = "s" + std::to_string(b) + "_" + std::to_string(t);
          s.status = StepStatus::kReady;
          batch.push_back(Transition{
              {EventAppend{e}, EventAppend{e}, StepWrite{s, std::nullopt, std::nullopt, true}}});
        }
        auto r = (*store)->Commit(batch);
        // Lost races are retried, as the engine does; nothing else may fail.
        if (!r && r.error().code() == Code::kUnavailable) {
          --b;
          continue;
        }
        if (!r) errors[w] = r.error().ToString();
      }
      --writers_left;
    });
  }

  auto reader = PostgresStore::Open(url);
  ASSERT_TRUE(reader.has_value()) << reader.error().ToString();
  auto* accounts = dynamic_cast<AccountStore*>(reader->get());
  const int64_t total = int64_t{kWriters} * kBatches * kPerBatch * 2;
  std::vector<Event> seen;
  int64_t last = 0;
  std::string read_error;
  while (static_cast<int64_t>(seen.size()) < total) {
    const bool writing = writers_left.load() > 0;
    auto page = accounts->ReadWorkspaceEvents("ws", last, 50);
    if (!page) {
      read_error = page.error().ToString();
      break;
    }
    for (const Event& e : *page) {
      seen.push_back(e);
      last = e.gid;
    }
    // Writers done and nothing new after that: whatever is missing was skipped for good.
    if (!writing && page->empty()) break;
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(read_error, "");
  for (int w = 0; w < kWriters; ++w) EXPECT_EQ(errors[w], "") << "writer " << w;

  ASSERT_EQ(static_cast<int64_t>(seen.size()), total);
  for (size_t i = 0; i < seen.size(); ++i) {
    ASSERT_EQ(seen[i].gid, static_cast<int64_t>(i) + 1)
        << "position " << i << " of " << seen[i].execution_id;
  }
  // And per execution, seqs 1..n in stream order.
  std::map<std::string, int64_t> seq;
  for (const Event& e : seen) EXPECT_EQ(e.seq, ++seq[e.execution_id]) << e.execution_id;
}

}  // namespace
}  // namespace atelier

namespace atelier {
namespace {

// Commits one transition, failing the test when it is not applied.
void CommitOne(Store& store, Transition t) {
  auto r = store.Commit({std::move(t)});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_TRUE(r->applied[0]);
}

// Two processes on one database share a provider's limits: a slot one holds is not the other's,
// the requests of the last minute count whoever made them, and a call of a process that died
// stops counting when its lease runs out (while its owner renews the lease, it holds).
TEST(PostgresStoreTest, ProcessesOnOneDatabaseShareAProvidersLimits) {
  if (!pgtest::RequireServer()) return;
  const std::string url = pgtest::FreshSchemaUrl();
  auto a_store = PostgresStore::Open(url);
  auto b_store = PostgresStore::Open(url);
  ASSERT_TRUE(a_store.has_value()) << a_store.error().ToString();
  ASSERT_TRUE(b_store.has_value()) << b_store.error().ToString();
  std::shared_ptr<LimitCounter> a = (*a_store)->OpenLimitCounter("host:1:a", 1000);
  std::shared_ptr<LimitCounter> b = (*b_store)->OpenLimitCounter("host:2:b", 1000);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  auto acquire = [](LimitCounter& c, const ProviderLimits& l, int64_t now, int64_t tokens = 0) {
    auto r = c.TryAcquire("openai", l, tokens, now);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r ? *r : LimitCounter::Answer{};
  };

  const ProviderLimits one_at_once{0, 0, 1};
  const int64_t t = 1'000'000;
  auto held = acquire(*a, one_at_once, t);
  ASSERT_TRUE(held.granted);
  auto refused = acquire(*b, one_at_once, t + 10);
  EXPECT_FALSE(refused.granted);
  EXPECT_GT(refused.retry_in_ms, 0);
  a->Release("openai", held.ticket, 0);
  auto next = acquire(*b, one_at_once, t + 20);
  ASSERT_TRUE(next.granted);
  b->Release("openai", next.ticket, 0);

  // Three requests a minute between them; a fourth waits for the first to leave the window.
  const ProviderLimits three_a_minute{3, 0, 0};
  const int64_t u = 5'000'000;
  for (LimitCounter* c : {a.get(), b.get(), a.get()}) {
    auto r = acquire(*c, three_a_minute, u);
    ASSERT_TRUE(r.granted);
    c->Release("openai", r.ticket, 0);
  }
  EXPECT_FALSE(acquire(*b, three_a_minute, u + 1000).granted);
  EXPECT_TRUE(acquire(*b, three_a_minute, u + 60'001).granted);

  // A dies holding the only slot: B waits until A's lease (1 s) has run out, unless A renews it.
  const int64_t v = 9'000'000;
  ASSERT_TRUE(acquire(*a, one_at_once, v).granted);
  EXPECT_FALSE(acquire(*b, one_at_once, v + 900).granted);
  ASSERT_TRUE((*a_store)->RenewLeases("host:1:a", v + 3000).has_value());
  EXPECT_FALSE(acquire(*b, one_at_once, v + 2000).granted) << "a renewed lease still holds";
  EXPECT_TRUE(acquire(*b, one_at_once, v + 3001).granted);

  // Tokens: the estimate counts until the call ends, then what it really used.
  const ProviderLimits budget{0, 1000, 0};
  const int64_t w = 20'000'000;
  auto big = acquire(*a, budget, w, 900);
  ASSERT_TRUE(big.granted);
  EXPECT_FALSE(acquire(*b, budget, w + 1, 200).granted);
  a->Release("openai", big.ticket, 100);
  EXPECT_TRUE(acquire(*b, budget, w + 2, 200).granted);
}

// The limit counter has a connection of its own: while a commit of the same store waits on a row
// another transaction holds, a question about a provider's limits is still answered at once (on
// the store's connection it would wait for the commit, up to its 30 s lock timeout).
TEST(PostgresStoreTest, ALimitQuestionDoesNotWaitBehindTheStoresCommit) {
  if (!pgtest::RequireServer()) return;
  const std::string url = pgtest::FreshSchemaUrl();
  auto store = PostgresStore::Open(url);
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  ExecutionRecord ex;
  ex.id = "ex_held";
  ex.workspace_id = "ws_limits";
  ex.template_id = "tpl";
  ex.template_version = 1;
  ex.status = ExecStatus::kRunning;
  ex.created_at = ex.updated_at = 1000;
  auto seeded = (*store)->Commit({Transition{{ExecWrite{ex, {}, true}}}});
  ASSERT_TRUE(seeded.has_value() && seeded->applied == std::vector<bool>{true});
  std::shared_ptr<LimitCounter> counter = (*store)->OpenLimitCounter("host:1:a", 1000);
  ASSERT_NE(counter, nullptr);

  pqxx::connection blocker(url);
  pqxx::work hold(blocker);
  hold.exec("SELECT id FROM executions WHERE id = 'ex_held' FOR UPDATE");
  const int blocker_pid = blocker.backendpid();
  std::atomic<bool> committed{false};
  std::thread commit([&] {
    ExecutionRecord done = ex;
    done.status = ExecStatus::kCompleted;
    auto r = (*store)->Commit({Transition{{ExecWrite{done, {ExecStatus::kRunning}, false}}}});
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    committed = true;
  });
  // Until the store's commit waits on the blocker's lock.
  pqxx::connection watcher(url);
  bool waiting = false;
  for (int i = 0; i < 200 && !waiting; ++i) {
    pqxx::nontransaction look(watcher);
    waiting = look.exec("SELECT count(*) FROM pg_stat_activity WHERE " +
                        std::to_string(blocker_pid) + " = ANY(pg_blocking_pids(pid))")[0][0]
                  .as<int>() > 0;
    if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_TRUE(waiting) << "the commit never waited on the held row";

  auto asked = std::async(std::launch::async, [&] {
    return counter->TryAcquire("openai", ProviderLimits{0, 0, 1}, 0, 5'000'000);
  });
  const bool answered = asked.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
  EXPECT_TRUE(answered) << "the limit counter waited behind the store's commit";
  EXPECT_FALSE(committed) << "the commit ended before the row was released";
  hold.abort();
  commit.join();
  auto answer = asked.get();
  ASSERT_TRUE(answer.has_value()) << answer.error().ToString();
  EXPECT_TRUE(answer->granted);
  EXPECT_TRUE(committed);
}

// Claimants at the same time split the queue: a row another transaction holds locked is skipped,
// not waited for (FOR UPDATE SKIP LOCKED; waiting would end in the 30 s lock timeout, an error),
// and three connections claiming in small batches at once get every execution exactly once.
TEST(PostgresStoreTest, ConcurrentClaimantsSplitTheQueueWithoutWaitingOrOverlapping) {
  if (!pgtest::RequireServer()) return;
  const std::string url = pgtest::FreshSchemaUrl();
  constexpr int kExecutions = 300;
  constexpr int kClaimants = 3;
  auto seed = PostgresStore::Open(url);
  ASSERT_TRUE(seed.has_value()) << seed.error().ToString();
  ASSERT_TRUE((*seed)->EnsureWorkspace("ws", "ws").ok());
  Transition launch;
  for (int i = 0; i < kExecutions; ++i) {
    ExecutionRecord ex;
    ex.id = "ex_" + std::to_string(1000 + i);
    ex.workspace_id = "ws";
    ex.status = ExecStatus::kQueued;
    ex.created_at = 1000 + i;
    launch.ops.push_back(ExecWrite{ex, {}, true});
  }
  CommitOne(**seed, std::move(launch));

  {
    // Another transaction holds the oldest execution's row.
    pqxx::connection holder(url);
    pqxx::work tx(holder);
    tx.exec("SELECT id FROM executions WHERE id = 'ex_1000' FOR UPDATE");
    auto claimed = (*seed)->ClaimExecutions(ClaimRequest{"ws", "w0", 5000, 90000, 2});
    ASSERT_TRUE(claimed.has_value()) << claimed.error().ToString();
    ASSERT_EQ(claimed->size(), 2u);
    EXPECT_EQ((*claimed)[0].rec.id, "ex_1001");
    EXPECT_EQ((*claimed)[1].rec.id, "ex_1002");
    tx.abort();
  }

  std::vector<std::vector<std::string>> got(kClaimants);
  std::vector<std::string> errors(kClaimants);
  std::latch go(kClaimants);
  std::vector<std::thread> threads;
  for (int c = 0; c < kClaimants; ++c) {
    threads.emplace_back([&, c] {
      auto store = PostgresStore::Open(url);
      if (!store) {
        errors[c] = store.error().ToString();
        return;
      }
      go.arrive_and_wait();
      const ClaimRequest req{"ws", "w" + std::to_string(c + 1), 5000, 90000, 7};
      for (;;) {
        auto claimed = (*store)->ClaimExecutions(req);
        if (!claimed) {
          errors[c] = claimed.error().ToString();
          return;
        }
        if (claimed->empty()) return;
        for (const auto& e : *claimed) got[c].push_back(e.rec.id);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::map<std::string, int> times;
  for (int c = 0; c < kClaimants; ++c) {
    EXPECT_EQ(errors[c], "") << "claimant " << c + 1;
    for (const std::string& id : got[c]) ++times[id];
  }
  EXPECT_EQ(times.size(), static_cast<size_t>(kExecutions - 2));  // all but the two w0 took
  for (const auto& [id, n] : times) EXPECT_EQ(n, 1) << id << " was claimed " << n << " times";
  EXPECT_EQ(times.count("ex_1001") + times.count("ex_1002"), 0u);
  EXPECT_EQ(times.count("ex_1000"), 1u);  // skipped while locked, claimed once free
}

// Waits up to 10 s for `kinds` to ring (the bits may come over several Waits).
unsigned WaitFor(ChangeFeed& feed, unsigned kinds) {
  unsigned seen = 0;
  for (int i = 0; i < 20 && (seen & kinds) != kinds; ++i) seen |= feed.Wait(500);
  return seen;
}

// The doorbell between processes: another connection's commits ring the feed when they append
// events (streams look now) and when they leave an execution for a process to drive (a worker
// takes it over now); a commit that does neither rings nothing; another schema's commits never
// ring; a feed whose connection the server dropped connects again and rings everything, since
// what rang meanwhile is unknown.
TEST(PostgresStoreTest, TheChangeFeedRingsForEventsAndForWorkCommittedByOtherConnections) {
  if (!pgtest::RequireServer()) return;
  const std::string app = "atelier_feed_" + std::to_string(getpid());
  const std::string url = pgtest::FreshSchemaUrl() + "&application_name=" + app;
  auto listener = PostgresStore::Open(url);
  ASSERT_TRUE(listener.has_value()) << listener.error().ToString();
  std::unique_ptr<ChangeFeed> feed = (*listener)->OpenChangeFeed();
  ASSERT_NE(feed, nullptr);
  EXPECT_EQ(feed->Wait(50), 0u);  // connects; nothing rang yet
  auto writer = PostgresStore::Open(url);
  ASSERT_TRUE(writer.has_value()) << writer.error().ToString();
  ASSERT_TRUE((*writer)->EnsureWorkspace("ws", "ws").ok());

  // Launched by a process that runs no steps: queued, no owner, its first event.
  ExecutionRecord ex;
  ex.id = "ex_1";
  ex.workspace_id = "ws";
  ex.status = ExecStatus::kQueued;
  Event created;
  created.execution_id = ex.id;
  created.type = "execution_created";
  CommitOne(**writer, Transition{{ExecWrite{ex, {}, true}, EventAppend{created}}});
  EXPECT_EQ(WaitFor(*feed, kChangeAll), unsigned{kChangeAll});

  // Owned by a live process: events ring, work does not.
  ex.status = ExecStatus::kRunning;
  ex.owner = "worker-1";
  ex.owner_expires_at = 1;
  Event started;
  started.execution_id = ex.id;
  started.type = "execution_started";
  CommitOne(**writer,
            Transition{{ExecWrite{ex, {ExecStatus::kQueued}, false}, EventAppend{started}}});
  EXPECT_EQ(WaitFor(*feed, kChangeEvents), unsigned{kChangeEvents});
  EXPECT_EQ(feed->Wait(300), 0u);

  // Handed back without an event (a process resting it): work rings alone.
  ex.owner.clear();
  ex.owner_expires_at = 0;
  CommitOne(**writer, Transition{{ExecWrite{ex, {ExecStatus::kRunning}, false}}});
  EXPECT_EQ(WaitFor(*feed, kChangeWork), unsigned{kChangeWork});

  // A commit in another schema of the same database rings nothing here.
  auto other = PostgresStore::Open(pgtest::FreshSchemaUrl());
  ASSERT_TRUE(other.has_value()) << other.error().ToString();
  ASSERT_TRUE((*other)->EnsureWorkspace("ws", "ws").ok());
  ExecutionRecord elsewhere = ex;
  elsewhere.id = "ex_other";
  Event e2 = created;
  e2.execution_id = elsewhere.id;
  CommitOne(**other, Transition{{ExecWrite{elsewhere, {}, true}, EventAppend{e2}}});
  EXPECT_EQ(feed->Wait(300), 0u);

  // Interrupt makes a long Wait return at once.
  std::thread interrupter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    feed->Interrupt();
  });
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(feed->Wait(30000), 0u);
  interrupter.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));

  // The feed's connection is dropped by the server: it connects again and rings everything.
  ASSERT_EQ(pgtest::TerminateBackends(app, "query LIKE 'LISTEN%'"), 1u);
  EXPECT_EQ(WaitFor(*feed, kChangeAll), unsigned{kChangeAll});
  // And it still hears what is committed after.
  Event later = started;
  later.type = "tick";
  CommitOne(**writer, Transition{{EventAppend{later}}});
  EXPECT_EQ(WaitFor(*feed, kChangeEvents), unsigned{kChangeEvents});
}

}  // namespace
}  // namespace atelier
