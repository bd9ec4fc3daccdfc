// The store contract for outbound notifications (atelier/store/automations.h), part of
// StoreConformance (store_conformance.h includes this file): every backend keeps endpoints like
// triggers, reads the event log across workspaces by type, moves the notifier's cursor and stores
// a stretch's deliveries in one compare-and-set, and finds, guards and lists deliveries the same
// way.
#pragma once

namespace atelier {

inline EndpointRecord EndpointRow(const std::string& id, const std::string& name,
                                  const std::string& ws = "ws_main") {
  EndpointRecord r;
  r.id = id;
  r.workspace_id = ws;
  r.name = name;
  r.secret = "whsec_" + id;
  r.created_at = 100;
  r.updated_at = 100;
  r.spec = Json{{"url", "https://hooks.example.com/" + id},
                {"events", Json::array({"execution_completed", "execution_failed"})}};
  return r;
}

inline DeliveryRecord DeliveryRow(const std::string& id, int64_t event_gid, int64_t next_attempt_at,
                                  const std::string& ws = "ws_main") {
  DeliveryRecord d;
  d.id = id;
  d.workspace_id = ws;
  d.endpoint_id = "ntf_a";
  d.execution_id = "ex_1";
  d.event_gid = event_gid;
  d.event_type = "execution_completed";
  d.url = "https://hooks.example.com/ntf_a";
  d.next_attempt_at = next_attempt_at;
  d.created_at = 100;
  d.updated_at = 100;
  d.body = R"({"id":")" + id + R"(","type":"execution_completed","text":"café \"quoted\""})";
  return d;
}

// Stores `ds` as the notifier does: in the move of the cursor past the stretch they report.
inline void StoreDeliveries(AccountStore* accounts, const std::vector<DeliveryRecord>& ds) {
  auto at = accounts->NotifyCursor();
  ASSERT_TRUE(at.has_value()) << at.error().ToString();
  auto applied = accounts->AdvanceNotifyCursor(*at, *at + 1, ds);
  ASSERT_TRUE(applied.has_value()) << applied.error().ToString();
  ASSERT_TRUE(*applied);
}

// ---- endpoints --------------------------------------------------------------------------------

TEST_P(StoreConformance, EndpointsAreKeptListedByNameAndScopedByWorkspace) {
  ASSERT_TRUE(accounts_->InsertEndpoint(EndpointRow("ntf_b", "slack")).ok());
  ASSERT_TRUE(accounts_->InsertEndpoint(EndpointRow("ntf_a", "crm")).ok());
  auto got = accounts_->GetEndpoint(kWs, "ntf_b");
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(got->workspace_id, kWs);
  EXPECT_EQ(got->name, "slack");
  EXPECT_EQ(got->secret, "whsec_ntf_b");
  EXPECT_EQ(got->revision, 1);
  EXPECT_FALSE(got->paused);
  EXPECT_EQ(got->created_at, 100);
  EXPECT_EQ(got->spec["url"], "https://hooks.example.com/ntf_b");
  EXPECT_EQ(got->spec["events"][1], "execution_failed");
  EXPECT_EQ(got->state, Json::object());
  auto list = accounts_->ListEndpoints(kWs);
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  EXPECT_EQ(Ids(*list), (std::vector<std::string>{"ntf_a", "ntf_b"}));

  // Ids are unique across workspaces, names within one.
  EXPECT_EQ(accounts_->InsertEndpoint(EndpointRow("ntf_a", "other")).code(), Code::kAlreadyExists);
  EXPECT_EQ(accounts_->InsertEndpoint(EndpointRow("ntf_a", "other", kOtherWs)).code(),
            Code::kAlreadyExists);
  EXPECT_EQ(accounts_->InsertEndpoint(EndpointRow("ntf_c", "crm")).code(), Code::kAlreadyExists);
  EXPECT_TRUE(accounts_->InsertEndpoint(EndpointRow("ntf_c", "crm", kOtherWs)).ok());
  EXPECT_EQ(accounts_->InsertEndpoint(EndpointRow("ntf_d", "x", "ws_missing")).code(),
            Code::kNotFound);
  EXPECT_EQ(accounts_->GetEndpoint(kWs, "ntf_d").error().code(), Code::kNotFound);

  // Another workspace's endpoint answers like a missing one.
  EXPECT_EQ(accounts_->GetEndpoint(kOtherWs, "ntf_a").error().code(), Code::kNotFound);
  EXPECT_EQ(accounts_->GetEndpoint(kWs, "ntf_c").error().code(), Code::kNotFound);
  EXPECT_EQ(accounts_->GetEndpoint(kWs, "ntf_zz").error().code(), Code::kNotFound);
  EXPECT_EQ(Ids(*accounts_->ListEndpoints(kOtherWs)), (std::vector<std::string>{"ntf_c"}));
  EXPECT_TRUE(accounts_->ListEndpoints("ws_empty")->empty());
}

TEST_P(StoreConformance, UpdateEndpointAppliesOnlyOverTheRevisionRead) {
  ASSERT_TRUE(accounts_->InsertEndpoint(EndpointRow("ntf_a", "crm")).ok());
  ASSERT_TRUE(accounts_->InsertEndpoint(EndpointRow("ntf_b", "slack")).ok());
  EndpointRecord first = *accounts_->GetEndpoint(kWs, "ntf_a");
  EndpointRecord second = first;  // a second writer that read the same revision
  first.secret = "whsec_rotated";
  first.paused = true;
  first.updated_at = 150;
  first.spec["url"] = "https://hooks.example.com/v2";
  first.state = Json{{"last_error", "timeout"}};
  auto applied = accounts_->UpdateEndpoint(first);
  ASSERT_TRUE(applied.has_value()) << applied.error().ToString();
  EXPECT_TRUE(*applied);
  second.name = "renamed";
  EXPECT_FALSE(*accounts_->UpdateEndpoint(second));
  EndpointRecord now = *accounts_->GetEndpoint(kWs, "ntf_a");
  EXPECT_EQ(now.revision, 2);
  EXPECT_EQ(now.name, "crm");
  EXPECT_EQ(now.secret, "whsec_rotated");
  EXPECT_TRUE(now.paused);
  EXPECT_EQ(now.updated_at, 150);
  EXPECT_EQ(now.created_at, 100);
  EXPECT_EQ(now.spec["url"], "https://hooks.example.com/v2");
  EXPECT_EQ(now.state["last_error"], "timeout");

  // Renaming onto another endpoint's name is refused and changes nothing.
  now.name = "slack";
  EXPECT_EQ(accounts_->UpdateEndpoint(now).error().code(), Code::kAlreadyExists);
  EXPECT_EQ(accounts_->GetEndpoint(kWs, "ntf_a")->name, "crm");
  EXPECT_EQ(accounts_->GetEndpoint(kWs, "ntf_a")->revision, 2);
  now.name = "crm-v2";
  EXPECT_TRUE(*accounts_->UpdateEndpoint(now));
  EXPECT_EQ(accounts_->GetEndpoint(kWs, "ntf_a")->name, "crm-v2");
  EXPECT_EQ(accounts_->GetEndpoint(kWs, "ntf_a")->revision, 3);

  // Another workspace's id, or an unknown one, is not found.
  EndpointRecord foreign = *accounts_->GetEndpoint(kWs, "ntf_a");
  foreign.workspace_id = kOtherWs;
  EXPECT_EQ(accounts_->UpdateEndpoint(foreign).error().code(), Code::kNotFound);
  EXPECT_EQ(accounts_->UpdateEndpoint(EndpointRow("ntf_zz", "x")).error().code(), Code::kNotFound);
}

TEST_P(StoreConformance, DeletedEndpointsAreGoneButKeepTheirDeliveries) {
  ASSERT_TRUE(accounts_->InsertEndpoint(EndpointRow("ntf_a", "crm")).ok());
  ASSERT_NO_FATAL_FAILURE(StoreDeliveries(accounts_, {DeliveryRow("dlv_1", 7, 1000)}));
  EXPECT_EQ(accounts_->DeleteEndpoint(kOtherWs, "ntf_a").code(), Code::kNotFound);
  ASSERT_TRUE(accounts_->DeleteEndpoint(kWs, "ntf_a").ok());
  EXPECT_EQ(accounts_->GetEndpoint(kWs, "ntf_a").error().code(), Code::kNotFound);
  EXPECT_EQ(accounts_->DeleteEndpoint(kWs, "ntf_a").code(), Code::kNotFound);
  EXPECT_TRUE(accounts_->ListEndpoints(kWs)->empty());
  auto kept = accounts_->GetDelivery(kWs, "dlv_1");
  ASSERT_TRUE(kept.has_value()) << kept.error().ToString();
  EXPECT_EQ(kept->endpoint_id, "ntf_a");
  DeliveryFilter of_endpoint;
  of_endpoint.endpoint_id = "ntf_a";
  EXPECT_EQ(Ids(*accounts_->ListDeliveries(kWs, of_endpoint)), (std::vector<std::string>{"dlv_1"}));
  // Its name is free again.
  EXPECT_TRUE(accounts_->InsertEndpoint(EndpointRow("ntf_b", "crm")).ok());
}

// ---- the event log ----------------------------------------------------------------------------

TEST_P(StoreConformance, LastEventIdAndReadEventsOfTypesSpanEveryWorkspace) {
  auto none = accounts_->LastEventId();
  ASSERT_TRUE(none.has_value()) << none.error().ToString();
  EXPECT_EQ(*none, 0);
  auto empty = accounts_->ReadEventsOfTypes(0, 100, {"execution_started"}, 10);
  ASSERT_TRUE(empty.has_value()) << empty.error().ToString();
  EXPECT_TRUE(empty->empty());

  SeedExecution("ex_1");            // execution_started
  SeedExecution("ex_2", kOtherWs);  // execution_started
  auto r = store_->Commit({Transition{{Ev("ex_1", "step_completed", "a")}},
                           Transition{{Ev("ex_2", "execution_completed")}},
                           Transition{{Ev("ex_1", "tick")}},
                           Transition{{Ev("ex_1", "execution_completed")}}});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_EQ(r->events.size(), 4u);
  auto all = accounts_->ReadEventsOfTypes(
      0, 1000, {"execution_started", "step_completed", "execution_completed", "tick"}, 0);
  ASSERT_TRUE(all.has_value()) << all.error().ToString();
  ASSERT_EQ(all->size(), 6u);
  for (size_t i = 1; i < all->size(); ++i) {
    EXPECT_GT((*all)[i].event.gid, (*all)[i - 1].event.gid) << i;
  }
  const int64_t last = (*all)[5].event.gid;
  EXPECT_EQ(*accounts_->LastEventId(), last);
  EXPECT_EQ(last, r->events[3].gid);

  // Only the types asked for, in gid order, each with its workspace and the event as stored.
  auto done = accounts_->ReadEventsOfTypes(0, last, {"execution_completed", "step_completed"}, 10);
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
  ASSERT_EQ(done->size(), 3u);
  EXPECT_EQ((*done)[0].workspace_id, kWs);
  EXPECT_EQ((*done)[0].event.execution_id, "ex_1");
  EXPECT_EQ((*done)[0].event.type, "step_completed");
  EXPECT_EQ((*done)[0].event.step_id, "a");
  EXPECT_EQ((*done)[0].event.seq, 2);
  EXPECT_EQ((*done)[0].event.gid, r->events[0].gid);
  EXPECT_EQ((*done)[0].event.ts, 2000);
  EXPECT_EQ((*done)[0].event.payload, (Json{{"type", "step_completed"}}));
  EXPECT_EQ((*done)[1].workspace_id, kOtherWs);
  EXPECT_EQ((*done)[1].event.execution_id, "ex_2");
  EXPECT_EQ((*done)[1].event.gid, r->events[1].gid);
  EXPECT_EQ((*done)[2].workspace_id, kWs);
  EXPECT_EQ((*done)[2].event.type, "execution_completed");
  EXPECT_EQ((*done)[2].event.gid, last);

  // after_gid is exclusive, upto_gid inclusive; limit keeps the first.
  auto types = std::vector<std::string>{"execution_completed", "step_completed"};
  auto range = accounts_->ReadEventsOfTypes(r->events[0].gid, r->events[1].gid, types, 10);
  ASSERT_TRUE(range.has_value()) << range.error().ToString();
  ASSERT_EQ(range->size(), 1u);
  EXPECT_EQ((*range)[0].event.gid, r->events[1].gid);
  auto first = accounts_->ReadEventsOfTypes(0, last, types, 1);
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].event.gid, r->events[0].gid);
  auto started = accounts_->ReadEventsOfTypes(0, last, {"execution_started"}, 10);
  ASSERT_TRUE(started.has_value());
  ASSERT_EQ(started->size(), 2u);
  EXPECT_EQ((*started)[0].workspace_id, kWs);
  EXPECT_EQ((*started)[1].workspace_id, kOtherWs);
  EXPECT_TRUE(accounts_->ReadEventsOfTypes(0, last, {"approval_requested"}, 10)->empty());
  EXPECT_TRUE(accounts_->ReadEventsOfTypes(0, last, {}, 10)->empty());
  EXPECT_TRUE(accounts_->ReadEventsOfTypes(last, last + 100, types, 10)->empty());
}

// ---- the cursor -------------------------------------------------------------------------------

TEST_P(StoreConformance, NotifyCursorStartsAtMigrationAndAdvancesOnlyFromWhereItIs) {
  // An empty database: the cursor is at 0, and events committed later are after it.
  auto start = accounts_->NotifyCursor();
  ASSERT_TRUE(start.has_value()) << start.error().ToString();
  EXPECT_EQ(*start, 0);
  SeedExecution("ex_1");
  SeedExecution("ex_2", kOtherWs);
  const int64_t last = *accounts_->LastEventId();
  ASSERT_GT(last, 0);
  EXPECT_EQ(*accounts_->NotifyCursor(), 0);
  ASSERT_TRUE(store_->Migrate().ok());  // migrating again moves nothing
  EXPECT_EQ(*accounts_->NotifyCursor(), 0);

  DeliveryRecord one = DeliveryRow("dlv_1", 1, 1000);
  one.revision = 9;  // whatever the caller passes, a new delivery is at revision 1
  one.state = Json{{"note", "new"}};
  DeliveryRecord two = DeliveryRow("dlv_2", 2, 1000, kOtherWs);
  two.endpoint_id = "ntf_b";
  two.execution_id = "ex_2";
  auto applied = accounts_->AdvanceNotifyCursor(0, last, {one, two});
  ASSERT_TRUE(applied.has_value()) << applied.error().ToString();
  EXPECT_TRUE(*applied);
  EXPECT_EQ(*accounts_->NotifyCursor(), last);
  auto got = accounts_->GetDelivery(kWs, "dlv_1");
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(got->revision, 1);
  EXPECT_EQ(got->status, "pending");
  EXPECT_EQ(got->body, one.body);
  EXPECT_EQ(got->state, (Json{{"note", "new"}}));
  EXPECT_EQ(accounts_->GetDelivery(kOtherWs, "dlv_2")->endpoint_id, "ntf_b");

  // A second process that read the same stretch: nothing written, the cursor where it was.
  auto late = accounts_->AdvanceNotifyCursor(0, last, {DeliveryRow("dlv_3", 3, 1000)});
  ASSERT_TRUE(late.has_value()) << late.error().ToString();
  EXPECT_FALSE(*late);
  EXPECT_EQ(*accounts_->NotifyCursor(), last);
  EXPECT_EQ(accounts_->GetDelivery(kWs, "dlv_3").error().code(), Code::kNotFound);
  EXPECT_FALSE(*accounts_->AdvanceNotifyCursor(last + 1, last + 2, {}));
  EXPECT_EQ(*accounts_->NotifyCursor(), last);

  // A delivery already stored is skipped (kept as it is, its attempts and all); the others of
  // the stretch go in and the cursor moves.
  DeliveryRecord sent = *got;
  sent.status = "delivered";
  sent.attempts = 1;
  ASSERT_TRUE(*accounts_->UpdateDelivery(sent));
  DeliveryRecord again = DeliveryRow("dlv_1", 1, 5000);
  again.body = "another body";
  again.url = "https://elsewhere.example.com/";
  auto moved = accounts_->AdvanceNotifyCursor(last, last + 10, {again, DeliveryRow("dlv_4", 4, 0)});
  ASSERT_TRUE(moved.has_value()) << moved.error().ToString();
  EXPECT_TRUE(*moved);
  EXPECT_EQ(*accounts_->NotifyCursor(), last + 10);
  auto kept = accounts_->GetDelivery(kWs, "dlv_1");
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->status, "delivered");
  EXPECT_EQ(kept->attempts, 1);
  EXPECT_EQ(kept->revision, 2);
  EXPECT_EQ(kept->body, one.body);
  EXPECT_EQ(kept->url, one.url);
  EXPECT_EQ(kept->next_attempt_at, 1000);
  EXPECT_TRUE(accounts_->GetDelivery(kWs, "dlv_4").has_value());
}

// ---- deliveries -------------------------------------------------------------------------------

TEST_P(StoreConformance, DueDeliveriesArePendingOnesDueByNowEarliestFirst) {
  DeliveryRecord delivered = DeliveryRow("dlv_delivered", 1, 100);
  delivered.status = "delivered";
  DeliveryRecord failed = DeliveryRow("dlv_failed", 1, 100);
  failed.status = "failed";
  ASSERT_NO_FATAL_FAILURE(StoreDeliveries(
      accounts_, {DeliveryRow("dlv_late", 1, 3000), DeliveryRow("dlv_early", 1, 1000),
                  DeliveryRow("dlv_other", 1, 2000, kOtherWs), DeliveryRow("dlv_tie", 1, 2000),
                  DeliveryRow("dlv_future", 1, 9000), delivered, failed}));
  auto due = accounts_->DueDeliveries(3000, 10);
  ASSERT_TRUE(due.has_value()) << due.error().ToString();
  EXPECT_EQ(Ids(*due), (std::vector<std::string>{"dlv_early", "dlv_other", "dlv_tie", "dlv_late"}));
  EXPECT_EQ((*due)[1].workspace_id, kOtherWs);
  EXPECT_EQ((*due)[0].body, DeliveryRow("dlv_early", 1, 1000).body);
  EXPECT_EQ(Ids(*accounts_->DueDeliveries(3000, 2)),
            (std::vector<std::string>{"dlv_early", "dlv_other"}));
  EXPECT_EQ(Ids(*accounts_->DueDeliveries(1000, 10)), (std::vector<std::string>{"dlv_early"}));
  EXPECT_TRUE(accounts_->DueDeliveries(999, 10)->empty());

  // A sender claims one by moving its due time on; a failed one made pending again is due.
  DeliveryRecord claimed = (*due)[0];
  claimed.next_attempt_at = 13000;
  ASSERT_TRUE(*accounts_->UpdateDelivery(claimed));
  DeliveryRecord resent = *accounts_->GetDelivery(kWs, "dlv_failed");
  resent.status = "pending";
  ASSERT_TRUE(*accounts_->UpdateDelivery(resent));
  EXPECT_EQ(Ids(*accounts_->DueDeliveries(3000, 10)),
            (std::vector<std::string>{"dlv_failed", "dlv_other", "dlv_tie", "dlv_late"}));
}

TEST_P(StoreConformance, UpdateDeliveryAppliesOnlyOverTheRevisionRead) {
  ASSERT_NO_FATAL_FAILURE(StoreDeliveries(accounts_, {DeliveryRow("dlv_1", 5, 1000)}));
  DeliveryRecord first = *accounts_->GetDelivery(kWs, "dlv_1");
  DeliveryRecord second = first;  // another sender that read the same revision
  first.status = "delivered";
  first.attempts = 1;
  first.next_attempt_at = 1500;
  first.updated_at = 1600;
  first.state = Json{{"http_status", 204}};
  // What a delivery reports and sends is fixed when it is made: not written by an update.
  first.body = "changed";
  first.url = "https://elsewhere.example.com/";
  first.event_gid = 99;
  auto applied = accounts_->UpdateDelivery(first);
  ASSERT_TRUE(applied.has_value()) << applied.error().ToString();
  EXPECT_TRUE(*applied);
  second.attempts = 7;
  auto stale = accounts_->UpdateDelivery(second);
  ASSERT_TRUE(stale.has_value()) << stale.error().ToString();
  EXPECT_FALSE(*stale);

  DeliveryRecord now = *accounts_->GetDelivery(kWs, "dlv_1");
  EXPECT_EQ(now.revision, 2);
  EXPECT_EQ(now.status, "delivered");
  EXPECT_EQ(now.attempts, 1);
  EXPECT_EQ(now.next_attempt_at, 1500);
  EXPECT_EQ(now.updated_at, 1600);
  EXPECT_EQ(now.created_at, 100);
  EXPECT_EQ(now.state, (Json{{"http_status", 204}}));
  EXPECT_EQ(now.body, DeliveryRow("dlv_1", 5, 1000).body);
  EXPECT_EQ(now.url, "https://hooks.example.com/ntf_a");
  EXPECT_EQ(now.event_gid, 5);
  now.status = "pending";
  EXPECT_TRUE(*accounts_->UpdateDelivery(now));
  EXPECT_EQ(accounts_->GetDelivery(kWs, "dlv_1")->revision, 3);

  // Another workspace's delivery, or an unknown one, is not found, and nothing changes.
  DeliveryRecord foreign = *accounts_->GetDelivery(kWs, "dlv_1");
  foreign.workspace_id = kOtherWs;
  foreign.status = "failed";
  EXPECT_EQ(accounts_->UpdateDelivery(foreign).error().code(), Code::kNotFound);
  EXPECT_EQ(accounts_->GetDelivery(kWs, "dlv_1")->status, "pending");
  EXPECT_EQ(accounts_->GetDelivery(kWs, "dlv_1")->revision, 3);
  EXPECT_EQ(accounts_->UpdateDelivery(DeliveryRow("dlv_zz", 5, 0)).error().code(), Code::kNotFound);
}

TEST_P(StoreConformance, GetDeliveryReadsBackEveryFieldInItsWorkspaceOnly) {
  DeliveryRecord d = DeliveryRow("dlv_1", 42, 1234);
  d.endpoint_id = "ntf_crm";
  d.execution_id = "ex_9";
  d.event_type = "approval_requested";
  d.url = "https://hooks.example.com/a?b=c";
  d.attempts = 2;
  d.created_at = 111;
  d.updated_at = 222;
  d.state = Json{{"error", "connection refused"}, {"at", 1200}};
  ASSERT_NO_FATAL_FAILURE(StoreDeliveries(accounts_, {d, DeliveryRow("dlv_2", 43, 0, kOtherWs)}));
  auto got = accounts_->GetDelivery(kWs, "dlv_1");
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(got->id, "dlv_1");
  EXPECT_EQ(got->workspace_id, kWs);
  EXPECT_EQ(got->endpoint_id, "ntf_crm");
  EXPECT_EQ(got->execution_id, "ex_9");
  EXPECT_EQ(got->event_gid, 42);
  EXPECT_EQ(got->event_type, "approval_requested");
  EXPECT_EQ(got->url, "https://hooks.example.com/a?b=c");
  EXPECT_EQ(got->status, "pending");
  EXPECT_EQ(got->attempts, 2);
  EXPECT_EQ(got->next_attempt_at, 1234);
  EXPECT_EQ(got->revision, 1);
  EXPECT_EQ(got->created_at, 111);
  EXPECT_EQ(got->updated_at, 222);
  EXPECT_EQ(got->body, d.body);
  EXPECT_EQ(got->state, d.state);

  EXPECT_EQ(accounts_->GetDelivery(kOtherWs, "dlv_1").error().code(), Code::kNotFound);
  EXPECT_EQ(accounts_->GetDelivery(kWs, "dlv_2").error().code(), Code::kNotFound);
  EXPECT_EQ(accounts_->GetDelivery(kWs, "dlv_zz").error().code(), Code::kNotFound);
  EXPECT_EQ(accounts_->GetDelivery(kOtherWs, "dlv_2")->workspace_id, kOtherWs);
}

TEST_P(StoreConformance, ListDeliveriesFiltersAndPagesNewestEventFirst) {
  auto row = [](const std::string& id, int64_t gid, const std::string& endpoint,
                const std::string& exec, const std::string& status) {
    DeliveryRecord d = DeliveryRow(id, gid, 1000);
    d.endpoint_id = endpoint;
    d.execution_id = exec;
    d.status = status;
    return d;
  };
  // Two endpoints told of the same event share its gid: ties are ordered by id.
  ASSERT_NO_FATAL_FAILURE(StoreDeliveries(
      accounts_,
      {row("dlv_a", 10, "ntf_a", "ex_1", "delivered"), row("dlv_b", 10, "ntf_b", "ex_1", "pending"),
       row("dlv_c", 20, "ntf_a", "ex_2", "failed"), row("dlv_d", 30, "ntf_b", "ex_1", "pending"),
       row("dlv_e", 5, "ntf_a", "ex_2", "pending"), row("dlv_f", 20, "ntf_b", "ex_2", "delivered"),
       DeliveryRow("dlv_x", 50, 1000, kOtherWs)}));
  auto all = accounts_->ListDeliveries(kWs, DeliveryFilter{});
  ASSERT_TRUE(all.has_value()) << all.error().ToString();
  EXPECT_EQ(Ids(*all),
            (std::vector<std::string>{"dlv_d", "dlv_f", "dlv_c", "dlv_b", "dlv_a", "dlv_e"}));
  EXPECT_EQ(Ids(*accounts_->ListDeliveries(kOtherWs, DeliveryFilter{})),
            (std::vector<std::string>{"dlv_x"}));
  EXPECT_TRUE(accounts_->ListDeliveries("ws_empty", DeliveryFilter{})->empty());

  DeliveryFilter f;
  f.endpoint_id = "ntf_a";
  EXPECT_EQ(Ids(*accounts_->ListDeliveries(kWs, f)),
            (std::vector<std::string>{"dlv_c", "dlv_a", "dlv_e"}));
  f = DeliveryFilter{};
  f.execution_id = "ex_2";
  EXPECT_EQ(Ids(*accounts_->ListDeliveries(kWs, f)),
            (std::vector<std::string>{"dlv_f", "dlv_c", "dlv_e"}));
  f = DeliveryFilter{};
  f.status = "pending";
  EXPECT_EQ(Ids(*accounts_->ListDeliveries(kWs, f)),
            (std::vector<std::string>{"dlv_d", "dlv_b", "dlv_e"}));
  f.endpoint_id = "ntf_b";
  f.execution_id = "ex_1";
  EXPECT_EQ(Ids(*accounts_->ListDeliveries(kWs, f)), (std::vector<std::string>{"dlv_d", "dlv_b"}));
  f = DeliveryFilter{};
  f.execution_id = "ex_missing";
  EXPECT_TRUE(accounts_->ListDeliveries(kWs, f)->empty());

  // Pages of two, each starting after the last row of the one before.
  std::vector<std::string> paged;
  DeliveryFilter page;
  page.limit = 2;
  for (int i = 0; i < 5; ++i) {
    auto got = accounts_->ListDeliveries(kWs, page);
    ASSERT_TRUE(got.has_value()) << got.error().ToString();
    ASSERT_LE(got->size(), 2u);
    if (got->empty()) break;
    for (const DeliveryRecord& d : *got) paged.push_back(d.id);
    page.before_gid = got->back().event_gid;
    page.before_id = got->back().id;
  }
  EXPECT_EQ(paged, Ids(*all));
  // A cursor inside a tie keeps the rest of the tie; combined with a filter.
  DeliveryFilter tie;
  tie.before_gid = 10;
  tie.before_id = "dlv_b";
  EXPECT_EQ(Ids(*accounts_->ListDeliveries(kWs, tie)),
            (std::vector<std::string>{"dlv_a", "dlv_e"}));
  tie.endpoint_id = "ntf_a";
  tie.before_gid = 20;
  tie.before_id = "dlv_d";
  EXPECT_EQ(Ids(*accounts_->ListDeliveries(kWs, tie)),
            (std::vector<std::string>{"dlv_c", "dlv_a", "dlv_e"}));
  tie.limit = 1;
  EXPECT_EQ(Ids(*accounts_->ListDeliveries(kWs, tie)), (std::vector<std::string>{"dlv_c"}));
}

}  // namespace atelier
