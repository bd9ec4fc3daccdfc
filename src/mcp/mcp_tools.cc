// The MCP tools: a tool per template, and the tools that follow, read and decide executions. Each
// calls the same application services as the HTTP API and the CLI.
#include "mcp_tools.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "atelier/api/records_json.h"
#include "atelier/app/approvals.h"
#include "atelier/app/describe.h"
#include "atelier/app/engine_execution_commands.h"
#include "atelier/app/engine_launch_service.h"
#include "atelier/providers/http/base64.h"

namespace atelier::mcp {
namespace {

constexpr int64_t kDefaultWaitSeconds = 60;
constexpr int64_t kMaxWaitSeconds = 3600;
constexpr size_t kMaxInlineImageBytes = 4 << 20;
// How often a waiting call asks whether its caller is still there (AliveFn).
constexpr auto kAliveEvery = std::chrono::seconds(5);

Json Prop(const char* type, const char* description) {
  return {{"type", type}, {"description", description}};
}

Json Schema(Json properties, std::vector<std::string> required) {
  return {{"type", "object"}, {"properties", std::move(properties)}, {"required", required},
          {"additionalProperties", false}};
}

Json Tool(const std::string& name, const std::string& title, const std::string& description,
          Json schema) {
  return {{"name", name}, {"title", title}, {"description", description},
          {"inputSchema", std::move(schema)}};
}

// The string argument `name`; "" with `*error` set when it is missing or not a string.
std::string Arg(const Json& args, const char* name, std::string* error) {
  auto it = args.find(name);
  if (it == args.end() || !it->is_string() || it->get<std::string>().empty()) {
    if (error->empty()) *error = std::string("'") + name + "' is required: a non-empty string";
    return "";
  }
  return it->get<std::string>();
}

ToolResult Failed(std::string message) {
  ToolResult r;
  r.error = std::move(message);
  return r;
}

ToolResult Failed(const Status& s) { return Failed(s.message()); }

// A launch or fork refused: its message, then each input's problem on a line.
ToolResult Failed(const ServiceError& e) {
  std::string msg = e.status.message();
  for (const auto& v : e.input_errors) msg += "\n- " + v.ToString();
  return Failed(msg);
}

bool AtRest(const std::string& status) {
  return status == "completed" || status == "failed" || status == "stopped" ||
         status == "waiting" || status == "paused";
}

const char* JsonType(const std::string& input_type) {
  if (input_type == "list") return "array";
  if (input_type == "integer" || input_type == "number" || input_type == "boolean" ||
      input_type == "object")
    return input_type == "integer" ? "integer"
           : input_type == "number" ? "number"
           : input_type == "boolean" ? "boolean"
                                     : "object";
  return "string";
}

}  // namespace

std::string ToolName(const std::string& template_name) {
  std::string out = "run_";
  bool gap = false;
  for (unsigned char c : template_name) {
    if (std::isalnum(c) && c < 0x80) {
      if (gap && out.size() > 4) out += '_';
      out += static_cast<char>(std::tolower(c));
      gap = false;
    } else {
      gap = true;
    }
    if (out.size() >= 64) break;
  }
  if (out.size() == 4) out += "template";
  return out.substr(0, 64);
}

Json InputSchema(const Json& definition) {
  Json props = Json::object();
  std::vector<std::string> required;
  if (definition.is_object() && definition.contains("inputs") && definition["inputs"].is_object()) {
    for (const auto& [name, spec] : definition["inputs"].items()) {
      if (!spec.is_object()) continue;
      Json p = {{"type", JsonType(spec.value("type", "string"))}};
      if (spec.contains("description") && spec["description"].is_string())
        p["description"] = spec["description"];
      if (spec.contains("default")) p["default"] = spec["default"];
      props[name] = std::move(p);
      if (spec.value("required", false) && !spec.contains("default")) required.push_back(name);
    }
  }
  return Schema(std::move(props), std::move(required));
}

Tools::Tools(App* app, std::string ws) : app_(app), ws_(std::move(ws)) {}

void Tools::Changed() {
  {
    std::lock_guard<std::mutex> l(mu_);
    ++generation_;
  }
  changed_.notify_all();
}

void Tools::Close() {
  {
    std::lock_guard<std::mutex> l(mu_);
    closing_ = true;
  }
  changed_.notify_all();
}

Result<Json> Tools::List() {
  TemplateFilter f;
  f.limit = 0;
  auto templates = app_->accounts().ListTemplates(ws_, f);
  if (!templates) return Err(templates.error());
  Json tools = Json::array();
  std::set<std::string> taken;
  for (const auto& t : *templates) {
    std::string name = ToolName(t.name);
    if (!taken.insert(name).second) name = name.substr(0, 50) + "_" + t.id.substr(t.id.size() - 8);
    taken.insert(name);
    std::string what = t.description.empty() ? "Runs the template '" + t.name + "'."
                                              : t.description;
    tools.push_back(Tool(name, t.name,
                         what + " Launches an Atelier execution of the template '" + t.name +
                             "' (" + t.id + ") with these inputs and answers its execution_id; "
                             "follow it with wait_for_execution, read it with get_outputs.",
                         InputSchema(t.definition)));
    tools.back()["_meta"] = {{"atelier/template_id", t.id}};
  }
  Json id = Prop("string", "The execution's id (ex_...), as a run_ tool answered it");
  tools.push_back(Tool(
      "wait_for_execution", "Wait for an execution",
      "Waits until the execution completes, fails, stops, waits for a person's approval or "
      "pauses, or until timeout_seconds pass; answers its status and progress. Sends progress "
      "notifications while it waits.",
      Schema({{"execution_id", id},
              {"timeout_seconds",
               {{"type", "integer"}, {"minimum", 1}, {"maximum", kMaxWaitSeconds},
                {"description", "How long to wait at most (default 60)"}}}},
             {"execution_id"})));
  tools.push_back(Tool("get_execution", "Execution status",
                       "The execution's status, stage, percent done, tokens and cost so far.",
                       Schema({{"execution_id", id}}, {"execution_id"})));
  tools.push_back(Tool("get_outputs", "Execution outputs",
                       "What the execution produced: its end steps' outputs and its current "
                       "artifacts (documents and images), each with an artifact_id for "
                       "get_artifact.",
                       Schema({{"execution_id", id}}, {"execution_id"})));
  tools.push_back(Tool("get_artifact", "Read an artifact",
                       "An artifact's content: text for documents, the image itself for images.",
                       Schema({{"artifact_id", Prop("string", "The artifact's id (art_...)")}},
                              {"artifact_id"})));
  tools.push_back(Tool("list_approvals", "Approvals waiting",
                       "Approval steps of the workspace waiting for a decision, newest first, "
                       "each with the content to judge.",
                       Schema(Json::object(), {})));
  tools.push_back(Tool(
      "decide_approval", "Decide an approval",
      "Decides a waiting approval step: approve (optionally with an edited text that replaces "
      "the reviewed step's), reject, or tweak (the reviewed step is refined with the "
      "instruction and the approval asks again).",
      Schema({{"execution_id", id},
              {"step", Prop("string", "The approval step's id, as list_approvals gives it")},
              {"decision", {{"type", "string"}, {"enum", {"approve", "reject", "tweak"}}}},
              {"comment", Prop("string", "A note kept with the decision")},
              {"instruction", Prop("string", "With tweak: what to change")},
              {"edit", Prop("string", "With approve: the text to publish instead")}},
             {"execution_id", "step", "decision"})));
  tools.push_back(Tool(
      "fork_execution", "Fork an execution",
      "Starts a new execution from one step of a completed, failed or stopped execution: that "
      "step and what follows it run again (with the inputs given changed), the steps before it "
      "are kept as they were (no model call, no charge). Answers the new execution_id; refused, "
      "with the reason, when a step before it cannot be kept (it reads a changed input, say).",
      Schema({{"execution_id", id},
              {"step", Prop("string", "The step to run again, with everything after it")},
              {"inputs", {{"type", "object"},
                          {"description", "Inputs to change; the others stay as they were"}}}},
             {"execution_id", "step"})));
  return tools;
}

Result<ToolResult> Tools::Call(const std::string& name, const Json& args,
                               const ProgressFn& progress, const AliveFn& alive) {
  if (name == "wait_for_execution") return Wait(args, progress, alive);
  if (name == "get_execution") return Get(args);
  if (name == "get_outputs") return Outputs(args);
  if (name == "get_artifact") return Artifact(args);
  if (name == "list_approvals") return Approvals(args);
  if (name == "decide_approval") return Decide(args);
  if (name == "fork_execution") return Fork(args);
  auto tools = List();
  if (!tools) return Err(tools.error());
  for (const auto& t : *tools)
    if (t["name"] == name && t.contains("_meta"))
      return Run(t["_meta"]["atelier/template_id"].get<std::string>(), args);
  return Err(NotFound("no tool named '" + name + "'; tools/list names them"));
}

ToolResult Tools::Run(const std::string& template_id, const Json& args) {
  LaunchRequest req;
  req.template_id = template_id;
  req.inputs = args.is_object() ? args : Json::object();
  auto out = EngineLaunchService(app_, /*drive_here=*/true).Launch(ws_, req);
  if (!out) return Failed(out.error());
  ToolResult r;
  r.structured = {{"execution_id", out->execution.id},
                  {"status", ExecStatusName(out->execution.status)},
                  {"next", "call wait_for_execution with this execution_id"}};
  return r;
}

ToolResult Tools::Fork(const Json& args) {
  std::string error;
  ForkRequest req;
  req.execution_id = Arg(args, "execution_id", &error);
  req.step = Arg(args, "step", &error);
  if (!error.empty()) return Failed(error);
  if (args.contains("inputs")) {
    if (!args["inputs"].is_object()) return Failed("'inputs' must be an object");
    req.inputs = args["inputs"];
  }
  auto out = EngineLaunchService(app_, /*drive_here=*/true).Fork(ws_, req);
  if (!out) return Failed(out.error());
  ToolResult r;
  r.structured = {{"execution_id", out->execution.id},
                  {"status", ExecStatusName(out->execution.status)},
                  {"forked_from", {{"execution_id", req.execution_id}, {"step", *req.step}}},
                  {"next", "call wait_for_execution with this execution_id"}};
  return r;
}

ToolResult Tools::Get(const Json& args) {
  std::string error;
  std::string id = Arg(args, "execution_id", &error);
  if (!error.empty()) return Failed(error);
  auto status = ExecutionStatusJson(*app_, ws_, id);
  if (!status) return Failed(status.error());
  ToolResult r;
  r.structured = *status;
  return r;
}

ToolResult Tools::Wait(const Json& args, const ProgressFn& progress, const AliveFn& alive) {
  std::string error;
  std::string id = Arg(args, "execution_id", &error);
  if (!error.empty()) return Failed(error);
  int64_t seconds = kDefaultWaitSeconds;
  if (args.contains("timeout_seconds")) {
    const Json& t = args["timeout_seconds"];
    if (!t.is_number_integer() || t.get<int64_t>() < 1 || t.get<int64_t>() > kMaxWaitSeconds)
      return Failed("'timeout_seconds' must be a whole number from 1 to " +
                    std::to_string(kMaxWaitSeconds));
    seconds = t.get<int64_t>();
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  double last_percent = -1;
  for (;;) {
    uint64_t seen;
    bool closing;
    {
      std::lock_guard<std::mutex> l(mu_);
      seen = generation_;
      closing = closing_;
    }
    auto status = ExecutionStatusJson(*app_, ws_, id);
    if (!status) return Failed(status.error());
    const std::string st = (*status)["status"].get<std::string>();
    const double percent = (*status)["progress"].value("percent", 0.0);
    if (progress && percent != last_percent) {
      progress(percent, 100, st + ", " + (*status)["stage"].get<std::string>());
      last_percent = percent;
    }
    const bool timed_out =
        closing || std::chrono::steady_clock::now() >= until || (alive && !alive());
    if (AtRest(st) || timed_out) {
      ToolResult r;
      r.structured = *status;
      r.structured["timed_out"] = !AtRest(st);
      if (st == "waiting") r.structured["next"] = "a person must decide: list_approvals, decide_approval";
      return r;
    }
    // With a caller to check on, the wait wakes every few seconds to ask whether it is still
    // there; the status is read again only when something changed or the wait ends.
    const auto changed = [&] { return generation_ != seen || closing_; };
    std::unique_lock<std::mutex> l(mu_);
    for (;;) {
      const auto now = std::chrono::steady_clock::now();
      if (changed_.wait_until(l, alive ? std::min(until, now + kAliveEvery) : until, changed))
        break;
      if (!alive || std::chrono::steady_clock::now() >= until) break;
      l.unlock();
      const bool here = alive();
      l.lock();
      if (!here) break;
    }
  }
}

ToolResult Tools::Outputs(const Json& args) {
  std::string error;
  std::string id = Arg(args, "execution_id", &error);
  if (!error.empty()) return Failed(error);
  auto report = DescribeExecution(*app_, ws_, id);
  if (!report) return Failed(report.error());
  Json output = Json::object();
  std::map<std::string, int> current;  // step -> its current version
  for (const auto& s : (*report)["steps"]) {
    current[s["id"].get<std::string>()] = s.value("version", 0);
    if (s.value("type", "") == "end" && s["output"].is_object()) output.update(s["output"]);
  }
  Json artifacts = Json::array();
  for (const auto& a : (*report)["artifacts"]) {
    auto it = current.find(a.value("step", ""));
    if (it != current.end() && a.value("step_version", 0) != it->second) continue;  // replaced
    artifacts.push_back({{"artifact_id", a["id"]}, {"name", a["name"]}, {"kind", a["kind"]},
                         {"mime", a["mime"]}, {"size", a["size"]}, {"step", a["step"]}});
  }
  ToolResult r;
  r.structured = {{"execution_id", id},
                  {"status", (*report)["execution"]["status"]},
                  {"output", output},
                  {"artifacts", artifacts}};
  return r;
}

ToolResult Tools::Artifact(const Json& args) {
  std::string error;
  std::string id = Arg(args, "artifact_id", &error);
  if (!error.empty()) return Failed(error);
  auto meta = app_->accounts().GetArtifact(ws_, id);
  if (!meta) return Failed(meta.error());
  auto bytes = app_->blobs().Get(meta->sha256);
  if (!bytes) return Failed(bytes.error());
  ToolResult r;
  r.structured = ToJson(*meta);
  if (meta->mime.rfind("image/", 0) == 0) {
    if (bytes->size() > kMaxInlineImageBytes) {
      r.structured["note"] = "the image is too large to send inline (" +
                             std::to_string(bytes->size()) + " bytes)";
    } else {
      r.content.push_back(
          {{"type", "image"}, {"data", Base64Encode(*bytes)}, {"mimeType", meta->mime}});
    }
  } else {
    r.structured["text"] = *bytes;
  }
  return r;
}

ToolResult Tools::Approvals(const Json&) {
  auto page = ListApprovals(*app_, ws_, "", 50);
  if (!page) return Failed(page.error());
  ToolResult r;
  r.structured = {{"approvals", page->items}};
  return r;
}

ToolResult Tools::Decide(const Json& args) {
  std::string error;
  std::string id = Arg(args, "execution_id", &error);
  std::string step = Arg(args, "step", &error);
  std::string decision = Arg(args, "decision", &error);
  if (!error.empty()) return Failed(error);
  Decision d;
  d.decision = decision;
  auto text = [&](const char* name) {
    return args.contains(name) && args[name].is_string() ? args[name].get<std::string>() : "";
  };
  d.comment = text("comment");
  d.instruction = text("instruction");
  if (args.contains("edit")) {
    if (!args["edit"].is_string()) return Failed("'edit' must be a string");
    d.edit = args["edit"].get<std::string>();
    d.editor = "mcp";
  }
  auto rec = EngineExecutionCommands(app_, /*drive_here=*/true).Decide(ws_, id, step, d);
  if (!rec) return Failed(rec.error().status);
  ToolResult r;
  r.structured = {{"execution_id", id}, {"status", ExecStatusName(rec->status)},
                  {"next", "call wait_for_execution to follow it"}};
  return r;
}

}  // namespace atelier::mcp
