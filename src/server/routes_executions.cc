// Executions: launch (with Idempotency-Key), list, inspect, commands, decisions, step versions,
// events and their live streams.
#include "atelier/app/describe.h"
#include "atelier/app/execution_rows.h"
#include "atelier/app/launch_estimate.h"
#include "atelier/api/records_json.h"
#include "api.h"

namespace atelier::api {
namespace {

ApiResult ExecutionReply(const ServiceResult<ExecutionRecord>& r) {
  if (!r) return Fail(r.error());
  return Ok(ToJson(*r));
}

// The body of a launch (and of its estimate).
tl::expected<LaunchRequest, ApiError> ParseLaunch(Call& c) {
  auto body = ParseBody(c, {{"template_id", JType::kString},
                            {"template_name", JType::kString},
                            {"version", JType::kInteger},
                            {"inputs", JType::kObject},
                            {"notify", JType::kObject}});
  if (!body) return tl::unexpected<ApiError>(body.error());
  LaunchRequest r;
  if (body->contains("template_id")) r.template_id = (*body)["template_id"].get<std::string>();
  if (body->contains("template_name"))
    r.template_name = (*body)["template_name"].get<std::string>();
  if (body->contains("version")) r.version = (*body)["version"].get<int64_t>();
  if (body->contains("inputs")) r.inputs = (*body)["inputs"];
  if (body->contains("notify")) r.notify = (*body)["notify"];
  return r;
}

// What the launch would cost and whether the credits cover it; launches nothing. Bad inputs
// answer as a launch answers them.
ApiResult Estimate(Call& c) {
  auto r = ParseLaunch(c);
  if (!r) return Fail(r.error());
  auto out = EstimateLaunch(c.app(), c.ws(), *r);
  if (!out) {
    if (out.error().status.code() == Code::kInvalidArgument && out.error().field == "inputs") {
      // The body is well formed but the inputs do not fit the template: the same errors a launch
      // gives, as 422 so that a form tells them from a malformed request.
      ApiError e = InputsError(out.error());
      e.status = 422;
      return Fail(e);
    }
    return Fail(out.error());
  }
  return Ok(std::move(*out));
}

// A launch's outcome as the client sees it: 201 created, 200 replayed (and said so), or 422 for a
// key used for another request.
ApiResult LaunchReply(Call& c, ServiceResult<LaunchOutcome> out,
                      const std::optional<std::string>& key, const char* what) {
  if (!out) {
    if (out.error().status.code() == Code::kInvalidArgument && out.error().field == "inputs")
      return Fail(InputsError(out.error()));
    return Fail(out.error());
  }
  switch (out->kind) {
    case LaunchOutcome::Kind::kCreated:
      return Ok(ToJson(out->execution), 201);
    case LaunchOutcome::Kind::kReplayed:
      c.res.set_header("Idempotent-Replayed", "true");
      return Ok(ToJson(out->execution), 200);
    case LaunchOutcome::Kind::kKeyReused:
      break;
  }
  const std::string& other = out->other_execution_id;
  return Fail(ApiError{422,
                       "idempotency_key_reused",
                       "Idempotency-Key '" + key.value_or("") + "' was used for a different " +
                           what + " (" + other + ")",
                       {{"field", "Idempotency-Key"}, {"execution_id", other}}});
}

ApiResult Launch(Call& c) {
  auto parsed = ParseLaunch(c);
  if (!parsed) return Fail(parsed.error());
  LaunchRequest r = std::move(*parsed);
  if (c.req.has_header("Idempotency-Key"))
    r.idempotency_key = c.req.get_header_value("Idempotency-Key");
  return LaunchReply(c, c.svc.launch->Launch(c.ws(), r), r.idempotency_key, "launch");
}

// A new execution from one step of this one: that step and what follows it run again, the rest
// is kept (no provider call, no charge).
ApiResult Fork(Call& c) {
  auto body = ParseBody(c, {{"step", JType::kString, true},
                            {"inputs", JType::kObject},
                            {"version", JType::kInteger},
                            {"settings", JType::kObject}});
  if (!body) return Fail(body.error());
  ForkRequest r;
  r.execution_id = c.param("id");
  r.step = (*body)["step"].get<std::string>();
  if (body->contains("inputs")) r.inputs = (*body)["inputs"];
  if (body->contains("version")) r.version = (*body)["version"].get<int64_t>();
  if (body->contains("settings")) r.settings = (*body)["settings"];
  if (c.req.has_header("Idempotency-Key"))
    r.idempotency_key = c.req.get_header_value("Idempotency-Key");
  return LaunchReply(c, c.svc.launch->Fork(c.ws(), r), r.idempotency_key, "fork");
}

// Cursor of the executions list: "CREATED_AT.ID" of the last item of the previous page.
ApiResult List(Call& c) {
  auto limit = QueryInt(c, "limit", 50, 1, 1000);
  if (!limit) return Fail(limit.error());
  ExecutionFilter f;
  std::string status = Query(c, "status");
  if (!status.empty()) {
    f.status = ExecStatusFromName(status);
    if (!f.status)
      return Fail(
          BadRequest("query parameter 'status' must be one of queued, running, paused, "
                     "waiting, completed, failed, stopped; got '" +
                         status + "'",
                     "status"));
  }
  f.template_id = Query(c, "template_id");
  auto after = QueryTime(c, "created_after");
  if (!after) return Fail(after.error());
  auto before = QueryTime(c, "created_before");
  if (!before) return Fail(before.error());
  f.created_after = *after;
  f.created_before = *before;
  std::string cursor = Query(c, "cursor");
  if (!cursor.empty()) {
    auto dot = cursor.find('.');
    bool ok = dot != std::string::npos && dot > 0 && dot + 1 < cursor.size();
    int64_t ts = 0;
    for (size_t i = 0; ok && i < dot; ++i) {
      if (cursor[i] < '0' || cursor[i] > '9' || i > 17) ok = false;
      if (ok) ts = ts * 10 + (cursor[i] - '0');
    }
    if (!ok) return Fail(BadRequest("malformed cursor '" + cursor + "'", "cursor"));
    f.before_created_at = ts;
    f.before_id = cursor.substr(dot + 1);
  }
  f.top_level_only = Query(c, "include_sub") != "true";
  f.limit = static_cast<int>(*limit) + 1;
  auto list = c.app().store().ListExecutions(c.ws(), f);
  if (!list) return Fail(list.error());
  // The rows shown (not the one read to learn whether a next page exists), with the figures a
  // list shows, computed for the page at once.
  std::vector<ExecutionRecord> shown(
      list->begin(), list->begin() + std::min<int64_t>(*limit, static_cast<int64_t>(list->size())));
  auto rows = ExecutionRows(c.app(), c.ws(), shown);
  if (!rows) return Fail(rows.error());
  size_t next_row = 0;
  return Ok(PageOf(
      *list, *limit, [&](const ExecutionRecord&) { return std::move((*rows)[next_row++]); },
      [](const ExecutionRecord& e) { return std::to_string(e.created_at) + "." + e.id; }));
}

// The status is rendered once per commit at most: the token is taken before the reads, so a body
// kept under it is never older than the last commit when the token still matches.
ApiResult Get(Call& c) {
  const int64_t token = c.app().store().ChangeToken();
  std::optional<std::string> body = c.svc.statuses.Find(c.ws(), c.param("id"), token);
  if (!body) {
    auto out = ExecutionStatusJson(c.app(), c.ws(), c.param("id"));
    if (!out) return Fail(out.error());
    body = out->dump(-1, ' ', false, Json::error_handler_t::replace);
    c.svc.statuses.Put(c.ws(), c.param("id"), token, *body);
  }
  c.res.status = 200;
  c.res.set_content(std::move(*body), "application/json");
  return Reply{200, Json(), true};
}

ApiResult Steps(Call& c) {
  auto d = DescribeExecution(c.app(), c.ws(), c.param("id"));
  if (!d) return Fail(d.error());
  return Ok({{"items", (*d)["steps"]}});
}

// The step record, or 404 naming it.
Result<StepRecord> FindStep(Call& c) {
  auto steps = c.app().store().GetSteps(c.ws(), c.param("id"));
  if (!steps) return Err(steps.error());
  auto rec = c.app().store().GetExecution(c.ws(), c.param("id"));
  if (!rec) return Err(rec.error());
  for (auto& s : *steps)
    if (s.step_id == c.param("step")) return s;
  return Err(NotFound("execution " + c.param("id") + " has no step '" + c.param("step") + "'"));
}

ApiResult StepVersions(Call& c) {
  auto step = FindStep(c);
  if (!step) return Fail(step.error());
  auto list = c.app().store().ListStepVersions(c.ws(), c.param("id"), c.param("step"));
  if (!list) return Fail(list.error());
  Json items = Json::array();
  for (const auto& v : *list) items.push_back(ToJson(v));
  return Ok({{"items", items}, {"current", step->version}});
}

ApiResult Events(Call& c) {
  auto rec = c.app().store().GetExecution(c.ws(), c.param("id"));
  if (!rec) return Fail(rec.error());
  auto after = QueryInt(c, "after", 0, 0, int64_t{1} << 53);
  if (!after) return Fail(after.error());
  auto limit = QueryInt(c, "limit", 1000, 1, 10000);
  if (!limit) return Fail(limit.error());
  auto events = c.app().store().ReadEvents(c.ws(), rec->id, *after, static_cast<int>(*limit));
  if (!events) return Fail(events.error());
  Json items = Json::array();
  for (const auto& e : *events) {
    Json j = ToJson(e);
    j["gid"] = e.gid;
    items.push_back(std::move(j));
  }
  std::string next;
  if (static_cast<int64_t>(events->size()) == *limit) next = std::to_string(events->back().seq);
  return Ok(Page(std::move(items), next));
}

using Command = ServiceResult<ExecutionRecord> (ExecutionCommands::*)(const std::string&,
                                                                      const std::string&);

Route CommandRoute(const std::string& name, Command cmd, const std::string& summary) {
  Handler h = [cmd](Call& c) -> ApiResult {
    auto body = ParseBody(c, {});
    if (!body) return Fail(body.error());
    return ExecutionReply((c.svc.commands->*cmd)(c.ws(), c.param("id")));
  };
  return {{"POST", "/api/v1/executions/{id}/" + name, true, Role::kEditor, summary}, h};
}

Handler DecisionHandler(const std::string& decision) {
  return [decision](Call& c) -> ApiResult {
    std::vector<Field> fields = {{"comment", JType::kString}};
    if (decision == "tweak") fields.push_back({"instruction", JType::kString, true});
    if (decision == "approve") fields.push_back({"edit", JType::kString});
    auto body = ParseBody(c, fields);
    if (!body) return Fail(body.error());
    std::string comment = body->value("comment", "");
    if (decision == "tweak")
      return ExecutionReply(c.svc.commands->Tweak(c.ws(), c.param("id"), c.param("step"),
                                                  body->value("instruction", ""), comment));
    Decision d{decision, comment, ""};
    if (body->contains("edit")) {
      d.edit = (*body)["edit"].get<std::string>();
      d.editor = c.key.id;
    }
    return ExecutionReply(c.svc.commands->Decide(c.ws(), c.param("id"), c.param("step"), d));
  };
}

ApiResult Regenerate(Call& c) {
  auto body = ParseBody(c, {});
  if (!body) return Fail(body.error());
  return ExecutionReply(c.svc.commands->Regenerate(c.ws(), c.param("id"), c.param("step")));
}

// Re-runs the failed items of a map (or one failed item) in place, e.g. while a gate waits.
ApiResult RetryStep(Call& c) {
  auto body = ParseBody(c, {});
  if (!body) return Fail(body.error());
  return ExecutionReply(c.svc.commands->RetryStep(c.ws(), c.param("id"), c.param("step")));
}

ApiResult Revert(Call& c) {
  auto body = ParseBody(c, {{"version", JType::kInteger, true}});
  if (!body) return Fail(body.error());
  return ExecutionReply(c.svc.commands->Revert(c.ws(), c.param("id"), c.param("step"),
                                               (*body)["version"].get<int>()));
}

ApiResult Documents(Call& c);

// A person marks a manual milestone: who is `by`, else the caller's API key (its name, else id).
ApiResult MarkMilestone(Call& c) {
  auto body = ParseBody(c, {{"note", JType::kString}, {"by", JType::kString}});
  if (!body) return Fail(body.error());
  MilestoneMarkRequest mark;
  mark.by = body->value("by", "");
  mark.note = body->value("note", "");
  if (body->contains("by") && mark.by.empty())
    return Fail(BadRequest("field 'by' must not be empty (leave it out to use the API key's name)",
                           "by"));
  mark.fallback_by = c.key.name.empty() ? c.key.id : c.key.name;
  mark.extra = {{"key", c.key.id}};
  auto marked = c.svc.commands->MarkMilestone(c.ws(), c.param("id"), c.param("milestone"), mark);
  if (!marked) return Fail(marked.error());
  c.svc.hub.Ring();  // live streams see the mark now, not at their next poll
  return Get(c);
}

// Adds, removes and chooses the primary image of an attach step's document: a new version.
ApiResult EditAttachments(Call& c) {
  auto body = ParseBody(c, {{"add", JType::kArray, false},
                            {"remove", JType::kArray, false},
                            {"primary", JType::kString, false}});
  if (!body) return Fail(body.error());
  Engine::AttachmentEdit edit;
  for (const char* field : {"add", "remove"}) {
    if (!body->contains(field)) continue;
    auto& list = std::string(field) == "add" ? edit.add : edit.remove;
    for (const auto& v : (*body)[field]) {
      if (!v.is_string())
        return Fail(BadRequest(std::string("field '") + field + "' must list artifact ids (strings)",
                               field));
      list.push_back(v.get<std::string>());
    }
  }
  edit.primary = body->value("primary", "");
  auto edited = c.svc.commands->EditAttachments(c.ws(), c.param("id"), c.param("step"), edit);
  if (!edited) return Fail(edited.error());
  return Documents(c);
}

// What the attach steps of an execution hold: documents with their images and primary image.
ApiResult Documents(Call& c) {
  auto rec = c.app().store().GetExecution(c.ws(), c.param("id"));
  if (!rec) return Fail(rec.error());
  auto steps = c.app().store().GetSteps(c.ws(), rec->id);
  if (!steps) return Fail(steps.error());
  Json items = Json::array();
  for (const auto& s : *steps) {
    if (!s.output.is_object() || !s.output.contains("document") ||
        !s.output["document"].is_object())
      continue;
    const Json& doc = s.output["document"];
    auto field = [&](const char* k, Json def) {
      auto it = doc.find(k);
      return it == doc.end() || it->is_null() ? def : *it;
    };
    Json images = field("images", Json::array());
    if (!images.is_array()) images = Json::array({images});
    // `primary` is the primary image itself (an index in older outputs).
    Json primary = field("primary", Json());
    Json primary_image;
    Json primary_index;
    if (primary.is_number_integer() && primary.get<int64_t>() >= 0 &&
        primary.get<int64_t>() < static_cast<int64_t>(images.size())) {
      primary_index = primary;
      primary_image = images[primary.get<size_t>()];
    } else if (primary.is_object()) {
      primary_image = primary;
      for (size_t i = 0; i < images.size(); ++i)
        if (images[i] == primary) primary_index = i;
    }
    items.push_back({{"step", s.step_id},
                     {"version", s.version},
                     {"title", field("title", "")},
                     {"text", field("text", "")},
                     {"images", images},
                     {"primary_index", primary_index},
                     {"primary_image", primary_image}});
  }
  return Ok({{"items", items}});
}

Json Props(std::initializer_list<std::pair<const char*, const char*>> fields,
           std::vector<std::string> required = {}) {
  Json props = Json::object();
  for (const auto& [name, type] : fields) props[name] = {{"type", type}};
  Json j = {{"type", "object"}, {"additionalProperties", false}, {"properties", props}};
  if (!required.empty()) j["required"] = required;
  return j;
}

}  // namespace

void AddExecutionRoutes(std::vector<Route>* r) {
  const Role V = Role::kViewer, E = Role::kEditor;
  const std::string x = "/api/v1/executions";
  r->push_back({{"POST", x, true, E, "Launch an execution (Idempotency-Key honoured)"},
                Launch,
                {},
                Props({{"template_id", "string"},
                       {"template_name", "string"},
                       {"version", "integer"},
                       {"inputs", "object"},
                       {"notify", "object"}}),
                201});
  r->push_back({{"POST", x + "/estimate", true, V,
                 "What a launch with this body would cost, and whether the credits cover it"},
                Estimate,
                {},
                Props({{"template_id", "string"},
                       {"template_name", "string"},
                       {"version", "integer"},
                       {"inputs", "object"},
                       {"notify", "object"}})});
  r->push_back({{"GET", x, true, V, "List executions, newest first (cursor pagination)"},
                List,
                {"status", "template_id", "created_after", "created_before", "cursor", "limit",
                 "include_sub"}});
  r->push_back({{"GET", x + "/{id}", true, V, "Status, progress, stage N of M and totals"}, Get});
  r->push_back({{"GET", x + "/{id}/steps", true, V, "Every step of the execution"}, Steps});
  r->push_back({{"GET", x + "/{id}/steps/{step}/versions", true, V, "Kept versions of a step"},
                StepVersions});
  r->push_back({{"GET", x + "/{id}/events", true, V, "The event log"}, Events, {"after", "limit"}});
  r->push_back({{"GET", x + "/{id}/events/stream", true, V,
                 "Server-Sent Events of the execution (id = seq; Last-Event-ID resumes)"},
                StreamExecutionEvents,
                {"after"}});
  r->push_back({{"GET", x + "/{id}/documents", true, V,
                 "Documents of attach steps with their images and primary image"},
                Documents});
  r->push_back(CommandRoute("pause", &ExecutionCommands::Pause,
                            "Pause: running steps finish, nothing new starts"));
  r->push_back(CommandRoute("resume", &ExecutionCommands::Resume, "Resume a paused execution"));
  r->push_back(CommandRoute("stop", &ExecutionCommands::Stop, "Stop: cancel running steps"));
  r->push_back(CommandRoute("retry", &ExecutionCommands::Retry,
                            "Re-run failed, cancelled and never-run steps"));
  r->push_back({{"POST", x + "/{id}/fork", true, E,
                 "Fork: a new execution that runs `step` and what follows it again, keeping the "
                 "rest (Idempotency-Key honoured)"},
                Fork,
                {},
                Props({{"step", "string"},
                       {"inputs", "object"},
                       {"version", "integer"},
                       {"settings", "object"}},
                      {"step"}),
                201});
  r->push_back({{"POST", x + "/{id}/steps/{step}/approve", true, E,
                 "Approve a waiting step; with `edit`, the reviewed step's text is replaced first "
                 "(a new version of that step)"},
                DecisionHandler("approve"),
                {},
                Props({{"comment", "string"}, {"edit", "string"}})});
  r->push_back({{"POST", x + "/{id}/steps/{step}/reject", true, E, "Reject a waiting step"},
                DecisionHandler("reject"),
                {},
                Props({{"comment", "string"}})});
  r->push_back({{"POST", x + "/{id}/steps/{step}/tweak", true, E,
                 "Tweak: a decision on a waiting approval, or a refined version of a generative "
                 "step"},
                DecisionHandler("tweak"),
                {},
                Props({{"instruction", "string"}, {"comment", "string"}}, {"instruction"})});
  r->push_back({{"POST", x + "/{id}/steps/{step}/regenerate", true, E,
                 "Run a step again as a new version (a generative or derived step, or one map "
                 "item such as sections[2], failed or not)"},
                Regenerate});
  r->push_back({{"POST", x + "/{id}/steps/{step}/retry", true, E,
                 "Re-run a map's failed and cancelled items (or one failed item) while the rest "
                 "of the execution stays as it is"},
                RetryStep});
  r->push_back({{"POST", x + "/{id}/steps/{step}/attachments", true, E,
                 "Change an attach step's images (add, remove, primary) as a new version; "
                 "answers the documents"},
                EditAttachments,
                {},
                Json{{"type", "object"},
                     {"additionalProperties", false},
                     {"properties",
                      {{"add", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                       {"remove", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                       {"primary", {{"type", "string"}}}}}}});
  r->push_back(
      {{"POST", x + "/{id}/steps/{step}/revert", true, E, "Make a kept version current again"},
       Revert,
       {},
       Props({{"version", "integer"}}, {"version"})});
  r->push_back({{"POST", x + "/{id}/milestones/{milestone}", true, E,
                 "Mark a manual milestone (who: `by`, else the API key's name; a note); answers "
                 "the execution"},
                MarkMilestone,
                {},
                Props({{"note", "string"}, {"by", "string"}})});
  r->push_back({{"GET", "/api/v1/events/stream", true, V,
                 "Server-Sent Events of the whole workspace (id = gid; Last-Event-ID resumes)"},
                StreamWorkspaceEvents,
                {"after"}});
}

}  // namespace atelier::api
