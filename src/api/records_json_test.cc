#include "atelier/api/records_json.h"

#include <gtest/gtest.h>

namespace atelier {
namespace {

MilestoneState Milestone(const std::string& id, bool manual, bool reached, int64_t at = 0,
                         const std::string& by = "", const std::string& note = "") {
  MilestoneState m;
  m.id = id;
  m.label = "Label of " + id;
  m.manual = manual;
  m.reached = reached;
  m.reached_at = at;
  m.by = by;
  m.note = note;
  return m;
}

TEST(MilestonesJson, SaysWhereTheExecutionStandsAndWhoMarkedWhat) {
  MilestonesView v;
  v.list = {Milestone("drafted", false, true, 5000), Milestone("approved", true, true, 6000, "bob",
                                                                "sent to ACME"),
            Milestone("submitted", true, false)};
  v.current = 1;
  v.next = 2;
  v.action = "mark 'submitted' (Submitted)";
  v.can_proceed = true;
  Json j = ToJson(v);
  EXPECT_EQ(j["current"], (Json{{"id", "approved"}, {"label", "Label of approved"}}));
  EXPECT_EQ(j["next"]["id"], "submitted");
  EXPECT_EQ(j["next"]["manual"], true);
  EXPECT_EQ(j["next"]["action"], "mark 'submitted' (Submitted)");
  EXPECT_EQ(j["can_proceed"], true);
  ASSERT_EQ(j["list"].size(), 3u);
  EXPECT_EQ(j["list"][0]["reached_at"], "1970-01-01T00:00:05.000Z");
  EXPECT_TRUE(j["list"][0]["by"].is_null());  // reached by its steps, not marked
  EXPECT_TRUE(j["list"][0]["note"].is_null());
  EXPECT_EQ(j["list"][1]["by"], "bob");
  EXPECT_EQ(j["list"][1]["note"], "sent to ACME");
  EXPECT_EQ(j["list"][1]["reached_at"], "1970-01-01T00:00:06.000Z");
  EXPECT_TRUE(j["list"][2]["reached_at"].is_null());
  EXPECT_EQ(j["list"][2]["reached"], false);
}

TEST(MilestonesJson, NothingReachedAndNothingLeftAreNull) {
  MilestonesView none;
  none.list = {Milestone("done", false, false)};
  none.next = 0;
  none.action = "wait for steps d";
  Json j = ToJson(none);
  EXPECT_TRUE(j["current"].is_null());
  EXPECT_EQ(j["next"]["id"], "done");

  MilestonesView all;
  all.list = {Milestone("done", false, true, 1000)};
  all.current = 0;
  j = ToJson(all);
  EXPECT_TRUE(j["next"].is_null());
  EXPECT_EQ(j["can_proceed"], false);
}

}  // namespace
}  // namespace atelier
