// The execution routes over fake services: no engine, no database. What a client sees (status,
// body, headers) for each outcome of a use case, and what the route asked the service.
#include <gtest/gtest.h>

#include <optional>

#include "atelier/api/records_json.h"
#include "api.h"

namespace atelier::api {
namespace {

class FakeLaunch : public LaunchService {
 public:
  ServiceResult<LaunchOutcome> Launch(const std::string& ws, const LaunchRequest& r) override {
    ++calls;
    seen_ws = ws;
    seen = r;
    return answer;
  }
  ServiceResult<LaunchOutcome> Fork(const std::string& ws, const ForkRequest& r) override {
    ++calls;
    seen_ws = ws;
    seen_fork = r;
    return answer;
  }
  int calls = 0;
  std::string seen_ws;
  LaunchRequest seen;
  ForkRequest seen_fork;
  ServiceResult<LaunchOutcome> answer = LaunchOutcome{};
};

class FakeCommands : public ExecutionCommands {
 public:
  using R = ServiceResult<ExecutionRecord>;
  R Pause(const std::string& ws, const std::string& id) override { return Record("pause", ws, id); }
  R Resume(const std::string& ws, const std::string& id) override {
    return Record("resume", ws, id);
  }
  R Stop(const std::string& ws, const std::string& id) override { return Record("stop", ws, id); }
  R Retry(const std::string& ws, const std::string& id) override { return Record("retry", ws, id); }
  R RetryStep(const std::string& ws, const std::string& id, const std::string&) override {
    return Record("retry_step", ws, id);
  }
  R Decide(const std::string& ws, const std::string& id, const std::string&,
           const Decision& d) override {
    return Record("decide:" + d.decision, ws, id);
  }
  R Tweak(const std::string& ws, const std::string& id, const std::string&,
          const std::string& instruction, const std::string&) override {
    return Record("tweak:" + instruction, ws, id);
  }
  R Regenerate(const std::string& ws, const std::string& id, const std::string&) override {
    return Record("regenerate", ws, id);
  }
  R Revert(const std::string& ws, const std::string& id, const std::string&, int v) override {
    return Record("revert:" + std::to_string(v), ws, id);
  }
  ServiceResult<void> EditAttachments(const std::string&, const std::string&, const std::string&,
                                      const Engine::AttachmentEdit&) override {
    return ServiceFail(Internal("not used"));
  }
  ServiceResult<void> MarkMilestone(const std::string&, const std::string&, const std::string&,
                                    const MilestoneMarkRequest&) override {
    return ServiceFail(Internal("not used"));
  }

  std::string last;
  std::optional<ServiceError> refuse;
  ExecutionRecord answer;

 private:
  R Record(const std::string& what, const std::string& ws, const std::string& id) {
    last = what + " " + ws + "/" + id;
    if (refuse) return ServiceFail(*refuse);
    return answer;
  }
};

ExecutionRecord Execution(const std::string& id, ExecStatus status) {
  ExecutionRecord e;
  e.id = id;
  e.workspace_id = "ws_1";
  e.template_id = "tpl_1";
  e.template_version = 2;
  e.status = status;
  e.inputs = {{"product", "oat milk"}};
  e.created_at = e.updated_at = 1764806400000;
  return e;
}

// What the client gets: the status, the JSON body (null when none), the response headers.
struct Seen {
  int status = 0;
  Json body;
  HttpResponse res;
};

class RoutesOverFakes : public ::testing::Test {
 protected:
  RoutesOverFakes() {
    svc_.launch = &launch_;
    svc_.commands = &commands_;
  }

  // Runs the route `method pattern` as the dispatcher does once it has routed and authenticated.
  Seen Run(const std::string& method, const std::string& pattern,
           std::map<std::string, std::string> params, const std::string& body,
           std::multimap<std::string, std::string, CaseLess> headers = {}) {
    const Route* route = nullptr;
    for (const auto& r : AllRoutes())
      if (r.info.method == method && r.info.pattern == pattern) route = &r;
    EXPECT_NE(route, nullptr) << method << " " << pattern;
    HttpRequest req;
    req.method = method;
    req.body = body;
    req.headers = std::move(headers);
    Seen seen;
    ApiKeyRecord key;
    key.id = "key_1";
    key.workspace_id = "ws_1";
    key.role = Role::kAdmin;
    Call call{req, seen.res, svc_, std::move(params), key};
    ApiResult result = route->handler(call);
    if (result) {
      seen.status = result->status;
      seen.body = result->body;
    } else {
      seen.status = result.error().status;
      seen.body = ErrorBody(result.error());
    }
    return seen;
  }

  Seen Launch(const std::string& body, const std::string& key = "") {
    std::multimap<std::string, std::string, CaseLess> headers;
    if (!key.empty()) headers.emplace("Idempotency-Key", key);
    return Run("POST", "/api/v1/executions", {}, body, std::move(headers));
  }

  static std::string Header(const HttpResponse& res, const std::string& name) {
    for (const auto& [k, v] : res.headers)
      if (k == name) return v;
    return "";
  }

  FakeLaunch launch_;
  FakeCommands commands_;
  Services svc_;
};

TEST_F(RoutesOverFakes, LaunchAnswersTheCreatedExecutionWith201) {
  LaunchOutcome created;
  created.execution = Execution("ex_new", ExecStatus::kQueued);
  launch_.answer = created;
  Seen s = Launch(R"({"template_name": "Instagram post", "inputs": {"product": "oat milk"}})");
  EXPECT_EQ(s.status, 201);
  EXPECT_EQ(s.body, ToJson(created.execution));
  EXPECT_EQ(s.body["id"], "ex_new");
  EXPECT_EQ(s.body["status"], "queued");
  EXPECT_EQ(s.body["created_at"], "2025-12-04T00:00:00.000Z");
  EXPECT_EQ(Header(s.res, "Idempotent-Replayed"), "");
  // The route passed on what was given, and nothing that was not.
  EXPECT_EQ(launch_.seen_ws, "ws_1");
  EXPECT_EQ(launch_.seen.template_name, std::optional<std::string>("Instagram post"));
  EXPECT_FALSE(launch_.seen.template_id);
  EXPECT_FALSE(launch_.seen.version);
  EXPECT_FALSE(launch_.seen.idempotency_key);
  EXPECT_EQ(launch_.seen.inputs, std::optional<Json>(Json{{"product", "oat milk"}}));
}

TEST_F(RoutesOverFakes, LaunchReplayAnswers200AndSaysSo) {
  LaunchOutcome replayed;
  replayed.kind = LaunchOutcome::Kind::kReplayed;
  replayed.execution = Execution("ex_first", ExecStatus::kRunning);
  launch_.answer = replayed;
  Seen s = Launch(R"({"template_id": "tpl_1", "version": 2})", "order-7");
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(s.body["id"], "ex_first");
  EXPECT_EQ(Header(s.res, "Idempotent-Replayed"), "true");
  EXPECT_EQ(launch_.seen.idempotency_key, std::optional<std::string>("order-7"));
  EXPECT_EQ(launch_.seen.version, std::optional<int64_t>(2));
}

TEST_F(RoutesOverFakes, LaunchWithAReusedKeyAnswers422NamingTheOtherExecution) {
  LaunchOutcome reused;
  reused.kind = LaunchOutcome::Kind::kKeyReused;
  reused.other_execution_id = "ex_other";
  launch_.answer = reused;
  Seen s = Launch(R"({"template_id": "tpl_1"})", "order-7");
  EXPECT_EQ(s.status, 422);
  EXPECT_EQ(s.body,
            (Json{{"error",
                   {{"code", "idempotency_key_reused"},
                    {"message",
                     "Idempotency-Key 'order-7' was used for a different launch "
                     "(ex_other)"},
                    {"details", {{"field", "Idempotency-Key"}, {"execution_id", "ex_other"}}}}}}));
}

TEST_F(RoutesOverFakes, LaunchInputErrorsAnswer400ListingEveryInput) {
  ServiceError e(
      InvalidArgument("launch inputs.product: required; launch inputs.n: not an integer"),
      "inputs");
  e.input_errors = {{"launch inputs.product", "required"}, {"launch inputs.n", "not an integer"}};
  launch_.answer = ServiceFail(e);
  Seen s = Launch(R"({"template_id": "tpl_1", "inputs": {"n": "x"}})");
  EXPECT_EQ(s.status, 400);
  EXPECT_EQ(s.body["error"]["code"], "invalid_argument");
  EXPECT_EQ(s.body["error"]["message"], "inputs.product: required");
  EXPECT_EQ(s.body["error"]["details"]["field"], "inputs.product");
  EXPECT_EQ(s.body["error"]["details"]["errors"],
            (Json{{{"field", "inputs.product"}, {"message", "required"}},
                  {{"field", "inputs.n"}, {"message", "not an integer"}}}));
}

TEST_F(RoutesOverFakes, LaunchRefusalsMapToTheirStatusAndField) {
  launch_.answer = ServiceFail(NotFound("template 'tpl_9' does not exist"));
  Seen missing = Launch(R"({"template_id": "tpl_9"})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, (Json{{"error",
                                 {{"code", "not_found"},
                                  {"message", "template 'tpl_9' does not exist"},
                                  {"details", Json::object()}}}}));

  launch_.answer = ServiceFail({InvalidArgument("field 'version' must be 1 or more"), "version"});
  Seen bad = Launch(R"({"template_id": "tpl_1", "version": -1})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body["error"]["details"], (Json{{"field", "version"}}));
}

TEST_F(RoutesOverFakes, LaunchWithAMalformedBodyNeverReachesTheService) {
  Seen s = Launch(R"({"template_id": 7})");
  EXPECT_EQ(s.status, 400);
  EXPECT_EQ(s.body["error"]["details"]["field"], "template_id");
  Seen unknown = Launch(R"({"template": "x"})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(launch_.calls, 0);
}

TEST_F(RoutesOverFakes, ForkPassesWhatWasAskedAndAnswersTheNewExecution) {
  LaunchOutcome out;
  out.execution.id = "ex_2";
  out.execution.workspace_id = "ws_1";
  out.execution.forked_from_execution_id = "ex_1";
  out.execution.forked_from_step_id = "polish";
  launch_.answer = out;
  std::multimap<std::string, std::string, CaseLess> headers{{"Idempotency-Key", "k-1"}};
  auto seen = Run("POST", "/api/v1/executions/{id}/fork", {{"id", "ex_1"}},
                  R"({"step": "polish", "inputs": {"tone": "dry"}, "version": 3,
                      "settings": {"polish": {"model": "other"}}})",
                  std::move(headers));
  EXPECT_EQ(seen.status, 201) << seen.body.dump();
  EXPECT_EQ(seen.body["forked_from"], (Json{{"execution_id", "ex_1"}, {"step", "polish"}}));
  EXPECT_EQ(launch_.seen_ws, "ws_1");
  EXPECT_EQ(launch_.seen_fork.execution_id, "ex_1");
  EXPECT_EQ(launch_.seen_fork.step, "polish");
  EXPECT_EQ(launch_.seen_fork.inputs, (Json{{"tone", "dry"}}));
  EXPECT_EQ(launch_.seen_fork.version, 3);
  EXPECT_EQ(launch_.seen_fork.settings, (Json{{"polish", {{"model", "other"}}}}));
  EXPECT_EQ(launch_.seen_fork.idempotency_key, "k-1");

  launch_.answer = ServiceFail(
      ServiceError(FailedPrecondition("step 'draft', upstream of 'polish', reads input 'topic', "
                                      "which changes; fork from 'draft' instead"),
                   ""));
  seen = Run("POST", "/api/v1/executions/{id}/fork", {{"id", "ex_1"}}, R"({"step": "polish"})");
  EXPECT_EQ(seen.status, 409) << seen.body.dump();
  EXPECT_NE(seen.body["error"]["message"].get<std::string>().find("fork from 'draft'"),
            std::string::npos);

  const int before = launch_.calls;
  for (const char* bad : {R"({})", R"({"step": 3})", R"({"step": "a", "inputs": []})",
                          R"({"step": "a", "surprise": 1})"}) {
    seen = Run("POST", "/api/v1/executions/{id}/fork", {{"id", "ex_1"}}, bad);
    EXPECT_EQ(seen.status, 400) << bad << " " << seen.body.dump();
  }
  EXPECT_EQ(launch_.calls, before) << "a malformed body never reaches the service";
}

TEST_F(RoutesOverFakes, CommandsAnswerTheExecutionOrTheRefusal) {
  commands_.answer = Execution("ex_1", ExecStatus::kPaused);
  Seen paused = Run("POST", "/api/v1/executions/{id}/pause", {{"id", "ex_1"}}, "");
  EXPECT_EQ(commands_.last, "pause ws_1/ex_1");
  EXPECT_EQ(paused.status, 200);
  EXPECT_EQ(paused.body, ToJson(commands_.answer));

  Seen tweaked = Run("POST", "/api/v1/executions/{id}/steps/{step}/tweak",
                     {{"id", "ex_1"}, {"step", "caption"}}, R"({"instruction": "shorter"})");
  EXPECT_EQ(commands_.last, "tweak:shorter ws_1/ex_1");
  EXPECT_EQ(tweaked.status, 200);

  commands_.refuse = ServiceError(FailedPrecondition("execution ex_1 is completed"));
  Seen refused = Run("POST", "/api/v1/executions/{id}/resume", {{"id", "ex_1"}}, "");
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(refused.body["error"]["code"], "conflict");
  EXPECT_EQ(refused.body["error"]["message"], "execution ex_1 is completed");
}

}  // namespace
}  // namespace atelier::api
