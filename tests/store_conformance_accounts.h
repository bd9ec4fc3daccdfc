// The account contract (atelier/store/accounts.h), part of StoreConformance (store_conformance.h
// includes this file): workspaces, API keys, the credit ledger and launch idempotency keys.
#pragma once

namespace atelier {

// --- workspaces ---

TEST_P(StoreConformance, WorkspacesAreReadBackAndUnknownIdsAreNotFound) {
  auto ws = accounts_->GetWorkspace(kWs);
  ASSERT_TRUE(ws.has_value()) << ws.error().ToString();
  EXPECT_EQ(ws->id, kWs);
  EXPECT_EQ(ws->name, "main");
  auto missing = accounts_->GetWorkspace("ws_nope");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  EXPECT_NE(missing.error().message().find("ws_nope"), std::string::npos);

  auto all = accounts_->ListWorkspaces();
  ASSERT_TRUE(all.has_value()) << all.error().ToString();
  ASSERT_EQ(all->size(), 2u);
  std::set<std::string> ids = {(*all)[0].id, (*all)[1].id};
  EXPECT_EQ(ids, (std::set<std::string>{kWs, kOtherWs}));
  EXPECT_LE((*all)[0].created_at, (*all)[1].created_at);
}

// --- API keys ---

TEST_P(StoreConformance, ApiKeysAreInsertedFoundListedAndCounted) {
  ApiKeyRecord a = Key("key_a", "hash_a", 100, kWs, Role::kAdmin);
  ASSERT_TRUE(accounts_->InsertApiKey(a).ok());
  ASSERT_TRUE(accounts_->InsertApiKey(Key("key_b", "hash_b", 200)).ok());
  ASSERT_TRUE(accounts_->InsertApiKey(Key("key_c", "hash_c", 150, kOtherWs)).ok());

  auto found = accounts_->FindApiKeyByHash("hash_a");
  ASSERT_TRUE(found.has_value()) << found.error().ToString();
  EXPECT_EQ(found->id, "key_a");
  EXPECT_EQ(found->workspace_id, kWs);
  EXPECT_EQ(found->role, Role::kAdmin);
  EXPECT_EQ(found->name, a.name);
  EXPECT_EQ(found->prefix, a.prefix);
  EXPECT_EQ(found->secret_hash, "hash_a");
  EXPECT_EQ(found->created_at, 100);
  EXPECT_EQ(found->revoked_at, 0);
  auto unknown = accounts_->FindApiKeyByHash("hash_zzz");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code(), Code::kNotFound);

  auto listed = accounts_->ListApiKeys(kWs);
  ASSERT_TRUE(listed.has_value()) << listed.error().ToString();
  EXPECT_EQ(Ids(*listed), (std::vector<std::string>{"key_a", "key_b"}));
  EXPECT_EQ((*listed)[1].role, Role::kEditor);
  EXPECT_EQ(Ids(*accounts_->ListApiKeys(kOtherWs)), (std::vector<std::string>{"key_c"}));
  EXPECT_TRUE(accounts_->ListApiKeys("ws_nope")->empty());
  EXPECT_EQ(*accounts_->CountApiKeys(), 3);
}

TEST_P(StoreConformance, ApiKeyConflictsAndUnknownWorkspacesAreRefused) {
  ASSERT_TRUE(accounts_->InsertApiKey(Key("key_a", "hash_a", 100)).ok());
  Status same_id = accounts_->InsertApiKey(Key("key_a", "hash_other", 100));
  EXPECT_EQ(same_id.code(), Code::kAlreadyExists) << same_id.ToString();
  Status same_hash = accounts_->InsertApiKey(Key("key_b", "hash_a", 100, kOtherWs));
  EXPECT_EQ(same_hash.code(), Code::kAlreadyExists) << same_hash.ToString();
  Status no_ws = accounts_->InsertApiKey(Key("key_c", "hash_c", 100, "ws_nope"));
  EXPECT_EQ(no_ws.code(), Code::kNotFound) << no_ws.ToString();
  EXPECT_EQ(*accounts_->CountApiKeys(), 1);
  EXPECT_EQ(accounts_->FindApiKeyByHash("hash_a")->id, "key_a");
}

TEST_P(StoreConformance, RevokingAKeyKeepsTheFirstTimeAndOtherWorkspacesSeeNotFound) {
  ASSERT_TRUE(accounts_->InsertApiKey(Key("key_a", "hash_a", 100)).ok());
  auto revoked = accounts_->RevokeApiKey(kWs, "key_a", 7000);
  ASSERT_TRUE(revoked.has_value()) << revoked.error().ToString();
  EXPECT_EQ(revoked->id, "key_a");
  EXPECT_EQ(revoked->revoked_at, 7000);
  auto again = accounts_->RevokeApiKey(kWs, "key_a", 9000);
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_EQ(again->revoked_at, 7000);
  // Still found by its hash (so that the server can say "revoked") and still counted.
  EXPECT_EQ(accounts_->FindApiKeyByHash("hash_a")->revoked_at, 7000);
  EXPECT_EQ(accounts_->ListApiKeys(kWs)->at(0).revoked_at, 7000);
  EXPECT_EQ(*accounts_->CountApiKeys(), 1);

  ASSERT_TRUE(accounts_->InsertApiKey(Key("key_b", "hash_b", 100)).ok());
  for (const auto& [ws, id] :
       std::vector<std::pair<std::string, std::string>>{{kOtherWs, "key_b"}, {kWs, "key_nope"}}) {
    auto r = accounts_->RevokeApiKey(ws, id, 8000);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), Code::kNotFound);
    EXPECT_NE(r.error().message().find(id), std::string::npos) << r.error().message();
  }
  EXPECT_EQ(accounts_->FindApiKeyByHash("hash_b")->revoked_at, 0);
}

// --- credits ---

TEST_P(StoreConformance, LedgerAppendSkipsAKeyAlreadyInTheLedger) {
  SeedExecution("ex_1");
  EXPECT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kGrant, "grant-1", 1000))}));
  // A replay with another amount adds nothing, and still counts as applied.
  EXPECT_TRUE(
      CommitOne({Ledger(Entry(LedgerKind::kGrant, "grant-1", 5000)), Ev("ex_1", "replayed")}));
  EXPECT_EQ(Seqs("ex_1"), Range(1, 2));
  EXPECT_EQ(Balance().balance, 1000);
  // The same key in another workspace is another entry.
  EXPECT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kGrant, "grant-1", 30, "", "", kOtherWs))}));
  EXPECT_EQ(Balance(kOtherWs).balance, 30);
  EXPECT_EQ(Balance().balance, 1000);

  auto found = accounts_->FindLedgerEntry(kWs, "grant-1");
  ASSERT_TRUE(found.has_value()) << found.error().ToString();
  ASSERT_TRUE(found->has_value());
  const LedgerEntry& e = **found;
  EXPECT_GT(e.id, 0);
  EXPECT_EQ(e.workspace_id, kWs);
  EXPECT_EQ(e.kind, LedgerKind::kGrant);
  EXPECT_EQ(e.amount, 1000);
  EXPECT_EQ(e.key, "grant-1");
  EXPECT_EQ(e.note, "note grant-1");
  EXPECT_EQ(e.created_at, 5000);
  EXPECT_FALSE(accounts_->FindLedgerEntry(kWs, "nope")->has_value());
  auto ledger = accounts_->ListLedger(kWs, LedgerFilter{});
  ASSERT_TRUE(ledger.has_value()) << ledger.error().ToString();
  ASSERT_EQ(ledger->size(), 1u);
  EXPECT_EQ((*ledger)[0].id, e.id);
}

TEST_P(StoreConformance, ReservationWithoutFundsAppliesNothingOfItsTransition) {
  SeedExecution("ex_1");
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kGrant, "grant", 50))}));
  StepRecord a = Step("ex_1", "a", StepStatus::kSucceeded, 1);
  IdempotencyRecord idem{kWs, "idem-1", "h", "ex_1", 1};
  // Writes before the refused reservation and after it: none of them may stay.
  EXPECT_FALSE(CommitOne({Ev("ex_1", "paid_step_started", "a"), UpdateStep(a, StepStatus::kRunning),
                          Ledger(Entry(LedgerKind::kReservation, "res-1", -80, "", "ex_1"), true),
                          IdempotencyPut{idem}, Ledger(Entry(LedgerKind::kGrant, "g2", 1))}));
  EXPECT_EQ(Seqs("ex_1"), Range(1, 1));
  EXPECT_EQ(FindStep("ex_1", "a")->status, StepStatus::kRunning);
  EXPECT_FALSE(accounts_->FindLedgerEntry(kWs, "res-1")->has_value());
  EXPECT_FALSE(accounts_->FindLedgerEntry(kWs, "g2")->has_value());
  EXPECT_FALSE(accounts_->FindIdempotencyKey(kWs, "idem-1")->has_value());
  CreditBalance b = Balance();
  EXPECT_EQ(b.balance, 50);
  EXPECT_EQ(b.reserved, 0);
  EXPECT_TRUE(accounts_->OpenReservations(kWs)->empty());

  // In a batch, the refused transition leaves its neighbours alone.
  auto r = store_->Commit(
      {Transition{{Ledger(Entry(LedgerKind::kReservation, "res-2", -30), true), Ev("ex_1", "x")}},
       Transition{{Ev("ex_1", "y"), Ledger(Entry(LedgerKind::kReservation, "res-3", -30), true)}},
       Transition{{Ledger(Entry(LedgerKind::kReservation, "res-4", -20), true), Ev("ex_1", "z")}}});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->applied, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(Seqs("ex_1"), Range(1, 3));
  b = Balance();
  EXPECT_EQ(b.balance, 0);  // exactly zero is allowed
  EXPECT_EQ(b.reserved, 50);

  // Without require_funds the balance may go below zero (a settlement over the estimate).
  EXPECT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kSettlement, "set-4", -5, "res-4"))}));
  EXPECT_EQ(Balance().balance, -5);
  // A replayed reservation is a no-op that succeeds even without funds.
  EXPECT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kReservation, "res-2", -30), true)}));
  EXPECT_FALSE(CommitOne({Ledger(Entry(LedgerKind::kReservation, "res-5", -1), true)}));
  EXPECT_EQ(Balance().balance, -5);
}

TEST_P(StoreConformance, BalanceTracksReservationsSettlementsAndRefunds) {
  SeedExecution("ex_1");
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kGrant, "grant", 1000000))}));
  CreditBalance b = Balance();
  EXPECT_EQ(b.balance, 1000000);
  EXPECT_EQ(b.granted, 1000000);
  EXPECT_EQ(b.reserved, 0);
  EXPECT_EQ(b.spent, 0);

  // Reserve 300, then settle at an actual cost of 200.
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kReservation, "r1", -300, "", "ex_1"), true)}));
  b = Balance();
  EXPECT_EQ(b.balance, 999700);
  EXPECT_EQ(b.reserved, 300);
  EXPECT_EQ(b.spent, 0);
  auto open = accounts_->OpenReservations(kWs);
  ASSERT_TRUE(open.has_value()) << open.error().ToString();
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].key, "r1");
  EXPECT_EQ((*open)[0].amount, -300);
  EXPECT_EQ((*open)[0].kind, LedgerKind::kReservation);
  EXPECT_EQ((*open)[0].execution_id, "ex_1");

  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kSettlement, "s1", 100, "r1", "ex_1"))}));
  b = Balance();
  EXPECT_EQ(b.balance, 999800);
  EXPECT_EQ(b.reserved, 0);
  EXPECT_EQ(b.spent, 200);
  EXPECT_TRUE(accounts_->OpenReservations(kWs)->empty());

  // Reserve 400, then refund it: nothing spent.
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kReservation, "r2", -400, "", "ex_1"), true)}));
  EXPECT_EQ(Balance().reserved, 400);
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kRefund, "f2", 400, "r2", "ex_1"))}));
  b = Balance();
  EXPECT_EQ(b.balance, 999800);
  EXPECT_EQ(b.reserved, 0);
  EXPECT_EQ(b.spent, 200);

  // Replays of closing entries change nothing; two reservations stay open, oldest first.
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kSettlement, "s1", 100, "r1", "ex_1"))}));
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kReservation, "r3", -50, "", "ex_1"))}));
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kReservation, "r4", -70, "", "ex_1"))}));
  b = Balance();
  EXPECT_EQ(b.balance, 999680);
  EXPECT_EQ(b.granted, 1000000);
  EXPECT_EQ(b.reserved, 120);
  EXPECT_EQ(b.spent, 200);
  EXPECT_EQ(b.balance, b.granted - b.reserved - b.spent);
  open = accounts_->OpenReservations(kWs);
  ASSERT_TRUE(open.has_value());
  ASSERT_EQ(open->size(), 2u);
  EXPECT_EQ((*open)[0].key, "r3");
  EXPECT_EQ((*open)[1].key, "r4");
  EXPECT_TRUE(accounts_->OpenReservations(kOtherWs)->empty());

  CreditBalance none = Balance(kOtherWs);
  EXPECT_EQ(none.balance, 0);
  EXPECT_EQ(none.reserved, 0);
  EXPECT_EQ(none.granted, 0);
  EXPECT_EQ(none.spent, 0);
}

TEST_P(StoreConformance, AReservationClosesOnceAndClosingNothingAddsNothing) {
  SeedExecution("ex_1");
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kGrant, "grant", 1000))}));
  // A refund of a reservation that was never made adds nothing (the engine refunds blindly
  // when it recovers or stops a step).
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kRefund, "f0", 300, "r0", "ex_1"))}));
  EXPECT_EQ(Balance().balance, 1000);
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kReservation, "r1", -300, "", "ex_1"), true)}));
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kSettlement, "s1", 100, "r1", "ex_1"))}));
  // A refund under another key after the settlement: the reservation is already closed.
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kRefund, "f1", 300, "r1", "ex_1"))}));
  CreditBalance b = Balance();
  EXPECT_EQ(b.balance, 800);
  EXPECT_EQ(b.spent, 200);
  EXPECT_EQ(b.reserved, 0);
}

TEST_P(StoreConformance, CommitSaysWhichTransitionsLackedFunds) {
  SeedExecution("ex_1");
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kGrant, "grant", 100))}));
  std::vector<Transition> batch(3);
  batch[0].ops.push_back(Ledger(Entry(LedgerKind::kReservation, "a", -60, "", "ex_1"), true));
  batch[1].ops.push_back(Ledger(Entry(LedgerKind::kReservation, "b", -60, "", "ex_1"), true));
  batch[2].ops.push_back(ExecGuard{"ex_1", {ExecStatus::kPaused}});
  auto r = store_->Commit(batch);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->applied, (std::vector<bool>{true, false, false}));
  EXPECT_EQ(r->short_of_funds, (std::vector<bool>{false, true, false}));
  std::vector<Transition> one(1);
  one[0].ops.push_back(Ledger(Entry(LedgerKind::kReservation, "c", -60, "", "ex_1"), true));
  r = store_->Commit(one);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->short_of_funds, (std::vector<bool>{true}));
}

TEST_P(StoreConformance, ListLedgerPagesOldestFirstAndFiltersByExecution) {
  SeedExecution("ex_1");
  SeedExecution("ex_2");
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kGrant, "g", 1000))}));
  for (int i = 0; i < 3; ++i) {
    const std::string n = std::to_string(i);
    ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kReservation, "r1-" + n, -10, "", "ex_1")),
                           Ledger(Entry(LedgerKind::kReservation, "r2-" + n, -10, "", "ex_2"))}));
  }
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kGrant, "other", 5, "", "", kOtherWs))}));
  auto keys = [](const std::vector<LedgerEntry>& v) {
    std::vector<std::string> out;
    for (const auto& e : v) out.push_back(e.key);
    return out;
  };
  auto all = accounts_->ListLedger(kWs, LedgerFilter{});
  ASSERT_TRUE(all.has_value()) << all.error().ToString();
  EXPECT_EQ(keys(*all),
            (std::vector<std::string>{"g", "r1-0", "r2-0", "r1-1", "r2-1", "r1-2", "r2-2"}));
  for (size_t i = 1; i < all->size(); ++i) EXPECT_GT((*all)[i].id, (*all)[i - 1].id);
  int64_t sum = 0;
  for (const auto& e : *all) sum += e.amount;
  EXPECT_EQ(sum, Balance().balance);

  LedgerFilter page;
  page.limit = 3;
  std::vector<std::string> seen;
  for (int guard = 0; guard < 10; ++guard) {
    auto p = accounts_->ListLedger(kWs, page);
    ASSERT_TRUE(p.has_value());
    if (p->empty()) break;
    for (const auto& k : keys(*p)) seen.push_back(k);
    page.after_id = p->back().id;
  }
  EXPECT_EQ(seen, keys(*all));

  LedgerFilter ex2;
  ex2.execution_id = "ex_2";
  EXPECT_EQ(keys(*accounts_->ListLedger(kWs, ex2)),
            (std::vector<std::string>{"r2-0", "r2-1", "r2-2"}));
  ex2.after_id = (*all)[2].id;  // r2-0
  ex2.limit = 1;
  EXPECT_EQ(keys(*accounts_->ListLedger(kWs, ex2)), (std::vector<std::string>{"r2-1"}));
  EXPECT_EQ(keys(*accounts_->ListLedger(kOtherWs, LedgerFilter{})),
            (std::vector<std::string>{"other"}));

  // Newest first, in pages from the other end, and by execution.
  LedgerFilter newest;
  newest.newest_first = true;
  newest.limit = 3;
  std::vector<std::string> back;
  for (int guard = 0; guard < 10; ++guard) {
    auto p = accounts_->ListLedger(kWs, newest);
    ASSERT_TRUE(p.has_value());
    if (p->empty()) break;
    for (const auto& k : keys(*p)) back.push_back(k);
    newest.before_id = p->back().id;
  }
  EXPECT_EQ(back, (std::vector<std::string>{"r2-2", "r1-2", "r2-1", "r1-1", "r2-0", "r1-0", "g"}));
  LedgerFilter newest_ex1;
  newest_ex1.newest_first = true;
  newest_ex1.execution_id = "ex_1";
  newest_ex1.before_id = (*all)[5].id;  // r1-2: only what came before it
  EXPECT_EQ(keys(*accounts_->ListLedger(kWs, newest_ex1)),
            (std::vector<std::string>{"r1-1", "r1-0"}));
}

TEST_P(StoreConformance, ConcurrentReservationsNeverOverdraw) {
  ASSERT_TRUE(CommitOne({Ledger(Entry(LedgerKind::kGrant, "grant", 1000))}));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20;
  constexpr int64_t kCost = 30;
  std::atomic<int> applied{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &applied] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string key = "res-" + std::to_string(t) + "-" + std::to_string(i);
        auto r = store_->Commit(
            {Transition{{Ledger(Entry(LedgerKind::kReservation, key, -kCost), true)}}});
        EXPECT_TRUE(r.has_value()) << r.error().ToString();
        if (r.has_value() && r->applied.at(0)) applied.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(applied.load(), 1000 / kCost);
  CreditBalance b = Balance();
  EXPECT_GE(b.balance, 0);
  EXPECT_EQ(b.balance, 1000 - kCost * applied.load());
  EXPECT_EQ(b.reserved, kCost * applied.load());
  auto ledger = accounts_->ListLedger(kWs, LedgerFilter{0, "", 0});
  ASSERT_TRUE(ledger.has_value());
  int64_t sum = 0;
  for (const auto& e : *ledger) sum += e.amount;
  EXPECT_EQ(sum, b.balance);
  EXPECT_EQ(ledger->size(), static_cast<size_t>(1 + applied.load()));
}

// --- launch idempotency ---

TEST_P(StoreConformance, IdempotencyKeyBindsOnceAndAConflictRefusesTheLaunch) {
  IdempotencyRecord first{kWs, "launch-1", "hash-a", "ex_1", 1234};
  EXPECT_TRUE(CommitOne({InsertExec(Exec("ex_1")), IdempotencyPut{first}, Ev("ex_1", "created")}));
  auto found = accounts_->FindIdempotencyKey(kWs, "launch-1");
  ASSERT_TRUE(found.has_value()) << found.error().ToString();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->workspace_id, kWs);
  EXPECT_EQ((*found)->key, "launch-1");
  EXPECT_EQ((*found)->request_hash, "hash-a");
  EXPECT_EQ((*found)->execution_id, "ex_1");
  EXPECT_EQ((*found)->created_at, 1234);

  // A second launch with the same key: nothing of it is applied.
  IdempotencyRecord second{kWs, "launch-1", "hash-b", "ex_2", 2000};
  EXPECT_FALSE(
      CommitOne({InsertExec(Exec("ex_2")), Ev("ex_2", "created"), IdempotencyPut{second}}));
  EXPECT_EQ(store_->GetExecution(kWs, "ex_2").error().code(), Code::kNotFound);
  EXPECT_EQ((*accounts_->FindIdempotencyKey(kWs, "launch-1"))->execution_id, "ex_1");

  // Keys are per workspace.
  IdempotencyRecord other{kOtherWs, "launch-1", "hash-c", "ex_3", 3000};
  EXPECT_TRUE(CommitOne(
      {InsertExec(Exec("ex_3", ExecStatus::kQueued, 1000, kOtherWs)), IdempotencyPut{other}}));
  EXPECT_EQ((*accounts_->FindIdempotencyKey(kOtherWs, "launch-1"))->execution_id, "ex_3");
  EXPECT_FALSE(accounts_->FindIdempotencyKey(kWs, "launch-2")->has_value());
}

}  // namespace atelier
