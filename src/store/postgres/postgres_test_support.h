// The PostgreSQL the tests run against: ATELIER_TEST_PG_URL names a server (scripts/test.sh starts
// a throwaway one with scripts/pg_test_server.sh). Each store a test opens lives in a schema of its
// own, created on demand and dropped when the test process ends, so tests run in parallel
// (ctest -j) on one database without seeing each other.
//
// Without ATELIER_TEST_PG_URL a test fails when CI is set (CI must run them) and is skipped with a
// message otherwise.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "atelier/store/postgres/postgres_store.h"

namespace atelier::pgtest {

inline std::string ServerUrl() {
  const char* url = std::getenv("ATELIER_TEST_PG_URL");
  return url ? url : "";
}

inline bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && *ci != '\0' && std::string(ci) != "0" && std::string(ci) != "false";
}

// Fails (in CI) or skips the running test: no server is named.
inline void FailOrSkipWithoutServer() {
  if (InCi()) {
    ADD_FAILURE() << "ATELIER_TEST_PG_URL is not set: CI must run the PostgreSQL tests "
                     "(scripts/test.sh starts a server with scripts/pg_test_server.sh)";
  } else {
    GTEST_SKIP() << "no PostgreSQL: set ATELIER_TEST_PG_URL (scripts/pg_test_server.sh start DIR "
                    "prints one) to run the PostgreSQL tests";
  }
}

// Whether a server is named; when not, fails or skips the running test.
inline bool RequireServer() {
  if (!ServerUrl().empty()) return true;
  FailOrSkipWithoutServer();
  return false;
}

// The schemas this process made, dropped at the end.
class Schemas : public ::testing::Environment {
 public:
  static std::vector<std::string>& Made() {
    static std::vector<std::string> made;
    return made;
  }
  static std::mutex& Mu() {
    static std::mutex mu;
    return mu;
  }
  void TearDown() override {
    std::lock_guard lock(Mu());
    if (Made().empty()) return;
    try {
      pqxx::connection c(ServerUrl());
      pqxx::nontransaction tx(c);
      for (const std::string& s : Made()) tx.exec("DROP SCHEMA IF EXISTS " + s + " CASCADE");
    } catch (const std::exception& e) {
      ADD_FAILURE() << "dropping the test schemas: " << e.what();
    }
    Made().clear();
  }
};

[[maybe_unused]] inline ::testing::Environment* const kSchemas =
    ::testing::AddGlobalTestEnvironment(new Schemas);

// A URL whose connections use a new, empty schema of the test server.
inline std::string FreshSchemaUrl() {
  static std::atomic<int> next{0};
  const std::string schema = "atelier_t" + std::to_string(getpid()) + "_" + std::to_string(next++);
  {
    pqxx::connection c(ServerUrl());
    pqxx::nontransaction tx(c);
    tx.exec("CREATE SCHEMA " + schema);
  }
  {
    std::lock_guard lock(Schemas::Mu());
    Schemas::Made().push_back(schema);
  }
  const std::string url = ServerUrl();
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         schema;
}

// Ends, as an administrator would with pg_terminate_backend, the server processes of the
// connections whose application_name is `app` (and that match `and_where`, an SQL condition on
// pg_stat_activity, when given), waiting up to 5 s for each to be gone. Returns how many it ended.
inline size_t TerminateBackends(const std::string& app, const std::string& and_where = "") {
  pqxx::connection c(ServerUrl());
  pqxx::nontransaction tx(c);
  return tx
      .exec("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
            "WHERE application_name = " +
            tx.quote(app) + (and_where.empty() ? "" : " AND (" + and_where + ")"))
      .size();
}

}  // namespace atelier::pgtest
