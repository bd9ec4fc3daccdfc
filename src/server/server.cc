#include "atelier/server/server.h"

#include <chrono>
#include <condition_variable>
#include <map>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "atelier/app/adopter.h"
#include "atelier/app/change_watcher.h"
#include "atelier/app/log_line.h"
#include "atelier/app/engine_account_service.h"
#include "atelier/app/engine_execution_commands.h"
#include "atelier/app/engine_launch_service.h"
#include "atelier/app/notifier.h"
#include "atelier/app/schedules.h"
#include "atelier/app/triggers.h"
#include "atelier/api/records_json.h"
#include "atelier/providers/http/curl_http_client.h"
#include "api.h"
#include "atelier/server/api_keys.h"
#include "http_listener.h"
#include "stream_pump.h"

namespace atelier {
namespace api {
namespace {

// Per request, on the thread that serves it (the HTTP library handles a request from routing to
// logging on one thread): when it began and its id.
struct RequestContext {
  std::chrono::steady_clock::time_point start;
  std::string request_id;
};
thread_local RequestContext t_request;

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

// A route's pattern, split once: each segment a literal or a parameter's name.
struct Pattern {
  struct Segment {
    std::string text;
    bool param = false;
  };
  std::vector<Segment> segments;
};

Pattern ParsePattern(const std::string& pattern) {
  Pattern p;
  for (std::string& s : Split(pattern)) {
    const bool param = s.size() > 2 && s.front() == '{' && s.back() == '}';
    p.segments.push_back({param ? s.substr(1, s.size() - 2) : std::move(s), param});
  }
  return p;
}

// Literal segments matched, or -1 when the pattern does not match.
int Match(const Pattern& pattern, const std::vector<std::string>& path) {
  if (pattern.segments.size() != path.size()) return -1;
  int literal = 0;
  for (size_t i = 0; i < path.size(); ++i) {
    const Pattern::Segment& s = pattern.segments[i];
    if (s.param) continue;
    if (s.text != path[i]) return -1;
    ++literal;
  }
  return literal;
}

// The parameters of `path`, which matches `pattern`.
std::map<std::string, std::string> Params(const Pattern& pattern,
                                          const std::vector<std::string>& path) {
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < path.size(); ++i)
    if (pattern.segments[i].param) found[pattern.segments[i].text] = path[i];
  return found;
}

bool ValidId(const std::string& v) {
  if (v.empty() || v.size() > 200) return false;
  for (char ch : v) {
    bool ok = std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.' ||
              ch == ':' || ch == '[' || ch == ']';
    if (!ok) return false;
  }
  return true;
}

bool ValidRequestId(const std::string& v) {
  if (v.empty() || v.size() > 128) return false;
  for (char ch : v)
    if (ch < 0x21 || ch > 0x7e) return false;
  return true;
}

// Bytes a client sent may be echoed in messages: invalid UTF-8 is replaced, never thrown on.
std::string JsonLine(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// `text` as a JSON string; printable ASCII is copied as it is, anything else goes through JsonLine.
void AppendJsonString(std::string* out, const std::string& text) {
  for (char ch : text) {
    if (ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\') {
      *out += JsonLine(Json(text));
      return;
    }
  }
  *out += '"';
  *out += text;
  *out += '"';
}

}  // namespace

const std::vector<Route>& AllRoutes() {
  static const std::vector<Route> routes = [] {
    std::vector<Route> r;
    AddOpsRoutes(&r);
    AddTemplateRoutes(&r);
    AddNodeTypeRoutes(&r);
    AddExecutionRoutes(&r);
    AddArtifactRoutes(&r);
    AddApprovalRoutes(&r);
    AddScheduleRoutes(&r);
    AddTriggerRoutes(&r);
    AddNotificationRoutes(&r);
    AddRetentionRoutes(&r);
    AddTransferRoutes(&r);
    AddMcpRoutes(&r);
    AddAccountRoutes(&r);
    AddSessionRoutes(&r);
    return r;
  }();
  return routes;
}

// AllRoutes' patterns, in the same order.
const std::vector<Pattern>& AllPatterns() {
  static const std::vector<Pattern> patterns = [] {
    std::vector<Pattern> p;
    for (const Route& r : AllRoutes()) p.push_back(ParsePattern(r.info.pattern));
    return p;
  }();
  return patterns;
}

}  // namespace api

using api::ApiError;
using api::Call;
using api::Route;

// Whether a notification may report an event of this type: the notifier then looks at once.
static bool IsNotified(const std::string& type) {
  const auto& t = NotificationEventTypes();
  return std::find(t.begin(), t.end(), type) != t.end();
}

class Server::Impl {
 public:
  Impl(App* app, ServerOptions opts)
      : launch_(app, /*drive_here=*/true),
        commands_(app, /*drive_here=*/true),
        accounts_(app, [] { return "grant_" + RandomHex(10); }),
        schedules_(app, &launch_, &clock_),
        triggers_(app, &launch_, &clock_),
        notifications_(app, &clock_),
        retention_(app, &clock_, opts.retention_options),
        mcp_(app) {
    svc_.app = app;
    svc_.schedules = &schedules_;
    svc_.triggers = &triggers_;
    svc_.notifications = &notifications_;
    svc_.retention = &retention_;
    svc_.mcp = &mcp_;
    svc_.launch = &launch_;
    svc_.commands = &commands_;
    svc_.accounts = &accounts_;
    svc_.opts = std::move(opts);
    svc_.ui = api::UiAssets(svc_.opts.ui_dir);
    if (!svc_.opts.log) {
      svc_.opts.log = [this](const std::string& line) {
        std::lock_guard<std::mutex> l(log_mu_);
        std::cerr << line << "\n" << std::flush;
      };
    }
  }

  void Log(const std::string& level, const std::string& msg, Json extra = Json::object()) {
    svc_.opts.log(LogLine(api::NowMs(), level, msg, extra));
  }

  Status Start() {
    App& app = *svc_.app;
    const ServerOptions& o = svc_.opts;
    if (Status s = SeedCatalog(); !s.ok()) return s;
    pump_ = std::make_unique<api::StreamPump>(
        &app, &svc_.hub, &svc_.live,
        std::chrono::milliseconds(std::max<int64_t>(o.heartbeat_ms, 10)),
        std::chrono::milliseconds(std::max<int64_t>(o.stream_poll_ms, 10)));
    svc_.pump = pump_.get();
    // Made (not started) before the engine's observer and the listener exist: both read it from
    // their own threads, so it must not change under them (ThreadSanitizer found the race).
    if (svc_.opts.notifications) {
      notifier_ = std::make_unique<Notifier>(
          &app, &clock_, std::make_shared<CurlHttpClient>(), app.shared_http_allow(),
          svc_.opts.notifier,
          [this](const std::string& level, const std::string& msg) { Log(level, msg); });
      svc_.notifier_wake = [this] { notifier_->Wake(); };
    }
    app.engine().SetObserver([this](const Event& e, const Progress&) {
      svc_.metrics.Observe(e);
      // A step's live progress ends with its attempt; an execution's with its run.
      if (!e.step_id.empty() && e.type != "step_started") {
        svc_.live.Drop(e.execution_id, e.step_id);
      } else if (e.type == "execution_completed" || e.type == "execution_failed" ||
                 e.type == "execution_stopped" || e.type == "execution_paused" ||
                 e.type == "execution_interrupted") {
        svc_.live.Drop(e.execution_id, "");
      }
      svc_.hub.Ring();
      mcp_.Changed();
      if (notifier_ && IsNotified(e.type)) notifier_->Wake();
    });
    // Not stored, not in any log: the latest state of each running step, for the streams.
    app.engine().SetLiveObserver([this](const StepLive& live) {
      svc_.live.Put(live);
      svc_.hub.Poke();
    });
    api::ListenerOptions lo;
    lo.host = o.host;
    lo.port = o.port;
    lo.io_threads = o.io_threads;
    lo.worker_threads = std::max(o.threads, 1);
    lo.max_body_bytes = o.max_body_bytes;
    lo.max_request_line = o.max_request_line;
    lo.max_header_bytes = o.max_header_bytes;
    lo.header_timeout_ms = o.header_timeout_ms;
    lo.body_timeout_ms = o.body_timeout_ms;
    lo.max_connections = o.max_connections;
    lo.max_connections_per_client = o.max_connections_per_client;
    lo.max_unauthenticated_per_client = o.max_unauthenticated_per_client;
    listener_ = std::make_unique<api::HttpListener>(
        lo, [this](const api::HttpRequest& req, api::HttpResponse& res) { Handle(req, res); },
        [this](const api::HttpRequest& req, int status, const std::string& code,
               const std::string& message, api::HttpResponse& res) {
          Begin(req, res);
          Render(res, ApiError{status, code, message, Json::object()});
          Finish(req, res);
        },
        // Liveness never waits behind busy workers.
        [](const api::HttpRequest& req) { return req.path == "/healthz"; });
    if (Status s = listener_->Start(); !s.ok()) return s;
    port_ = listener_->port();
    // A process that runs no steps (--workers 0) adopts nothing: its workers do.
    if (svc_.opts.adopt && app.engine().drives()) {
      adopter_ = std::make_unique<Adopter>(
          &app, svc_.opts.adopt_interval_ms,
          [this](const std::string& level, const std::string& msg, Json extra) {
            Log(level, msg, std::move(extra));
          });
    }
    // Shared with other processes (PostgreSQL): their commits ring here, so streams deliver a
    // worker's events and the adopter takes a launch over now, not at their next poll. Listening
    // before the adopter's first pass, so nothing launched after that pass goes unrung.
    watcher_ = std::make_unique<ChangeWatcher>(&app.store(), [this](unsigned rung) {
      if (rung & kChangeEvents) svc_.hub.Ring();
      if ((rung & kChangeWork) && adopter_) adopter_->Wake();
    });
    if (adopter_) {
      adopter_->AdoptNow();
      adopter_->Start();
    }
    watcher_->Start();
    if (svc_.opts.schedules) {
      runner_ = std::make_unique<ScheduleRunner>(
          &schedules_, svc_.opts.schedule_poll_ms,
          [this](const std::string& level, const std::string& msg) { Log(level, msg); });
      runner_->Start();
    }
    if (notifier_) notifier_->Start();
    if (svc_.opts.retention) {
      retention_runner_ = std::make_unique<RetentionRunner>(
          &retention_, svc_.opts.retention_interval_ms, svc_.opts.retention_first_ms,
          [this](const std::string& level, const std::string& msg) { Log(level, msg); });
      retention_runner_->Start();
    }
    started_ = true;
    Log("info", "listening", {{"host", svc_.opts.host}, {"port", port_}});
    return Status::Ok();
  }

  // Every workspace gets the built-in templates of this binary before the first request: an
  // upgraded database gets the catalog, a changed shipped template becomes a new version of its
  // built-in, and a restart adds nothing. A name a user template holds is skipped and said.
  Status SeedCatalog() {
    App& app = *svc_.app;
    auto workspaces = app.accounts().ListWorkspaces();
    if (!workspaces) return workspaces.error();
    for (const auto& ws : *workspaces) {
      // App::Open seeded the default workspace already: say what it did.
      auto seeded = ws.id == App::kWorkspace
                        ? Result<std::vector<SeedOutcome>>(app.seeded_at_open())
                        : app.SeedCatalog(ws.id);
      if (!seeded) return seeded.error();
      Json changed = Json::array();
      for (const auto& o : *seeded) {
        if (o.action == SeedOutcome::Action::kSkipped) {
          Log("warn", "built-in template not seeded: a user template has its name",
              {{"workspace", ws.id}, {"name", o.name}, {"template_id", o.template_id},
               {"reason", o.reason}});
        } else if (o.action != SeedOutcome::Action::kUnchanged) {
          changed.push_back({{"name", o.name},
                             {"action", SeedActionName(o.action)},
                             {"template_id", o.template_id},
                             {"version", o.version}});
        }
      }
      if (!changed.empty())
        Log("info", "built-in templates seeded", {{"workspace", ws.id}, {"templates", changed}});
    }
    return Status::Ok();
  }

  void Stop(int64_t grace_ms) {
    if (stopped_.exchange(true)) return;
    if (watcher_) watcher_->Stop();
    if (adopter_) adopter_->Stop();
    if (runner_) runner_->Stop();  // no launch after the engine began to shut down
    if (retention_runner_) retention_runner_->Stop();  // between two batches
    if (notifier_) notifier_->Stop();  // attempts in flight give up; the next process sends them
    // MCP calls answer now (waits with what they have) while their streams can still be written.
    mcp_.Close();
    // No new connections; streams end (their clients see the last chunk); the engine stops
    // starting steps and hands back or commits the running ones within the grace; then the
    // requests being handled finish and the connections close.
    if (listener_) listener_->StopAccepting();
    if (pump_) pump_->Stop();
    svc_.app->engine().Shutdown(grace_ms);
    if (listener_) listener_->Stop(std::min<int64_t>(grace_ms, 2000));
    svc_.app->engine().SetObserver(nullptr);
    svc_.app->engine().SetLiveObserver(nullptr);
    if (started_) Log("info", "stopped");
  }

  int port() const { return port_; }
  void HandleInProcess(const api::HttpRequest& req, api::HttpResponse& res) { Handle(req, res); }
  api::SessionStore& sessions() { return svc_.sessions; }

 private:
  void Render(api::HttpResponse& res, const ApiError& e) {
    res.status = e.status;
    res.set_content(api::JsonLine(api::ErrorBody(e)), "application/json");
  }

  // Every response carries a request id: the client's X-Request-Id when it is sane, else a new one.
  void Begin(const api::HttpRequest& req, api::HttpResponse& res) {
    api::t_request.start = std::chrono::steady_clock::now();
    std::string id = req.get_header_value("X-Request-Id");
    api::t_request.request_id = api::ValidRequestId(id) ? id : "req_" + RandomHex(8);
    res.set_header("X-Request-Id", api::t_request.request_id);
  }

  // The request log line and the request counter. The line is written field by field (the
  // same JSON that Log would make, keys in its order): it is on every request's path.
  void Finish(const api::HttpRequest& req, const api::HttpResponse& res) {
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                          api::t_request.start)
                    .count();
    svc_.metrics.CountRequest(res.status);
    char duration[32];
    std::snprintf(duration, sizeof duration, "%.3f", static_cast<int64_t>(ms * 1000) / 1000.0);
    std::string line = "{\"duration_ms\":";
    line += duration;
    line += ",\"level\":";
    line += res.status >= 500 ? "\"error\"" : (res.status >= 400 ? "\"warn\"" : "\"info\"");
    line += ",\"method\":";
    api::AppendJsonString(&line, req.method);
    line += ",\"msg\":\"request\",\"path\":";
    api::AppendJsonString(&line, req.path.empty() ? req.target : req.path);
    line += ",\"request_id\":";
    api::AppendJsonString(&line, api::t_request.request_id);
    line += ",\"status\":" + std::to_string(res.status) + ",\"ts\":";
    api::AppendJsonString(&line, FormatTimestamp(api::NowMs()));
    line += '}';
    svc_.opts.log(line);
  }

  void Handle(const api::HttpRequest& req, api::HttpResponse& res) {
    Begin(req, res);
    try {
      Dispatch(req, res);
    } catch (const std::exception& ex) {
      Log("error", "handler threw", {{"error", ex.what()}, {"request_id", api::t_request.request_id}});
      res.on_stream = nullptr;
      Render(res, ApiError{500, "internal", "internal error", Json::object()});
    }
    Finish(req, res);
  }

  void Dispatch(const api::HttpRequest& req, api::HttpResponse& res) {
    if (Cors(req, res)) return;
    auto path = api::Split(req.path);
    std::string method = req.method == "HEAD" ? "GET" : req.method;
    const Route* best = nullptr;
    const api::Pattern* best_pattern = nullptr;
    int best_literal = -1;
    std::vector<std::string> allowed;
    const std::vector<Route>& routes = api::AllRoutes();
    const std::vector<api::Pattern>& patterns = api::AllPatterns();
    for (size_t i = 0; i < routes.size(); ++i) {
      const Route& r = routes[i];
      int literal = api::Match(patterns[i], path);
      if (literal < 0) continue;
      if (std::find(allowed.begin(), allowed.end(), r.info.method) == allowed.end())
        allowed.push_back(r.info.method);
      if (r.info.method == method && literal > best_literal) {
        best = &r;
        best_pattern = &patterns[i];
        best_literal = literal;
      }
    }
    std::map<std::string, std::string> params;
    if (best) params = api::Params(*best_pattern, path);
    if (!best && allowed.empty() && ServeUi(req, res)) return;
    if (!best && allowed.empty()) {
      Render(res, ApiError{404,
                           "not_found",
                           "no route for " + req.method + " " + req.path,
                           {{"path", req.path}}});
      return;
    }
    if (!best) {
      std::string allow;
      for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
      res.set_header("Allow", allow);
      Render(res, ApiError{405,
                           "method_not_allowed",
                           req.method + " is not allowed on " + req.path + "; allowed: " + allow,
                           {{"allow", allowed}}});
      return;
    }
    if (req.body.size() > svc_.opts.max_body_bytes) {
      Render(res, ApiError{413, "payload_too_large",
                           "the request body is larger than the limit of " +
                               std::to_string(svc_.opts.max_body_bytes) + " bytes",
                           Json::object()});
      return;
    }
    Call call{req, res, svc_, {}, {}};
    if (best->info.pattern == "/api/v1/session" && method != "GET") {
      if (auto e = CheckCsrf(req)) {
        Render(res, *e);
        return;
      }
    }
    if (best->info.auth) {
      if (auto e = Authenticate(req, best->info.role, &call.key)) {
        if (e->status == 401) res.set_header("WWW-Authenticate", "Bearer");
        Render(res, *e);
        return;
      }
      res.authenticated = true;
    }
    for (const auto& [name, value] : params) {
      if (!api::ValidId(value)) {
        Render(res, api::BadRequest("path parameter '" + name + "' is not a valid id: '" + value +
                                        "' (letters, digits, _ - . : [ ] only)",
                                    name));
        return;
      }
    }
    call.params = std::move(params);
    api::ApiResult result = best->handler(call);
    if (!result) {
      Render(res, result.error());
      return;
    }
    if (result->raw) return;
    res.status = result->status;
    if (result->status != 204) res.set_content(api::JsonLine(result->body), "application/json");
  }

  // CORS for the configured origins (--cors-origin): their requests get the headers that let
  // their pages read the answer, and their preflights (OPTIONS with
  // Access-Control-Request-Method) are answered here. True when the request was answered.
  bool Cors(const api::HttpRequest& req, api::HttpResponse& res) {
    const auto& allowed = svc_.opts.cors_origins;
    const std::string origin = req.get_header_value("Origin");
    if (!allowed.empty()) res.set_header("Vary", "Origin");
    const bool preflight =
        req.method == "OPTIONS" && !req.get_header_value("Access-Control-Request-Method").empty();
    if (origin.empty()) return false;
    const bool ok = std::find(allowed.begin(), allowed.end(), origin) != allowed.end();
    if (!ok) {
      if (!preflight) return false;
      Render(res, ApiError{403,
                           "cors_rejected",
                           "cross-origin requests from " + origin +
                               " are not allowed; start the server with --cors-origin " + origin +
                               " to allow them",
                           {{"origin", origin}}});
      return true;
    }
    res.set_header("Access-Control-Allow-Origin", origin);
    res.set_header("Access-Control-Expose-Headers",
                   "X-Request-Id, Idempotent-Replayed, Allow, Content-Disposition, ETag");
    if (!preflight) return false;
    res.status = 204;
    res.set_header("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, PATCH, DELETE");
    res.set_header("Access-Control-Allow-Headers",
                   std::string("Authorization, Content-Type, Idempotency-Key, Last-Event-ID, ") +
                       api::kCsrfHeader);
    res.set_header("Access-Control-Max-Age", "600");
    return true;
  }

  // The web UI answers GETs outside the API: its files, and index.html for the app's own pages.
  // False when the request is not one for the UI (the caller answers 404).
  bool ServeUi(const api::HttpRequest& req, api::HttpResponse& res) {
    if (req.method != "GET" && req.method != "HEAD") return false;
    if (req.path.rfind("/api/", 0) == 0) return false;
    auto asset = svc_.ui.Find(req.path);
    if (!asset) return false;
    res.status = 200;
    res.set_header("Cache-Control", asset->cache_control);
    res.set_header("X-Content-Type-Options", "nosniff");
    // A sign-in link's token must not leak to another site through the Referer header.
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("X-Frame-Options", "DENY");
    res.set_content(std::move(asset->body), asset->content_type);
    return true;
  }

  // A browser's state-changing request: it carries the CSRF header, and an Origin header, when
  // sent, names this server. nullopt when it passes.
  static std::optional<ApiError> CheckCsrf(const api::HttpRequest& req) {
    if (req.method == "GET" || req.method == "HEAD") return std::nullopt;
    if (req.get_header_value(api::kCsrfHeader) != "1")
      return ApiError{403,
                      "csrf_rejected",
                      std::string("a request signed in by the session cookie must send the "
                                  "header '") +
                          api::kCsrfHeader + ": 1'",
                      {{"header", api::kCsrfHeader}}};
    std::string origin = req.get_header_value("Origin");
    std::string host = req.get_header_value("Host");
    if (!origin.empty() && origin != "http://" + host && origin != "https://" + host)
      return ApiError{403,
                      "csrf_rejected",
                      "a request from another origin (" + origin + ") cannot use the session cookie",
                      {{"origin", origin}}};
    return std::nullopt;
  }

  // nullopt when the key may call a route that needs `role`. The key is the bearer secret of the
  // Authorization header, else the one behind the session cookie.
  std::optional<ApiError> Authenticate(const api::HttpRequest& req, Role role, ApiKeyRecord* key) {
    std::string header = req.get_header_value("Authorization");
    const std::string kBearer = "Bearer ";
    std::string hash;
    if (header.empty()) {
      std::string token =
          api::CookieValue(req.get_header_value("Cookie"), api::SessionStore::kCookie);
      if (token.empty())
        return ApiError{401, "unauthenticated",
                        "missing API key: send the header 'Authorization: Bearer <key>'",
                        Json::object()};
      auto session = svc_.sessions.Find(token, api::NowMs());
      if (!session)
        return ApiError{401, "unauthenticated",
                        "the session has ended (signed out, expired or the server restarted); "
                        "sign in again",
                        Json::object()};
      if (auto e = CheckCsrf(req)) return e;
      hash = *session;
    } else if (header.compare(0, kBearer.size(), kBearer) != 0 ||
               header.size() == kBearer.size()) {
      return ApiError{401, "unauthenticated", "the Authorization header must be 'Bearer <key>'",
                      Json::object()};
    } else {
      hash = Sha256Hex(header.substr(kBearer.size()));
    }
    auto found = api::FindKey(svc_, hash);
    if (!found) {
      if (found.error().code() == Code::kNotFound)
        return ApiError{401, "unauthenticated", "unknown API key", Json::object()};
      return api::ErrorFromStatus(found.error());
    }
    if (found->revoked_at != 0)
      return ApiError{401, "unauthenticated",
                      "API key " + found->id + " (" + found->prefix + "...) has been revoked",
                      Json::object()};
    if (static_cast<int>(found->role) < static_cast<int>(role))
      return ApiError{403,
                      "forbidden",
                      std::string("this requires the ") + RoleName(role) + " role; your key has " +
                          RoleName(found->role),
                      {{"required_role", RoleName(role)}, {"role", RoleName(found->role)}}};
    *key = std::move(*found);
    return std::nullopt;
  }

  EngineLaunchService launch_;
  EngineExecutionCommands commands_;
  EngineAccountService accounts_;
  SystemClock clock_;
  ScheduleService schedules_;
  TriggerService triggers_;
  NotificationService notifications_;
  RetentionService retention_;
  McpHttp mcp_;  // outlives the listener, whose streams hold its calls
  api::Services svc_;
  // Declared in this order so the listener (whose threads call into the pump) goes first.
  std::unique_ptr<api::StreamPump> pump_;
  std::unique_ptr<api::HttpListener> listener_;
  std::unique_ptr<ScheduleRunner> runner_;  // fires due schedules (opts.schedules)
  std::unique_ptr<Notifier> notifier_;      // sends notifications (opts.notifications)
  // Applies retention policies (opts.retention)
  std::unique_ptr<RetentionRunner> retention_runner_;
  std::unique_ptr<Adopter> adopter_;  // takes over work no live process drives (opts.adopt)
  std::unique_ptr<ChangeWatcher> watcher_;  // the store's doorbell (first to stop)
  std::mutex log_mu_;
  int port_ = 0;
  bool started_ = false;
  std::atomic<bool> stopped_{false};
};

Server::Server(App* app, ServerOptions opts) : impl_(new Impl(app, std::move(opts))) {}
Server::~Server() { Stop(); }
Status Server::Start() { return impl_->Start(); }
int Server::port() const { return impl_->port(); }
void Server::Stop(int64_t grace_ms) { impl_->Stop(grace_ms); }

std::vector<RouteInfo> ApiRoutes() {
  std::vector<RouteInfo> out;
  for (const auto& r : api::AllRoutes()) out.push_back(r.info);
  return out;
}

const std::string& OpenApiJson() {
  // The document follows from the routes alone, which are fixed: built once (about 330 KB; it
  // took 7 ms a request to build again, 14 times a health check, for any caller to ask for).
  static const std::string document = api::OpenApiDocument(api::AllRoutes()).dump(2);
  return document;
}

void Server::HandleInProcess(const api::HttpRequest& req, api::HttpResponse& res) {
  impl_->HandleInProcess(req, res);
}

std::string Server::SignInPath(const std::string& key_secret) {
  return "/api/v1/session/link?token=" +
         impl_->sessions().CreateLink(Sha256Hex(key_secret), api::NowMs());
}

Status ParseListenAddress(const std::string& text, std::string* host, int* port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos)
    return InvalidArgument("--listen expects HOST:PORT (127.0.0.1:8080), got '" + text + "'");
  std::string h = text.substr(0, colon);
  std::string p = text.substr(colon + 1);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.empty()) h = "127.0.0.1";
  int v = 0;
  if (p.empty() || p.size() > 5) return InvalidArgument("--listen: bad port in '" + text + "'");
  for (char ch : p) {
    if (ch < '0' || ch > '9') return InvalidArgument("--listen: bad port in '" + text + "'");
    v = v * 10 + (ch - '0');
  }
  if (v > 65535) return InvalidArgument("--listen: port out of range in '" + text + "'");
  *host = h;
  *port = v;
  return Status::Ok();
}

}  // namespace atelier
