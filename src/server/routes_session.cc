// Browser sessions (server/sessions.h): sign in with an API key once for an HttpOnly,
// SameSite=Strict cookie; sign out; one-time sign-in links. The cookie is then accepted like a
// bearer key (server.cc, Authenticate), with state-changing requests guarded against cross-site
// use there too.
#include "atelier/engine/timestamp.h"
#include "api.h"
#include "atelier/server/api_keys.h"
#include "sessions.h"

namespace atelier::api {
namespace {

std::string CookieFor(const std::string& token, int64_t max_age_s) {
  return std::string(SessionStore::kCookie) + "=" + token +
         "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_s);
}

// The live key behind `key_hash`, or 401 saying why not.
tl::expected<ApiKeyRecord, ApiError> LiveKey(Call& c, const std::string& key_hash) {
  auto found = FindKey(c.svc, key_hash);
  if (!found) {
    if (found.error().code() == Code::kNotFound)
      return tl::unexpected(ApiError{401, "unauthenticated", "unknown API key", Json::object()});
    return tl::unexpected(ErrorFromStatus(found.error()));
  }
  if (found->revoked_at != 0)
    return tl::unexpected(ApiError{
        401, "unauthenticated",
        "API key " + found->id + " (" + found->prefix + "...) has been revoked", Json::object()});
  return *found;
}

ApiResult Opened(Call& c, const ApiKeyRecord& key, const std::string& key_hash, int status) {
  std::string token = c.svc.sessions.Open(key_hash, NowMs());
  c.res.set_header("Set-Cookie", CookieFor(token, SessionStore::kLifetimeMs / 1000));
  c.res.set_header("Cache-Control", "no-store");
  return Ok({{"workspace_id", key.workspace_id},
             {"key", {{"id", key.id}, {"role", RoleName(key.role)}, {"name", key.name}}},
             {"expires_at", FormatTimestamp(NowMs() + SessionStore::kLifetimeMs)}},
            status);
}

ApiResult SignIn(Call& c) {
  auto body = ParseBody(c, {{"key", JType::kString, true}});
  if (!body) return Fail(body.error());
  std::string secret = (*body)["key"].get<std::string>();
  if (secret.empty()) return Fail(BadRequest("field 'key' must not be empty", "key"));
  std::string hash = Sha256Hex(secret);
  auto key = LiveKey(c, hash);
  if (!key) return Fail(key.error());
  return Opened(c, *key, hash, 201);
}

ApiResult SignOut(Call& c) {
  std::string token = CookieValue(c.req.get_header_value("Cookie"), SessionStore::kCookie);
  if (!token.empty()) c.svc.sessions.Close(token);
  c.res.set_header("Set-Cookie", CookieFor("", 0));
  return Reply{204, Json(), false};
}

// A one-time link: opens a session and sends the browser to the UI; a second use answers 401.
ApiResult RedeemLink(Call& c) {
  std::string token = Query(c, "token");
  auto hash = token.empty() ? std::nullopt : c.svc.sessions.RedeemLink(token, NowMs());
  if (!hash)
    return Fail(ApiError{401, "unauthenticated",
                         "this sign-in link has been used or has expired; sign in with an API key",
                         Json::object()});
  auto key = LiveKey(c, *hash);
  if (!key) return Fail(key.error());
  auto opened = Opened(c, *key, *hash, 303);
  if (!opened) return opened;
  c.res.status = 303;
  c.res.set_header("Location", "/");
  return Reply{303, Json(), true};
}

}  // namespace

void AddSessionRoutes(std::vector<Route>* r) {
  r->push_back({{"POST", "/api/v1/session", false, Role::kViewer,
                 "Sign in: exchange an API key for a session cookie (HttpOnly, SameSite=Strict)"},
                SignIn,
                {},
                {{"type", "object"},
                 {"additionalProperties", false},
                 {"required", {"key"}},
                 {"properties", {{"key", {{"type", "string"}, {"minLength", 1}}}}}},
                201});
  r->push_back({{"DELETE", "/api/v1/session", false, Role::kViewer,
                 "Sign out: end the session of the cookie sent"},
                SignOut,
                {},
                Json(),
                204});
  r->push_back({{"GET", "/api/v1/session/link", false, Role::kViewer,
                 "Open a session from a one-time sign-in link (printed by atelier serve) and "
                 "go to the UI"},
                RedeemLink,
                {"token"},
                Json(),
                303});
}

}  // namespace atelier::api
