// Browser sessions over loopback: an API key is exchanged once for an HttpOnly, SameSite=Strict
// cookie that is then accepted like a bearer key; state-changing requests with the cookie need
// the CSRF header and a same-origin Origin; signing out and revoking the key end the session;
// a one-time sign-in link works once.
#include "tests/server_fixture.h"

namespace atelier::testing {
namespace {

class ServerSessionTest : public ServerTest {
 protected:
  const httplib::Headers kCsrf = {{"X-Atelier-CSRF", "1"}};

  // Signs in with `key`; returns the "atelier_session=..." cookie pair.
  std::string SignIn(const std::string& key) {
    Resp r = Call("POST", "/api/v1/session", "", Json{{"key", key}}.dump(), kCsrf);
    EXPECT_EQ(r.status, 201) << r.raw;
    return CookieOf(r);
  }
  static std::string CookieOf(const Resp& r) {
    std::string set = r.header("Set-Cookie");
    return set.substr(0, set.find(';'));
  }
  Resp WithCookie(const std::string& method, const std::string& path, const std::string& cookie,
                  const std::string& body = "", httplib::Headers headers = {}) {
    headers.emplace("Cookie", cookie);
    return Call(method, path, "", body, headers);
  }
};

TEST_F(ServerSessionTest, SignInSetsAnHttpOnlyStrictCookieThatIsAcceptedLikeTheKey) {
  Resp r = Call("POST", "/api/v1/session", "", Json{{"key", viewer()}}.dump(), kCsrf);
  ASSERT_EQ(r.status, 201) << r.raw;
  std::string set = r.header("Set-Cookie");
  EXPECT_EQ(set.rfind("atelier_session=ses_", 0), 0u) << set;
  EXPECT_NE(set.find("; HttpOnly"), std::string::npos) << set;
  EXPECT_NE(set.find("; SameSite=Strict"), std::string::npos) << set;
  EXPECT_NE(set.find("; Path=/"), std::string::npos) << set;
  EXPECT_EQ(r.raw.find(viewer()), std::string::npos) << "the key is not echoed";
  EXPECT_EQ(r.body["key"]["role"], "viewer");
  EXPECT_EQ(r.body["workspace_id"], "default");
  Resp w = WithCookie("GET", "/api/v1/workspace", CookieOf(r));
  ASSERT_EQ(w.status, 200) << w.raw;
  EXPECT_EQ(w.body["key"]["role"], "viewer");
  // The role is the key's: a viewer's session may not launch.
  EXPECT_EQ(WithCookie("POST", "/api/v1/executions", CookieOf(r), "{}", kCsrf).status, 403);
  // A made-up session is not one.
  EXPECT_EQ(WithCookie("GET", "/api/v1/workspace", "atelier_session=ses_00").status, 401);
}

TEST_F(ServerSessionTest, SignInNeedsTheCsrfHeaderAndALiveKey) {
  Resp r = Call("POST", "/api/v1/session", "", Json{{"key", viewer()}}.dump());
  EXPECT_EQ(r.status, 403) << r.raw;
  EXPECT_EQ(r.code(), "csrf_rejected");
  EXPECT_TRUE(r.header("Set-Cookie").empty());
  r = Call("POST", "/api/v1/session", "", Json{{"key", "atl_nope"}}.dump(), kCsrf);
  EXPECT_EQ(r.status, 401) << r.raw;
  EXPECT_TRUE(r.header("Set-Cookie").empty());
  r = Call("POST", "/api/v1/session", "", R"({"key": ""})", kCsrf);
  EXPECT_EQ(r.status, 400) << r.raw;
}

TEST_F(ServerSessionTest, StateChangingRequestsWithTheCookieNeedTheHeaderAndTheSameOrigin) {
  std::string cookie = SignIn(editor());
  std::string tid = CreateTemplate(R"({"name": "One line", "nodes": [
      {"id": "start", "type": "start"},
      {"id": "line", "type": "generate_text", "data": {"prompt": "A line about {{inputs.topic}}"}},
      {"id": "done", "type": "end"}],
    "inputs": {"topic": {"type": "string", "required": true}},
    "edges": [{"id": "1", "source": "start", "target": "line"},
              {"id": "2", "source": "line", "target": "done"}]})");
  Json launch = {{"template_id", tid}, {"inputs", {{"topic", "tea"}}}};
  Resp r = WithCookie("POST", "/api/v1/executions", cookie, launch.dump());
  EXPECT_EQ(r.status, 403) << r.raw;
  EXPECT_EQ(r.code(), "csrf_rejected");
  httplib::Headers evil = kCsrf;
  evil.emplace("Origin", "http://evil.example");
  r = WithCookie("POST", "/api/v1/executions", cookie, launch.dump(), evil);
  EXPECT_EQ(r.status, 403) << r.raw;
  EXPECT_NE(r.message().find("evil.example"), std::string::npos) << r.raw;
  httplib::Headers same = kCsrf;
  same.emplace("Origin", "http://127.0.0.1:" + std::to_string(server_->port()));
  r = WithCookie("POST", "/api/v1/executions", cookie, launch.dump(), same);
  EXPECT_EQ(r.status, 201) << r.raw;
  // Reads need no header; bearer keys need none either (no cookie, no cross-site risk).
  EXPECT_EQ(WithCookie("GET", "/api/v1/executions", cookie).status, 200);
  EXPECT_EQ(Post("/api/v1/executions", editor(), launch).status, 201);
}

TEST_F(ServerSessionTest, SigningOutAndRevokingTheKeyEndTheSession) {
  std::string cookie = SignIn(viewer());
  EXPECT_EQ(WithCookie("DELETE", "/api/v1/session", cookie).status, 403) << "needs the header";
  Resp out = WithCookie("DELETE", "/api/v1/session", cookie, "", kCsrf);
  EXPECT_EQ(out.status, 204) << out.raw;
  EXPECT_NE(out.header("Set-Cookie").find("Max-Age=0"), std::string::npos);
  Resp gone = WithCookie("GET", "/api/v1/workspace", cookie);
  EXPECT_EQ(gone.status, 401);
  EXPECT_NE(gone.message().find("sign in again"), std::string::npos) << gone.raw;

  Resp k = Post("/api/v1/keys", admin(), {{"role", "editor"}, {"name", "laptop"}});
  ASSERT_EQ(k.status, 201) << k.raw;
  std::string second = SignIn(k.body["secret"]);
  EXPECT_EQ(WithCookie("GET", "/api/v1/workspace", second).status, 200);
  ASSERT_EQ(Call("DELETE", "/api/v1/keys/" + k.body["id"].get<std::string>(), admin()).status, 200);
  Resp revoked = WithCookie("GET", "/api/v1/workspace", second);
  EXPECT_EQ(revoked.status, 401);
  EXPECT_NE(revoked.message().find("revoked"), std::string::npos) << revoked.raw;
}

TEST_F(ServerSessionTest, AOneTimeLinkSignsInOnceAndGoesToTheUi) {
  std::string path = server_->SignInPath(admin());
  EXPECT_EQ(path.rfind("/api/v1/session/link?token=lnk_", 0), 0u) << path;
  Resp r = Get(path, "");
  ASSERT_EQ(r.status, 303) << r.raw;
  EXPECT_EQ(r.header("Location"), "/");
  std::string cookie = CookieOf(r);
  Resp w = WithCookie("GET", "/api/v1/workspace", cookie);
  EXPECT_EQ(w.status, 200) << w.raw;
  EXPECT_EQ(w.body["key"]["role"], "admin");
  Resp again = Get(path, "");
  EXPECT_EQ(again.status, 401) << again.raw;
  EXPECT_TRUE(again.header("Set-Cookie").empty());
  EXPECT_EQ(Get("/api/v1/session/link?token=lnk_madeup", "").status, 401);
}

TEST_F(ServerSessionTest, EventStreamsAcceptTheCookie) {
  std::string cookie = SignIn(viewer());
  auto c = Client();
  int status = 0;
  std::string type;
  c->Get(
      "/api/v1/events/stream", {{"Cookie", cookie}},
      [&](const httplib::Response& res) {
        status = res.status;
        type = res.get_header_value("Content-Type");
        return false;  // the headers are enough
      },
      [](const char*, size_t) { return false; });
  EXPECT_EQ(status, 200);
  EXPECT_EQ(type.rfind("text/event-stream", 0), 0u) << type;
}

}  // namespace
}  // namespace atelier::testing
