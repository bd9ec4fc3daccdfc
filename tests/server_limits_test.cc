// Hostile input over real HTTP on loopback: JSON nested deep enough to overflow a thread's stack
// is refused with a 400 naming the limit, and rows nested that deep in the database (written by an
// older version, or by hand) fail their reads instead of the process, at launch and at adoption.
#include <SQLiteCpp/SQLiteCpp.h>
#include <httplib.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "atelier/app/app.h"
#include "atelier/core/json_limits.h"
#include "atelier/server/api_keys.h"
#include "atelier/server/server.h"
#include "tests/test_env.h"

namespace atelier::testing {
namespace {

// The template of the report: a transform whose data holds `depth` nested arrays (200 KB at
// 100,000 levels, well under the body limit).
std::string DeepTemplate(int depth, const std::string& name = "deep") {
  return R"({"name":")" + name +
         R"(","nodes":[{"id":"start","type":"start"},)"
         R"({"id":"g","type":"transform","data":{"output":{"v":)" +
         std::string(depth, '[') + std::string(depth, ']') +
         R"(}}}],"edges":[{"id":"e","source":"start","target":"g"}]})";
}

struct Resp {
  int status = 0;
  Json body;
  std::string raw;
  std::string error(const char* field) const {
    if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return "";
    return body["error"].value(field, "");
  }
};

class ServerLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(); }
  void TearDown() override { StopServer(); }

  void StartServer() {
    AppOptions o;
    o.db_path = db_path();
    o.workers = 2;
    auto app = App::Open(o);
    ASSERT_TRUE(app.has_value()) << app.error().ToString();
    app_ = std::move(*app);
    if (admin_.empty()) {
      auto k = CreateApiKey(app_->accounts(), "default", Role::kAdmin, "admin", 1);
      ASSERT_TRUE(k.has_value()) << k.error().ToString();
      admin_ = k->secret;
    }
    ServerOptions so;
    so.port = 0;
    so.threads = 4;
    so.log = [this](const std::string& line) {
      std::lock_guard<std::mutex> l(log_mu_);
      logs_.push_back(line);
    };
    server_ = std::make_unique<Server>(app_.get(), so);
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  void StopServer() {
    server_.reset();
    app_.reset();
  }

  std::string db_path() const { return dir_ / "atelier.db"; }

  Resp Call(const std::string& method, const std::string& path, const std::string& body = "") {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(30, 0);
    c.set_connection_timeout(5, 0);
    httplib::Headers headers = {{"Authorization", "Bearer " + admin_}};
    httplib::Result r = method == "POST" ? c.Post(path.c_str(), headers, body, "application/json")
                                         : c.Get(path.c_str(), headers);
    Resp out;
    EXPECT_TRUE(r) << method << " " << path << ": " << httplib::to_string(r.error());
    if (!r) return out;
    out.status = r->status;
    out.raw = r->body;
    out.body = Json::parse(r->body, nullptr, false);
    return out;
  }

  bool Healthy() { return Call("GET", "/healthz").status == 200; }

  // Runs `sql` with `text` bound to ?1 on a connection of its own, as a hand edit would.
  void RawSql(const std::string& sql, const std::string& text) {
    SQLite::Database db(db_path(), SQLite::OPEN_READWRITE);
    db.setBusyTimeout(10000);
    SQLite::Statement st(db, sql);
    st.bind(1, text);
    EXPECT_EQ(st.exec(), 1) << sql;
  }

  std::vector<std::string> Logs() {
    std::lock_guard<std::mutex> l(log_mu_);
    return logs_;
  }

  TempDir dir_;
  std::unique_ptr<App> app_;
  std::unique_ptr<Server> server_;
  std::string admin_;
  std::mutex log_mu_;
  std::vector<std::string> logs_;
};

TEST_F(ServerLimitsTest, DeeplyNestedBodiesAnswer400NamingTheLimit) {
  for (int depth : {100000, 50000}) {
    for (const char* path : {"/api/v1/templates/validate", "/api/v1/templates"}) {
      SCOPED_TRACE(std::string(path) + " at " + std::to_string(depth) + " levels");
      Resp r = Call("POST", path, DeepTemplate(depth));
      EXPECT_EQ(r.status, 400) << r.raw.substr(0, 300);
      EXPECT_EQ(r.error("code"), "invalid_argument");
      // Five levels of template around the data: the 129th bracket is the data's 124th.
      EXPECT_NE(r.error("message").find("JSON nested deeper than 128 levels (line 1, column 229)"),
                std::string::npos)
          << r.error("message");
      ASSERT_TRUE(Healthy());
    }
  }
  // Launch inputs nested too deep are refused the same way.
  Resp r = Call("POST", "/api/v1/executions",
                R"({"template_id":"t","inputs":{"x":)" + std::string(100000, '[') +
                    std::string(100000, ']') + "}}");
  EXPECT_EQ(r.status, 400) << r.raw.substr(0, 300);
  EXPECT_NE(r.error("message").find("JSON nested deeper than 128 levels"), std::string::npos);
  EXPECT_TRUE(Healthy());
}

TEST_F(ServerLimitsTest, TemplatesWithinTheLimitAreStillAccepted) {
  // 123 levels of data plus the five of the template: exactly the limit.
  Resp r = Call("POST", "/api/v1/templates", DeepTemplate(kMaxJsonDepth - 5));
  EXPECT_EQ(r.status, 201) << r.raw.substr(0, 300);
  r = Call("POST", "/api/v1/templates/validate", DeepTemplate(kMaxJsonDepth - 4));
  EXPECT_EQ(r.status, 400) << r.raw.substr(0, 300);
}

// A template whose stored definition is nested 50,000 levels deep (written behind the API's back)
// used to kill the server at launch, and again at every restart while adopting the execution.
TEST_F(ServerLimitsTest, DeepStoredRowsFailTheirReadsNotTheServer) {
  const std::string deep_definition = DeepTemplate(50000);
  auto create = [&](const std::string& name) {
    Resp r = Call("POST", "/api/v1/templates", DeepTemplate(3, name));
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.value("id", "");
  };
  const std::string ran = create("ran"), untouched = create("untouched");
  Resp launched = Call("POST", "/api/v1/executions", Json{{"template_id", ran}}.dump());
  ASSERT_EQ(launched.status, 201) << launched.raw;
  const std::string eid = launched.body.value("id", "");
  std::string status;
  for (int i = 0; i < 500 && status != "completed"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    status = Call("GET", "/api/v1/executions/" + eid).body.value("status", "");
  }
  ASSERT_EQ(status, "completed");

  // Launching a template whose stored definition is too deep fails that request.
  RawSql("UPDATE templates SET definition = ?1 WHERE id = '" + untouched + "'", deep_definition);
  Resp r = Call("POST", "/api/v1/executions", Json{{"template_id", untouched}}.dump());
  EXPECT_EQ(r.status, 500) << r.raw.substr(0, 300);
  EXPECT_EQ(Call("GET", "/api/v1/templates/" + untouched).status, 500);
  ASSERT_TRUE(Healthy());

  // The finished execution made to look running on a too-deep definition: the restarted server
  // logs why it cannot adopt it, and serves.
  StopServer();
  RawSql("UPDATE templates SET definition = ?1 WHERE id = '" + ran + "'", deep_definition);
  RawSql("UPDATE executions SET status = ?1 WHERE id = '" + eid + "'", "running");
  StartServer();
  ASSERT_TRUE(Healthy());
  bool logged = false;
  for (const std::string& line : Logs()) {
    logged |= line.find("cannot adopt execution") != std::string::npos &&
              line.find(
                  "stored JSON in column 'definition' cannot be read: JSON nested deeper "
                  "than 512 levels") != std::string::npos;
  }
  EXPECT_TRUE(logged) << "no adoption error naming the column and the limit in the log";
  r = Call("GET", "/api/v1/executions/" + eid);  // described with its template
  EXPECT_EQ(r.status, 500) << r.raw.substr(0, 300);
  ASSERT_TRUE(Healthy());

  // A too-deep column of the execution itself fails the reads of that row, adoption included.
  StopServer();
  RawSql("UPDATE executions SET inputs = ?1 WHERE id = '" + eid + "'",
         "{\"x\":" + std::string(50000, '[') + std::string(50000, ']') + "}");
  StartServer();
  r = Call("GET", "/api/v1/executions");
  EXPECT_EQ(r.status, 500) << r.raw.substr(0, 300);
  EXPECT_TRUE(Healthy());
}

}  // namespace
}  // namespace atelier::testing
