// Private to the server: the pieces route handlers share. A handler parses its request, calls the
// engine or the store (always within the caller's workspace) and returns a Reply or an ApiError;
// the dispatcher in server.cc renders both, and ErrorFromStatus is the one place that maps error
// codes to HTTP statuses.
#pragma once

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "atelier/app/account_service.h"
#include "atelier/app/app.h"
#include "atelier/app/execution_commands.h"
#include "atelier/app/launch_service.h"
#include "atelier/app/notifications.h"
#include "atelier/app/retention.h"
#include "atelier/app/schedules.h"
#include "atelier/app/triggers.h"
#include "atelier/mcp/mcp_http.h"
#include "atelier/app/service_error.h"
#include "atelier/server/server.h"
#include "atelier/store/accounts.h"
#include "event_hub.h"
#include "http_message.h"
#include "key_cache.h"
#include "live_board.h"
#include "metrics.h"
#include "sessions.h"
#include "status_cache.h"
#include "ui_assets.h"

namespace atelier::api {

// {"error": {"code", "message", "details"}} with an HTTP status.
struct ApiError {
  int status = 500;
  std::string code;  // stable snake_case: not_found, invalid_argument, conflict, ...
  std::string message;
  Json details = Json::object();
};

// The one mapping from error codes to HTTP statuses and API error codes.
ApiError ErrorFromStatus(const Status& s);
// 400 invalid_argument; `field` goes into details.field when given.
ApiError BadRequest(std::string message, const std::string& field = "");
Json ErrorBody(const ApiError& e);

struct Reply {
  int status = 200;
  Json body;         // rendered as application/json unless `raw`
  bool raw = false;  // the handler filled the response itself (downloads, streams)
};
using ApiResult = tl::expected<Reply, ApiError>;

inline tl::unexpected<ApiError> Fail(ApiError e) { return tl::unexpected<ApiError>(std::move(e)); }
inline tl::unexpected<ApiError> Fail(const Status& s) { return Fail(ErrorFromStatus(s)); }
// A service's refusal: its status mapped as above, with details.field when it names one.
ApiError ErrorFromService(const ServiceError& e);
inline tl::unexpected<ApiError> Fail(const ServiceError& e) { return Fail(ErrorFromService(e)); }
// A launch's inputs that do not fit its template (ServiceError::input_errors): 400 naming the
// first, every problem in details.errors as {field, message}. Callers answering a well-formed body
// whose inputs do not fit set the status to 422.
ApiError InputsError(const ServiceError& e);
inline ApiResult Ok(Json body, int status = 200) { return Reply{status, std::move(body), false}; }

class StreamPump;

// What every handler may reach: the application services (the use cases; a handler parses, calls
// one and renders), the App for what no service covers yet, and the server's shared pieces.
struct Services {
  App* app = nullptr;
  LaunchService* launch = nullptr;
  ExecutionCommands* commands = nullptr;
  AccountService* accounts = nullptr;
  ScheduleService* schedules = nullptr;
  TriggerService* triggers = nullptr;
  NotificationService* notifications = nullptr;
  RetentionService* retention = nullptr;
  std::function<void()> notifier_wake;  // the notifier looks now (none when it does not run)
  McpHttp* mcp = nullptr;  // POST /api/v1/mcp
  ServerOptions opts;
  EventHub hub;
  LiveBoard live;  // running steps' latest live progress, for the event streams
  Metrics metrics;
  StreamPump* pump = nullptr;  // serves event streams (set while the server runs)
  UiAssets ui{""};             // the web UI's files (opts.ui_dir, set at construction)
  SessionStore sessions;       // browser sessions and one-time sign-in links
  KeyCache keys;               // keys that authenticated recently (invalidate on revocation)
  StatusCache statuses;        // rendered execution statuses, by the store's ChangeToken
};

// The API key with `secret_hash`, through Services::keys.
Result<ApiKeyRecord> FindKey(Services& svc, const std::string& secret_hash);

// One request being handled.
struct Call {
  const HttpRequest& req;
  HttpResponse& res;
  Services& svc;
  std::map<std::string, std::string> params;  // path parameters, already checked
  ApiKeyRecord key;                           // the caller's key (routes with auth)

  const std::string& ws() const { return key.workspace_id; }
  const std::string& param(const std::string& name) const { return params.at(name); }
  App& app() const { return *svc.app; }
};

using Handler = std::function<ApiResult(Call&)>;

struct Route {
  RouteInfo info;
  Handler handler;
  // For the OpenAPI document: query parameters and the request body's JSON schema (null: none).
  std::vector<std::string> query;
  Json body_schema;
  int success_status = 200;
};

void AddTemplateRoutes(std::vector<Route>* routes);
void AddExecutionRoutes(std::vector<Route>* routes);
void AddArtifactRoutes(std::vector<Route>* routes);
void AddAccountRoutes(std::vector<Route>* routes);
void AddOpsRoutes(std::vector<Route>* routes);
void AddNodeTypeRoutes(std::vector<Route>* routes);
void AddSessionRoutes(std::vector<Route>* routes);
void AddApprovalRoutes(std::vector<Route>* routes);
void AddScheduleRoutes(std::vector<Route>* routes);
void AddTriggerRoutes(std::vector<Route>* routes);
void AddNotificationRoutes(std::vector<Route>* routes);
void AddRetentionRoutes(std::vector<Route>* routes);
void AddTransferRoutes(std::vector<Route>* routes);
void AddMcpRoutes(std::vector<Route>* routes);
// The header a browser's state-changing request carries (with the session cookie, and to sign in
// or out): a cross-site page cannot set it without a CORS preflight, which the server refuses.
inline constexpr const char* kCsrfHeader = "X-Atelier-CSRF";
// Every route, in routing order (built once).
const std::vector<Route>& AllRoutes();
Json OpenApiDocument(const std::vector<Route>& routes);

// ---- request parsing helpers -------------------------------------------------------------------

enum class JType { kString, kInteger, kNumber, kBoolean, kObject, kArray, kAny };
struct Field {
  std::string name;
  JType type = JType::kString;
  bool required = false;
};

// The JSON object body of the request, checked against `fields`: malformed JSON, a body that is
// not an object, unknown fields, wrong types and missing required fields answer 400 naming the
// field. An empty body is an empty object.
tl::expected<Json, ApiError> ParseBody(const Call& c, const std::vector<Field>& fields);
// The body as any JSON value (templates); malformed JSON answers 400 with line and column.
tl::expected<Json, ApiError> ParseJsonBody(const Call& c);
// The body as a JSON object, whose fields a service checks itself (schedules, triggers,
// notification endpoints); anything else answers 400.
tl::expected<Json, ApiError> ParseObjectBody(const Call& c);
// A service's refusal; inputs that do not fit the template answer 422, as a launch's do.
ApiError ErrorWithInputs(const ServiceError& e);

std::string Query(const Call& c, const std::string& name);
// An integer query parameter in [min, max]; `def` when absent.
tl::expected<int64_t, ApiError> QueryInt(const Call& c, const std::string& name, int64_t def,
                                         int64_t min, int64_t max);
// A time query parameter: milliseconds since the epoch, or ISO-8601 UTC
// ("2026-11-21T06:03:27Z", optional fraction). 0 when absent.
tl::expected<int64_t, ApiError> QueryTime(const Call& c, const std::string& name);

int64_t NowMs();
// JSON for a page of a list: {"items": [...], "next_cursor": "..." | null}.
Json Page(Json items, const std::string& next_cursor);
// A page of `rows`, read with a limit of `limit` + 1: the first `limit` rendered by `item`, and
// when there were more, the cursor `cursor_of` makes from the last one shown.
template <class Row, class Item, class CursorOf>
Json PageOf(const std::vector<Row>& rows, int64_t limit, Item item, CursorOf cursor_of) {
  Json items = Json::array();
  const size_t shown = std::min(rows.size(), static_cast<size_t>(limit));
  for (size_t i = 0; i < shown; ++i) items.push_back(item(rows[i]));
  return Page(std::move(items), rows.size() > shown && shown > 0 ? cursor_of(rows[shown - 1])
                                                                  : std::string());
}

// SSE: streams an execution's events (seq ids) or the workspace's (gid ids).
ApiResult StreamExecutionEvents(Call& c);
ApiResult StreamWorkspaceEvents(Call& c);

}  // namespace atelier::api
