// The built-in catalog over the real HTTP API: every workspace has the shipped templates
// (templates/*.json, compiled in) marked builtin; they cannot be edited or deleted in place, only
// cloned; they run like any template; seeding at start is idempotent, reaches databases from
// before the catalog, keeps a user's template of the same name, and turns a changed shipped
// definition into a new version.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>

#include "atelier/app/builtin_catalog.h"
#include "store/sqlite/migrations.h"
#include "tests/server_fixture.h"

namespace atelier::testing {
namespace {

// The shipped files: name -> their template's "name".
std::map<std::string, std::string> ShippedTemplates() {
  std::map<std::string, std::string> out;
  for (const auto& f : fs::directory_iterator(SourcePath("templates"))) {
    if (f.path().extension() != ".json") continue;
    out[f.path().filename().string()] =
        Json::parse(ReadAll(f.path().string()))["name"].get<std::string>();
  }
  return out;
}

// Starts nothing by itself: each test prepares the database first when it needs to.
class CatalogTest : public ServerTest {
 protected:
  void SetUp() override {}

  void Restart() {
    server_.reset();
    app_.reset();
    StartServer();
  }

  // Every template of the workspace by name (latest versions).
  std::map<std::string, Json> Listing(const std::string& ws = "default") {
    Resp r = Get("/api/v1/templates?limit=1000", Key("viewer", ws));
    EXPECT_EQ(r.status, 200) << r.raw;
    std::map<std::string, Json> out;
    for (const auto& t : r.body["items"]) out[t["name"].get<std::string>()] = t;
    return out;
  }

  std::string BuiltinId(const std::string& name) {
    auto all = Listing();
    EXPECT_TRUE(all.count(name)) << name;
    return all.count(name) ? all[name]["id"].get<std::string>() : "";
  }

  int LogLines(const std::string& msg) {
    std::lock_guard<std::mutex> l(log_mu_);
    int n = 0;
    for (const auto& line : logs_) n += Json::parse(line).value("msg", "") == msg;
    return n;
  }
};

TEST(BuiltinCatalog, EmbedsEveryShippedFileAsItIs) {
  auto shipped = ShippedTemplates();
  ASSERT_FALSE(shipped.empty());
  ASSERT_EQ(EmbeddedTemplates().size(), shipped.size());
  for (const auto& e : EmbeddedTemplates()) {
    ASSERT_TRUE(shipped.count(e.file)) << e.file;
    EXPECT_EQ(e.text, ReadAll(SourcePath(std::string("templates/") + e.file))) << e.file;
  }
  auto catalog = BuiltinCatalog();
  ASSERT_TRUE(catalog.has_value()) << catalog.error().ToString();
  EXPECT_EQ(catalog->size(), shipped.size());
}

TEST(BuiltinCatalog, ABrokenOrDuplicateEntryIsNamed) {
  auto bad = ParseCatalog({{"broken.json", R"({"name": "X", "nodes": []})"}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("broken.json"), std::string::npos) << bad.error().message();
  std::string text = ReadAll(SourcePath("templates/blog_article.json"));
  auto twice = ParseCatalog({{"a.json", text}, {"b.json", text}});
  ASSERT_FALSE(twice.has_value());
  EXPECT_NE(twice.error().message().find("b.json"), std::string::npos);
  EXPECT_NE(twice.error().message().find("Blog article"), std::string::npos);
}

TEST_F(CatalogTest, EveryWorkspaceListsEveryShippedTemplateAsBuiltin) {
  StartServer();
  for (const char* ws : {"default", "other"}) {
    auto all = Listing(ws);
    EXPECT_EQ(all.size(), ShippedTemplates().size()) << ws;
    for (const auto& [file, name] : ShippedTemplates()) {
      ASSERT_TRUE(all.count(name)) << file << " in " << ws;
      EXPECT_EQ(all[name]["builtin"], true) << name;
      EXPECT_EQ(all[name]["version"], 1) << name;
    }
  }
  // The definition is the shipped one.
  Resp r = Get("/api/v1/templates/" + BuiltinId("Blog article"), viewer());
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["builtin"], true);
  Json shipped = Json::parse(TemplateFile("templates/blog_article.json"));
  EXPECT_EQ(r.body["definition"]["nodes"].size(), shipped["nodes"].size());
  EXPECT_EQ(r.body["category"], shipped["category"]);
}

TEST_F(CatalogTest, BuiltinsAreNotEditedOrDeletedInPlace) {
  StartServer();
  std::string id = BuiltinId("Instagram post");
  Resp before = Get("/api/v1/templates/" + id, viewer());
  Json def = Json::parse(TemplateFile("templates/instagram_post.json"));
  def["description"] = "mine now";
  Resp put = Call("PUT", "/api/v1/templates/" + id, editor(), def.dump());
  EXPECT_EQ(put.status, 409) << put.raw;
  EXPECT_EQ(put.code(), "conflict");
  EXPECT_NE(put.message().find("built-in"), std::string::npos) << put.raw;
  EXPECT_NE(put.message().find("/api/v1/templates/" + id + "/clone"), std::string::npos);
  Resp del = Call("DELETE", "/api/v1/templates/" + id, editor());
  EXPECT_EQ(del.status, 409) << del.raw;
  EXPECT_NE(del.message().find("clone"), std::string::npos) << del.raw;
  // A new template under a built-in's name is refused, pointing at the built-in.
  Resp post = Call("POST", "/api/v1/templates", editor(), def.dump());
  EXPECT_EQ(post.status, 409) << post.raw;
  EXPECT_EQ(post.message(), "'Instagram post' is a built-in template (" + id +
                                "); clone it under another name");
  EXPECT_EQ(post.body["error"]["details"]["template_id"], id);
  // Unchanged.
  Resp after = Get("/api/v1/templates/" + id, viewer());
  EXPECT_EQ(after.body, before.body);
  EXPECT_EQ(Get("/api/v1/templates/" + id + "/versions", viewer()).body["items"].size(), 1u);
}

TEST_F(CatalogTest, CloneMakesAnEditableUserTemplate) {
  StartServer();
  std::string id = BuiltinId("Instagram post");
  Resp r = Post("/api/v1/templates/" + id + "/clone", editor(), {{"name", "Our post"}});
  ASSERT_EQ(r.status, 201) << r.raw;
  std::string copy = r.body["id"];
  EXPECT_NE(copy, id);
  EXPECT_EQ(r.body["name"], "Our post");
  EXPECT_EQ(r.body["definition"]["name"], "Our post");
  EXPECT_EQ(r.body["builtin"], false);
  EXPECT_EQ(r.body["version"], 1);
  // Editable: PUT makes version 2; deletable.
  Json def = r.body["definition"];
  def["description"] = "ours";
  Resp put = Call("PUT", "/api/v1/templates/" + copy, editor(), def.dump());
  EXPECT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(put.body["version"], 2);
  EXPECT_EQ(put.body["builtin"], false);
  // Names are checked: required, not blank, not taken (a built-in's neither).
  r = Post("/api/v1/templates/" + id + "/clone", editor(), Json::object());
  EXPECT_EQ(r.status, 400) << r.raw;
  EXPECT_EQ(r.body["error"]["details"]["field"], "name");
  r = Post("/api/v1/templates/" + id + "/clone", editor(), {{"name", "  "}});
  EXPECT_EQ(r.status, 400) << r.raw;
  EXPECT_EQ(r.body["error"]["details"]["field"], "name");
  r = Post("/api/v1/templates/" + id + "/clone", editor(), {{"name", "Our post"}});
  EXPECT_EQ(r.status, 409) << r.raw;
  r = Post("/api/v1/templates/" + id + "/clone", editor(), {{"name", "Blog article"}});
  EXPECT_EQ(r.status, 409) << r.raw;
  EXPECT_NE(r.message().find("built-in"), std::string::npos) << r.raw;
  EXPECT_EQ(Call("DELETE", "/api/v1/templates/" + copy, editor()).status, 204);
  // The built-in stays.
  EXPECT_EQ(Get("/api/v1/templates/" + id, viewer()).body["version"], 1);
}

TEST_F(CatalogTest, ABuiltinRunsToCompletionById) {
  StartServer();
  std::string id = BuiltinId("Instagram post");
  std::string ex = Launch(id, {{"product", "oat milk"}});
  ASSERT_EQ(WaitFor(ex, {"completed", "failed"}), "completed");
  Resp r = Get("/api/v1/executions/" + ex, viewer());
  EXPECT_EQ(r.body["template_id"], id);
  EXPECT_EQ(r.body["template_version"], 1);
}

TEST_F(CatalogTest, StartingAgainAddsNothing) {
  StartServer();
  auto first = Listing("other");
  EXPECT_EQ(LogLines("built-in templates seeded"), 2);  // "default" (by App::Open) and "other"
  Restart();
  Restart();
  EXPECT_EQ(LogLines("built-in templates seeded"), 2);
  for (const char* ws : {"default", "other"}) {
    auto again = Listing(ws);
    EXPECT_EQ(again.size(), ShippedTemplates().size());
    for (const auto& [name, t] : again) {
      EXPECT_EQ(t["version"], 1) << name;
      EXPECT_EQ(Get("/api/v1/templates/" + t["id"].get<std::string>() + "/versions",
                    Key("viewer", ws))
                    .body["items"]
                    .size(),
                1u);
    }
  }
  EXPECT_EQ(Listing("other"), first);
}

// A database last written by a build before the catalog (schema v7), with a user template that
// has a built-in's name: it is migrated, gets the other built-ins, and keeps the user's template.
TEST_F(CatalogTest, ADatabaseFromBeforeTheCatalogGetsItAtStart) {
  Json mine = Json::parse(TemplateFile("templates/blog_article.json"));
  mine["description"] = "my own blog flow";
  {
    SQLite::Database db(dir_ / "atelier.db", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER)");
    for (const sqlite::Migration& m : sqlite::Migrations()) {
      if (m.version > 7) break;
      db.exec(m.sql);
      db.exec("INSERT INTO schema_migrations (version, applied_at) VALUES (" +
              std::to_string(m.version) + ", 0)");
    }
    db.exec("INSERT INTO workspaces (id, name) VALUES ('default', 'Default workspace')");
    SQLite::Statement st(db,
                         "INSERT INTO templates (workspace_id, id, version, name, category, "
                         "description, definition, content_hash) VALUES ('default', 'tpl_mine', "
                         "1, 'Blog article', 'blog', ?1, ?2, 'h-mine')");
    st.bind(1, mine["description"].get<std::string>());
    st.bind(2, mine.dump());
    st.exec();
  }
  StartServer();
  auto all = Listing();
  EXPECT_EQ(all.size(), ShippedTemplates().size());
  ASSERT_TRUE(all.count("Blog article"));
  EXPECT_EQ(all["Blog article"]["id"], "tpl_mine");
  EXPECT_EQ(all["Blog article"]["builtin"], false);
  EXPECT_EQ(Get("/api/v1/templates/tpl_mine", viewer()).body["description"], "my own blog flow");
  for (const auto& [name, t] : all) EXPECT_EQ(t["builtin"], name != "Blog article") << name;
  EXPECT_EQ(LogLines("built-in template not seeded: a user template has its name"), 1);
  // The user's template stays theirs: editable.
  mine["description"] = "v2";
  EXPECT_EQ(Call("PUT", "/api/v1/templates/tpl_mine", editor(), mine.dump()).status, 200);
  // "other" appeared after the upgrade (by StartServer) and has the whole catalog.
  EXPECT_EQ(Listing("other")["Blog article"]["builtin"], true);
}

// What a release with a changed templates/*.json does to a database seeded by the one before: the
// built-in gets a new version (same id), once.
TEST_F(CatalogTest, AChangedShippedDefinitionBecomesANewVersion) {
  StartServer();
  std::string id = BuiltinId("Instagram post");
  std::string shipped_hash = Get("/api/v1/templates/" + id, viewer()).body["content_hash"];
  server_.reset();
  app_.reset();
  {
    // As the previous release stored it.
    Json older = Json::parse(TemplateFile("templates/instagram_post.json"));
    older["description"] = "the previous release's";
    SQLite::Database db(dir_ / "atelier.db", SQLite::OPEN_READWRITE);
    SQLite::Statement st(db,
                         "UPDATE templates SET definition = ?1, description = ?2, content_hash = "
                         "'h-older' WHERE id = ?3");
    st.bind(1, older.dump());
    st.bind(2, older["description"].get<std::string>());
    st.bind(3, id);
    EXPECT_EQ(st.exec(), 1);  // template ids are per workspace
  }
  StartServer();
  Resp r = Get("/api/v1/templates/" + id, viewer());
  EXPECT_EQ(r.body["version"], 2) << r.raw;
  EXPECT_EQ(r.body["builtin"], true);
  EXPECT_EQ(r.body["content_hash"], shipped_hash);
  Resp v1 = Get("/api/v1/templates/" + id + "?version=1", viewer());
  EXPECT_EQ(v1.body["description"], "the previous release's");
  EXPECT_EQ(v1.body["builtin"], true);
  Restart();
  EXPECT_EQ(Get("/api/v1/templates/" + id + "/versions", viewer()).body["items"].size(), 2u);
}

}  // namespace
}  // namespace atelier::testing
