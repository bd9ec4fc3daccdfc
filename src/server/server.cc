#include "server/server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "atelier/engine/records_json.h"
#include "server/api.h"
#include "server/api_keys.h"

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

// Literal segments matched, or -1 when the pattern does not match.
int Match(const std::string& pattern, const std::vector<std::string>& path,
          std::map<std::string, std::string>* params) {
  auto segs = Split(pattern);
  if (segs.size() != path.size()) return -1;
  int literal = 0;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::string& s = segs[i];
    if (s.size() > 2 && s.front() == '{' && s.back() == '}') {
      found[s.substr(1, s.size() - 2)] = path[i];
    } else if (s == path[i]) {
      ++literal;
    } else {
      return -1;
    }
  }
  if (params) *params = std::move(found);
  return literal;
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

}  // namespace

const std::vector<Route>& AllRoutes() {
  static const std::vector<Route> routes = [] {
    std::vector<Route> r;
    AddOpsRoutes(&r);
    AddTemplateRoutes(&r);
    AddExecutionRoutes(&r);
    AddArtifactRoutes(&r);
    AddAccountRoutes(&r);
    return r;
  }();
  return routes;
}

}  // namespace api

using api::ApiError;
using api::Call;
using api::Route;

class Server::Impl {
 public:
  Impl(App* app, ServerOptions opts) {
    svc_.app = app;
    svc_.opts = std::move(opts);
    if (!svc_.opts.log) {
      svc_.opts.log = [this](const std::string& line) {
        std::lock_guard<std::mutex> l(log_mu_);
        std::cerr << line << "\n" << std::flush;
      };
    }
  }

  void Log(const std::string& level, const std::string& msg, Json extra = Json::object()) {
    Json j = {{"ts", FormatTimestamp(api::NowMs())}, {"level", level}, {"msg", msg}};
    for (auto& [k, v] : extra.items()) j[k] = v;
    svc_.opts.log(api::JsonLine(j));
  }

  Status Start() {
    App& app = *svc_.app;
    app.engine().SetObserver([this](const Event& e, const Progress&) {
      svc_.metrics.Observe(e);
      svc_.hub.Ring();
    });
    int threads = std::max(svc_.opts.threads, 2);
    http_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    http_.set_payload_max_length(svc_.opts.max_body_bytes);
    http_.set_read_timeout(30, 0);
    http_.set_write_timeout(30, 0);
    http_.set_keep_alive_timeout(5);
    http_.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
      api::t_request.start = std::chrono::steady_clock::now();
      std::string id = req.get_header_value("X-Request-Id");
      api::t_request.request_id = api::ValidRequestId(id) ? id : "req_" + RandomHex(8);
      res.set_header("X-Request-Id", api::t_request.request_id);
      return httplib::Server::HandlerResponse::Unhandled;
    });
    auto dispatch = [this](const httplib::Request& req, httplib::Response& res) {
      Dispatch(req, res);
    };
    http_.Get(".*", dispatch);
    http_.Post(".*", dispatch);
    http_.Put(".*", dispatch);
    http_.Patch(".*", dispatch);
    http_.Delete(".*", dispatch);
    http_.Options(".*", dispatch);
    // Errors the HTTP library answers by itself (oversized or malformed requests) get our shape.
    httplib::Server::HandlerWithResponse on_error = [this](const httplib::Request&,
                                                           httplib::Response& res) {
      if (!res.body.empty() || res.is_chunked_content_provider_)
        return httplib::Server::HandlerResponse::Unhandled;
      ApiError e;
      e.status = res.status;
      if (res.status == 413) {
        e.code = "payload_too_large";
        e.message = "the request body is larger than the limit of " +
                    std::to_string(svc_.opts.max_body_bytes) + " bytes";
      } else if (res.status == 404) {
        e.code = "not_found";
        e.message = "no such route";
      } else if (res.status < 500) {
        e.code = "invalid_argument";
        e.message = "malformed HTTP request";
      } else {
        e.code = "internal";
        e.message = "internal error";
      }
      Render(res, e);
      return httplib::Server::HandlerResponse::Handled;
    };
    http_.set_error_handler(std::move(on_error));
    http_.set_exception_handler([this](const httplib::Request&, httplib::Response& res,
                                       std::exception_ptr ep) {
      std::string what = "unknown exception";
      try {
        if (ep) std::rethrow_exception(ep);
      } catch (const std::exception& ex) {
        what = ex.what();
      } catch (...) {
      }
      Log("error", "handler threw", {{"error", what}, {"request_id", api::t_request.request_id}});
      Render(res, ApiError{500, "internal", "internal error", Json::object()});
    });
    http_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                            api::t_request.start)
                      .count();
      svc_.metrics.CountRequest(res.status);
      Log(res.status >= 500 ? "error" : (res.status >= 400 ? "warn" : "info"), "request",
          {{"request_id", api::t_request.request_id},
           {"method", req.method},
           {"path", req.path},
           {"status", res.status},
           {"duration_ms", static_cast<int64_t>(ms * 1000) / 1000.0}});
    });

    int port = svc_.opts.port;
    if (port == 0) {
      port = http_.bind_to_any_port(svc_.opts.host);
      if (port <= 0) return Unavailable("cannot listen on " + svc_.opts.host + ": no free port");
    } else if (!http_.bind_to_port(svc_.opts.host, port)) {
      return Unavailable("cannot listen on " + svc_.opts.host + ":" + std::to_string(port) +
                         " (in use, or not an address of this machine)");
    }
    port_ = port;
    WidenListenBacklog(port_);
    if (svc_.opts.adopt) Adopt();
    thread_ = std::thread([this] { http_.listen_after_bind(); });
    for (int i = 0; i < 5000 && !http_.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    started_ = true;
    Log("info", "listening", {{"host", svc_.opts.host}, {"port", port_}});
    return Status::Ok();
  }

  // cpp-httplib 0.11 (Debian's compiled library) listens with a backlog of 5, so a burst of
  // connections (a thousand event-stream subscribers reconnecting after a deploy) would see
  // dropped SYNs and seconds of retransmission delay. Linux lets listen() be called again on a
  // listening socket to raise its backlog; the library does not expose the socket, so it is found
  // among this process's descriptors by its port. Best effort: elsewhere nothing changes.
  static void WidenListenBacklog(int port) {
    DIR* dir = ::opendir("/proc/self/fd");
    if (!dir) return;
    while (dirent* entry = ::readdir(dir)) {
      char* end = nullptr;
      long fd = std::strtol(entry->d_name, &end, 10);
      if (end == entry->d_name || *end != '\0' || fd == ::dirfd(dir)) continue;
      int listening = 0;
      socklen_t len = sizeof listening;
      if (::getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 ||
          !listening)
        continue;
      sockaddr_storage addr{};
      socklen_t alen = sizeof addr;
      if (::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&addr), &alen) != 0)
        continue;
      int bound = addr.ss_family == AF_INET
                      ? ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port)
                      : addr.ss_family == AF_INET6
                            ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                            : -1;
      if (bound == port) (void)::listen(static_cast<int>(fd), SOMAXCONN);
    }
    ::closedir(dir);
  }

  // Drives every queued or running execution of every workspace here.
  void Adopt() {
    App& app = *svc_.app;
    auto workspaces = app.accounts().ListWorkspaces();
    if (!workspaces) {
      Log("error", "cannot list workspaces to adopt executions",
          {{"error", workspaces.error().ToString()}});
      return;
    }
    int adopted = 0;
    for (const auto& ws : *workspaces) {
      for (ExecStatus st : {ExecStatus::kQueued, ExecStatus::kRunning}) {
        ExecutionFilter f;
        f.status = st;
        f.top_level_only = true;
        f.limit = 1 << 30;
        auto list = app.store().ListExecutions(ws.id, f);
        if (!list) continue;
        for (const auto& e : *list) {
          Status s = app.engine().Drive(ws.id, e.id);
          if (s.ok()) {
            ++adopted;
          } else {
            Log("warn", "cannot adopt execution",
                {{"execution_id", e.id}, {"error", s.ToString()}});
          }
        }
      }
    }
    if (adopted) Log("info", "adopted executions", {{"count", adopted}});
  }

  void Stop(int64_t grace_ms) {
    if (stopped_.exchange(true)) return;
    svc_.hub.Close();
    if (started_) {
      http_.stop();
      if (thread_.joinable()) thread_.join();
    }
    svc_.app->engine().Shutdown(grace_ms);
    svc_.app->engine().SetObserver(nullptr);
    if (started_) Log("info", "stopped");
  }

  int port() const { return port_; }

 private:
  void Render(httplib::Response& res, const ApiError& e) {
    res.status = e.status;
    res.set_content(api::JsonLine(api::ErrorBody(e)), "application/json");
  }

  void Dispatch(const httplib::Request& req, httplib::Response& res) {
    auto path = api::Split(req.path);
    std::string method = req.method == "HEAD" ? "GET" : req.method;
    const Route* best = nullptr;
    int best_literal = -1;
    std::map<std::string, std::string> params;
    std::vector<std::string> allowed;
    for (const Route& r : api::AllRoutes()) {
      std::map<std::string, std::string> p;
      int literal = api::Match(r.info.pattern, path, &p);
      if (literal < 0) continue;
      if (std::find(allowed.begin(), allowed.end(), r.info.method) == allowed.end())
        allowed.push_back(r.info.method);
      if (r.info.method == method && literal > best_literal) {
        best = &r;
        best_literal = literal;
        params = std::move(p);
      }
    }
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
    if (best->info.auth) {
      if (auto e = Authenticate(req, best->info.role, &call.key)) {
        if (e->status == 401) res.set_header("WWW-Authenticate", "Bearer");
        Render(res, *e);
        return;
      }
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

  // nullopt when the key may call a route that needs `role`.
  std::optional<ApiError> Authenticate(const httplib::Request& req, Role role, ApiKeyRecord* key) {
    std::string header = req.get_header_value("Authorization");
    const std::string kBearer = "Bearer ";
    if (header.empty())
      return ApiError{401, "unauthenticated",
                      "missing API key: send the header 'Authorization: Bearer <key>'",
                      Json::object()};
    if (header.compare(0, kBearer.size(), kBearer) != 0 || header.size() == kBearer.size())
      return ApiError{401, "unauthenticated", "the Authorization header must be 'Bearer <key>'",
                      Json::object()};
    auto found = svc_.app->accounts().FindApiKeyByHash(Sha256Hex(header.substr(kBearer.size())));
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

  api::Services svc_;
  httplib::Server http_;
  std::thread thread_;
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

std::string OpenApiJson() { return api::OpenApiDocument(api::AllRoutes()).dump(2); }

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
