// The `atelier` binary on PostgreSQL: `--db postgres://...` selects the PostgreSQL store wherever
// a command opens one, and separate processes (a run, then an approval) share the database.
// Needs ATELIER_TEST_PG_URL (src/store/postgres/postgres_test_support.h).
#include "store/postgres/postgres_test_support.h"
#include "tests/test_env.h"

namespace atelier::testing {
namespace {

std::string IdFrom(const std::string& out) {
  auto p = out.find("execution ex_");
  if (p == std::string::npos) return "";
  auto start = p + std::string("execution ").size();
  return out.substr(start, out.find_first_of(" \n", start) - start);
}

TEST(CliPostgres, RunWaitsAndAnotherProcessApprovesOnTheSameDatabase) {
  if (!pgtest::RequireServer()) return;
  const std::string db = pgtest::FreshSchemaUrl();
  TempDir d;
  auto r = RunAtelier({"run", SourcePath("templates/reviewed_announcement.json"), "--db", db, "-i",
                       "headline=Launch day", "-i", "importance=9"},
                      d.path());
  ASSERT_EQ(r.exit_code, 2) << r.out << r.err;
  const std::string id = IdFrom(r.out);
  ASSERT_FALSE(id.empty()) << r.out;
  EXPECT_FALSE(fs::exists(d.path() / "atelier.db"));  // nothing went to a SQLite file

  auto ok = RunAtelier(
      {"approve", id, "review", "--decision", "approve", "--comment", "ship", "--db", db},
      d.path());
  ASSERT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  // The image was read back from the database: no blob folder was made.
  EXPECT_EQ(ReadAll(d.path() / "atelier-out" / id / "banner.png").substr(1, 3), "PNG");
  EXPECT_FALSE(fs::exists(d.path() / "atelier-blobs"));

  auto list = Json::parse(RunAtelier({"executions", "--json", "--db", db}, d.path()).out);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["id"], id);
  EXPECT_EQ(list[0]["status"], "completed");
  auto events = Json::parse(RunAtelier({"events", id, "--json", "--db", db}, d.path()).out);
  ASSERT_GT(events.size(), 5u);
  for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i]["seq"], i + 1);
}

// --blobs keeps the artifacts of a PostgreSQL store in a folder instead of the database: the
// folder holds the image's bytes under its SHA-256, and another process given the same folder
// reads it back.
TEST(CliPostgres, BlobsFlagKeepsArtifactsInAFolder) {
  if (!pgtest::RequireServer()) return;
  const std::string db = pgtest::FreshSchemaUrl();
  TempDir d;
  auto r =
      RunAtelier({"run", SourcePath("templates/reviewed_announcement.json"), "--db", db, "--blobs",
                  "shared-blobs", "-i", "headline=Launch day", "-i", "importance=9"},
                 d.path());
  ASSERT_EQ(r.exit_code, 2) << r.out << r.err;
  const std::string id = IdFrom(r.out);
  ASSERT_FALSE(id.empty()) << r.out;
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(d.path() / "shared-blobs"))
    if (e.is_regular_file()) ++files;
  EXPECT_GT(files, 0u) << "no artifact was written to the folder";

  auto ok = RunAtelier({"approve", id, "review", "--decision", "approve", "--comment", "ship",
                        "--db", db, "--blobs", "shared-blobs"},
                       d.path());
  ASSERT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_EQ(ReadAll(d.path() / "atelier-out" / id / "banner.png").substr(1, 3), "PNG");
  EXPECT_FALSE(fs::exists(d.path() / "atelier-blobs"));
  EXPECT_FALSE(fs::exists(d.path() / "atelier.db"));
}

TEST(CliPostgres, AnUnreachableDatabaseIsAnErrorNamingIt) {
  TempDir d;
  auto r = RunAtelier(
      {"executions", "--db", "postgresql://nobody@127.0.0.1:1/none?connect_timeout=5"}, d.path());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("127.0.0.1"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(d.path() / "atelier.db"));
}

}  // namespace
}  // namespace atelier::testing
