// The store contract for schedules and webhook triggers (atelier/store/automations.h), part of
// StoreConformance (store_conformance.h includes this file): every backend keeps, finds, guards and
// deletes schedule rows the same way.
#pragma once

namespace atelier {

inline ScheduleRecord ScheduleRow(const std::string& id, const std::string& name,
                                  int64_t next_due_at, const std::string& ws = "ws_main") {
  ScheduleRecord r;
  r.id = id;
  r.workspace_id = ws;
  r.name = name;
  r.next_due_at = next_due_at;
  r.created_at = 100;
  r.updated_at = 100;
  r.spec = Json{{"template", "blog"}, {"cron", "0 9 * * 1"}, {"inputs", {{"topic", "otters"}}}};
  return r;
}

TEST_P(StoreConformance, SchedulesAreKeptAndListedByName) {
  ASSERT_TRUE(accounts_->InsertSchedule(ScheduleRow("sch_b", "weekly", 5000)).ok());
  ASSERT_TRUE(accounts_->InsertSchedule(ScheduleRow("sch_a", "daily", 7000)).ok());
  auto got = accounts_->GetSchedule(kWs, "sch_b");
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(got->name, "weekly");
  EXPECT_EQ(got->revision, 1);
  EXPECT_EQ(got->next_due_at, 5000);
  EXPECT_FALSE(got->paused);
  EXPECT_EQ(got->spec["inputs"]["topic"], "otters");
  EXPECT_EQ(got->state, Json::object());
  auto list = accounts_->ListSchedules(kWs);
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "daily");
  EXPECT_EQ((*list)[1].name, "weekly");
  EXPECT_TRUE(accounts_->ListSchedules(kOtherWs)->empty());
}

TEST_P(StoreConformance, ScheduleIdsAndNamesAreUniqueAndScopedByWorkspace) {
  ASSERT_TRUE(accounts_->InsertSchedule(ScheduleRow("sch_a", "daily", 1)).ok());
  EXPECT_EQ(accounts_->InsertSchedule(ScheduleRow("sch_a", "other", 1)).code(),
            Code::kAlreadyExists);
  EXPECT_EQ(accounts_->InsertSchedule(ScheduleRow("sch_b", "daily", 1)).code(),
            Code::kAlreadyExists);
  // The same name in another workspace is another schedule.
  EXPECT_TRUE(accounts_->InsertSchedule(ScheduleRow("sch_c", "daily", 1, kOtherWs)).ok());
  EXPECT_EQ(accounts_->InsertSchedule(ScheduleRow("sch_d", "x", 1, "ws_missing")).code(),
            Code::kNotFound);
  // Another workspace's id answers like a missing one.
  EXPECT_EQ(accounts_->GetSchedule(kOtherWs, "sch_a").error().code(), Code::kNotFound);
  EXPECT_EQ(accounts_->DeleteSchedule(kOtherWs, "sch_a").code(), Code::kNotFound);
  ScheduleRecord foreign = *accounts_->GetSchedule(kWs, "sch_a");
  foreign.workspace_id = kOtherWs;
  EXPECT_EQ(accounts_->UpdateSchedule(foreign).error().code(), Code::kNotFound);
}

TEST_P(StoreConformance, UpdateScheduleAppliesOnlyOverTheRevisionRead) {
  ASSERT_TRUE(accounts_->InsertSchedule(ScheduleRow("sch_a", "daily", 1000)).ok());
  ASSERT_TRUE(accounts_->InsertSchedule(ScheduleRow("sch_b", "weekly", 1000)).ok());
  ScheduleRecord first = *accounts_->GetSchedule(kWs, "sch_a");
  ScheduleRecord second = first;  // a second writer that read the same revision
  first.next_due_at = 2000;
  first.state = Json{{"last_execution_id", "ex_1"}};
  first.updated_at = 150;
  auto applied = accounts_->UpdateSchedule(first);
  ASSERT_TRUE(applied.has_value()) << applied.error().ToString();
  EXPECT_TRUE(*applied);
  second.paused = true;
  EXPECT_FALSE(*accounts_->UpdateSchedule(second));
  ScheduleRecord now = *accounts_->GetSchedule(kWs, "sch_a");
  EXPECT_EQ(now.revision, 2);
  EXPECT_EQ(now.next_due_at, 2000);
  EXPECT_FALSE(now.paused);
  EXPECT_EQ(now.updated_at, 150);
  EXPECT_EQ(now.state["last_execution_id"], "ex_1");
  // Renaming onto another schedule's name is refused and changes nothing.
  now.name = "weekly";
  EXPECT_EQ(accounts_->UpdateSchedule(now).error().code(), Code::kAlreadyExists);
  EXPECT_EQ(accounts_->GetSchedule(kWs, "sch_a")->name, "daily");
  now.name = "every day";
  EXPECT_TRUE(*accounts_->UpdateSchedule(now));
  EXPECT_EQ(accounts_->GetSchedule(kWs, "sch_a")->name, "every day");
}

TEST_P(StoreConformance, DueSchedulesAreUnpausedOnesDueByNowEarliestFirst) {
  ASSERT_TRUE(accounts_->InsertSchedule(ScheduleRow("sch_late", "c", 3000)).ok());
  ASSERT_TRUE(accounts_->InsertSchedule(ScheduleRow("sch_early", "a", 1000)).ok());
  ASSERT_TRUE(accounts_->InsertSchedule(ScheduleRow("sch_other", "b", 2000, kOtherWs)).ok());
  ScheduleRecord paused = ScheduleRow("sch_paused", "d", 500);
  paused.paused = true;
  ASSERT_TRUE(accounts_->InsertSchedule(paused).ok());
  ASSERT_TRUE(accounts_->InsertSchedule(ScheduleRow("sch_future", "e", 9000)).ok());
  auto due = accounts_->DueSchedules(3000, 10);
  ASSERT_TRUE(due.has_value()) << due.error().ToString();
  std::vector<std::string> ids;
  for (const auto& s : *due) ids.push_back(s.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"sch_early", "sch_other", "sch_late"}));
  EXPECT_EQ(accounts_->DueSchedules(3000, 1)->size(), 1u);
  EXPECT_TRUE(accounts_->DueSchedules(999, 10)->empty());
}

TEST_P(StoreConformance, DeletedSchedulesAreGone) {
  ASSERT_TRUE(accounts_->InsertSchedule(ScheduleRow("sch_a", "daily", 1000)).ok());
  ASSERT_TRUE(accounts_->DeleteSchedule(kWs, "sch_a").ok());
  EXPECT_EQ(accounts_->GetSchedule(kWs, "sch_a").error().code(), Code::kNotFound);
  EXPECT_EQ(accounts_->DeleteSchedule(kWs, "sch_a").code(), Code::kNotFound);
  EXPECT_TRUE(accounts_->DueSchedules(5000, 10)->empty());
  // Its name is free again.
  EXPECT_TRUE(accounts_->InsertSchedule(ScheduleRow("sch_b", "daily", 1000)).ok());
}

inline TriggerRecord TriggerRow(const std::string& id, const std::string& name,
                                const std::string& ws = "ws_main") {
  TriggerRecord r;
  r.id = id;
  r.workspace_id = ws;
  r.name = name;
  r.secret = "whsec_" + id;
  r.created_at = 100;
  r.updated_at = 100;
  r.spec = Json{{"template", "blog"}, {"map", {{"topic", "/title"}}}};
  return r;
}

TEST_P(StoreConformance, TriggersAreFoundByIdAloneAndListedByWorkspace) {
  ASSERT_TRUE(accounts_->InsertTrigger(TriggerRow("trg_b", "cms")).ok());
  ASSERT_TRUE(accounts_->InsertTrigger(TriggerRow("trg_a", "shop")).ok());
  ASSERT_TRUE(accounts_->InsertTrigger(TriggerRow("trg_c", "cms", kOtherWs)).ok());
  EXPECT_EQ(accounts_->InsertTrigger(TriggerRow("trg_d", "cms")).code(), Code::kAlreadyExists);
  EXPECT_EQ(accounts_->InsertTrigger(TriggerRow("trg_a", "x")).code(), Code::kAlreadyExists);
  EXPECT_EQ(accounts_->InsertTrigger(TriggerRow("trg_e", "x", "ws_missing")).code(),
            Code::kNotFound);
  auto found = accounts_->FindTrigger("trg_c");
  ASSERT_TRUE(found.has_value()) << found.error().ToString();
  EXPECT_EQ(found->workspace_id, kOtherWs);
  EXPECT_EQ(found->secret, "whsec_trg_c");
  EXPECT_EQ(found->revision, 1);
  EXPECT_EQ(found->spec["map"]["topic"], "/title");
  EXPECT_EQ(accounts_->GetTrigger(kWs, "trg_c").error().code(), Code::kNotFound);
  EXPECT_EQ(accounts_->FindTrigger("trg_zz").error().code(), Code::kNotFound);
  auto list = accounts_->ListTriggers(kWs);
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "cms");
  EXPECT_EQ((*list)[1].name, "shop");
}

TEST_P(StoreConformance, UpdateTriggerAppliesOnlyOverTheRevisionReadAndDeleteRemoves) {
  ASSERT_TRUE(accounts_->InsertTrigger(TriggerRow("trg_a", "cms")).ok());
  ASSERT_TRUE(accounts_->InsertTrigger(TriggerRow("trg_b", "shop")).ok());
  TriggerRecord first = *accounts_->GetTrigger(kWs, "trg_a");
  TriggerRecord second = first;
  first.secret = "whsec_rotated";
  first.state = Json{{"delivery_count", 1}};
  EXPECT_TRUE(*accounts_->UpdateTrigger(first));
  second.paused = true;
  EXPECT_FALSE(*accounts_->UpdateTrigger(second));
  TriggerRecord now = *accounts_->GetTrigger(kWs, "trg_a");
  EXPECT_EQ(now.revision, 2);
  EXPECT_EQ(now.secret, "whsec_rotated");
  EXPECT_FALSE(now.paused);
  EXPECT_EQ(now.state["delivery_count"], 1);
  now.name = "shop";
  EXPECT_EQ(accounts_->UpdateTrigger(now).error().code(), Code::kAlreadyExists);
  now.workspace_id = kOtherWs;
  EXPECT_EQ(accounts_->UpdateTrigger(now).error().code(), Code::kNotFound);
  EXPECT_EQ(accounts_->DeleteTrigger(kOtherWs, "trg_a").code(), Code::kNotFound);
  ASSERT_TRUE(accounts_->DeleteTrigger(kWs, "trg_a").ok());
  EXPECT_EQ(accounts_->FindTrigger("trg_a").error().code(), Code::kNotFound);
  EXPECT_EQ(accounts_->DeleteTrigger(kWs, "trg_a").code(), Code::kNotFound);
}

}  // namespace atelier
