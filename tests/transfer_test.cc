// Workspace export and import over a real App (SQLite in a temporary folder): a workspace's user
// templates with every version, its schedules and triggers move to another workspace; version
// pins follow the renumbering; importing again adds nothing; a bad document writes nothing.
#include <gtest/gtest.h>

#include "atelier/app/app.h"
#include "atelier/app/engine_launch_service.h"
#include "atelier/app/workspace_transfer.h"
#include "atelier/core/validation.h"
#include "tests/test_env.h"

namespace atelier {
namespace {

constexpr const char* kSource = App::kWorkspace;
constexpr const char* kTarget = "ws_target";

const char* kV1 = R"({"name": "Note", "inputs": {"topic": {"type": "string", "required": true}},
  "nodes": [{"id": "start", "type": "start"}, {"id": "w", "type": "generate_text",
             "data": {"prompt": "Write about {{inputs.topic}}"}}],
  "edges": [{"id": "e1", "source": "start", "target": "w"}]})";

class TransferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AppOptions o;
    o.db_path = dir_ / "atelier.db";
    auto app = App::Open(o);
    ASSERT_TRUE(app) << app.error().ToString();
    app_ = std::move(*app);
    ASSERT_TRUE(app_->EnsureWorkspace(kTarget, "Target"));
    launch_ = std::make_unique<EngineLaunchService>(app_.get(), /*drive_here=*/false);
    schedules_ = std::make_unique<ScheduleService>(app_.get(), launch_.get(), &clock_);
    triggers_ = std::make_unique<TriggerService>(app_.get(), launch_.get(), &clock_);
  }

  void Register(const std::string& ws, const std::string& text) {
    std::vector<ValidationError> errors;
    auto t = ParseTemplateText(text, &errors);
    ASSERT_TRUE(t) << (errors.empty() ? "" : errors[0].ToString());
    ASSERT_TRUE(app_->engine().RegisterTemplate(ws, *t));
  }

  std::string V2() {
    Json d = Json::parse(kV1);
    d["description"] = "second";
    return d.dump();
  }

  size_t TemplateCount(const std::string& ws) {
    TemplateFilter f;
    f.limit = 0;
    return app_->accounts().ListTemplates(ws, f)->size();
  }

  testing::TempDir dir_;
  FakeClock clock_{1803891600000};
  std::unique_ptr<App> app_;
  std::unique_ptr<LaunchService> launch_;
  std::unique_ptr<ScheduleService> schedules_;
  std::unique_ptr<TriggerService> triggers_;
};

TEST_F(TransferTest, AWorkspaceMovesWithItsVersionsSchedulesAndTriggers) {
  Register(kSource, kV1);
  Register(kSource, V2());
  // The target already has a template of that name, so the imported versions are renumbered.
  Json other = Json::parse(kV1);
  other["description"] = "the target's own";
  Register(kTarget, other.dump());
  ASSERT_TRUE(schedules_->Create(kSource, {{"name", "daily note"},
                                           {"template", "Note"},
                                           {"version", 1},
                                           {"inputs", {{"topic", "otters"}}},
                                           {"cron", "0 9 * * *"},
                                           {"time_zone", "Europe/Paris"}}));
  ASSERT_TRUE(triggers_->Create(
      kSource, {{"name", "cms"}, {"template", "Note"}, {"map", {{"topic", "/title"}}}}));
  auto doc = ExportWorkspace(*app_, *schedules_, *triggers_, kSource);
  ASSERT_TRUE(doc) << doc.error().status.ToString();
  ASSERT_EQ((*doc)["templates"].size(), 1u);  // built-ins are left out
  EXPECT_EQ((*doc)["templates"][0]["versions"].size(), 2u);
  EXPECT_FALSE((*doc)["triggers"][0].contains("secret"));
  EXPECT_EQ(doc->dump().find("whsec_"), std::string::npos) << "no secret leaves the workspace";

  // Through text, as a file would carry it.
  auto report = ImportWorkspace(*app_, *schedules_, *triggers_, kTarget, Json::parse(doc->dump()));
  ASSERT_TRUE(report) << report.error().status.ToString();
  EXPECT_EQ((*report)["templates"][0]["action"], "updated");
  EXPECT_EQ((*report)["templates"][0]["versions"]["1"], 2);
  EXPECT_EQ((*report)["templates"][0]["versions"]["2"], 3);
  auto s = schedules_->List(kTarget);
  ASSERT_EQ(s->size(), 1u);
  EXPECT_EQ((*s)[0].spec["version"], 2) << "the pin follows version 1 to its new number";
  EXPECT_EQ((*s)[0].spec["time_zone"], "Europe/Paris");
  auto t = triggers_->List(kTarget);
  ASSERT_EQ(t->size(), 1u);
  EXPECT_EQ((*report)["triggers"][0]["secret"], (*t)[0].secret);
  EXPECT_NE((*t)[0].secret, (*triggers_->List(kSource))[0].secret);

  // Again: nothing is added twice, nothing is replaced.
  auto again = ImportWorkspace(*app_, *schedules_, *triggers_, kTarget, *doc);
  ASSERT_TRUE(again) << again.error().status.ToString();
  EXPECT_EQ((*again)["templates"][0]["action"], "unchanged");
  EXPECT_EQ((*again)["schedules"][0]["action"], "skipped");
  EXPECT_EQ((*again)["triggers"][0]["action"], "skipped");
  auto versions = app_->accounts().ListTemplateVersions(
      kTarget, (*again)["templates"][0]["id"].get<std::string>());
  ASSERT_TRUE(versions);
  EXPECT_EQ(versions->size(), 3u);  // the target's own, then the two imported
  EXPECT_EQ(schedules_->List(kTarget)->size(), 1u);
}

TEST_F(TransferTest, ABadDocumentIsRefusedNamingWhereAndWritesNothing) {
  const size_t before = TemplateCount(kTarget);
  auto refuse = [&](const Json& doc, const std::string& where) {
    auto r = ImportWorkspace(*app_, *schedules_, *triggers_, kTarget, doc);
    ASSERT_FALSE(r) << doc.dump();
    EXPECT_NE(r.error().status.message().find(where), std::string::npos)
        << r.error().status.message();
  };
  refuse(Json::array(), "document");
  refuse({{"templates", Json::array()}}, "atelier_export");
  Json good = {{"atelier_export", 1},
               {"templates",
                {{{"name", "Note"},
                  {"versions",
                   {{{"version", 1}, {"definition", Json::parse(kV1)}},
                    {{"version", 2}, {"definition", {{"name", "Note"}, {"nodes", 5}}}}}}}}}};
  refuse(good, "templates[0].versions[1].definition");
  good["templates"][0]["versions"][1]["definition"] = Json::parse(kV1);
  good["templates"][0]["versions"][1]["version"] = 1;
  refuse(good, "oldest first");
  Json builtin = {{"atelier_export", 1},
                  {"templates",
                   {{{"name", "Instagram post"},
                     {"versions", {{{"version", 1}, {"definition", Json::parse(kV1)}}}}}}}};
  refuse(builtin, "templates[0]");
  EXPECT_EQ(TemplateCount(kTarget), before);
  Json bad_schedule = {
      {"atelier_export", 1},
      {"schedules", {{{"name", "x"}, {"template", "Instagram post"}, {"cron", "0 25 * * *"}}}}};
  refuse(bad_schedule, "schedules[0] 'x'");
  EXPECT_TRUE(schedules_->List(kTarget)->empty());
}

}  // namespace
}  // namespace atelier
