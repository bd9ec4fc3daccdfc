#include "atelier/core/node_types.h"

namespace atelier {
namespace {

FieldSpec F(std::string name, FieldType type, bool required, Json def, std::string desc) {
  FieldSpec f;
  f.name = std::move(name);
  f.type = type;
  f.required = required;
  f.default_value = std::move(def);
  f.description = std::move(desc);
  return f;
}

FieldSpec Bounded(FieldSpec f, std::optional<double> min, std::optional<double> max) {
  f.min = min;
  f.max = max;
  return f;
}

FieldSpec OneOf(FieldSpec f, std::vector<std::string> values) {
  f.one_of = std::move(values);
  return f;
}

// Offline-provider test knobs shared by the generative types.
void AddProviderKnobs(std::vector<FieldSpec>& fields) {
  fields.push_back(Bounded(F("latency_ms", FieldType::kInteger, false, 0,
                             "offline provider: simulated latency of each call, in ms"),
                           0, 600000));
  fields.push_back(Bounded(F("fail_first", FieldType::kInteger, false, 0,
                             "offline provider: the first N attempts fail with a retryable error"),
                           0, 1000));
}

std::vector<NodeTypeSpec> MakeTypes() {
  std::vector<NodeTypeSpec> types;

  types.push_back({"start", NodeKind::kStart,
                   "The entry point. Exactly one per template; its output is the launch inputs.",
                   {}, {}, true});

  types.push_back({"end", NodeKind::kEnd,
                   "Marks the end of a path. Optional `output` gathers final values.",
                   {F("output", FieldType::kObject, false, nullptr,
                      "object whose values (with references) become this step's output")},
                   {}, true});

  {
    NodeTypeSpec t{"generate_text", NodeKind::kTask, "Generates text with a language model.", {},
                   {"text", "json", "model", "provider", "artifact_id"}};
    t.fields.push_back(F("prompt", FieldType::kString, true, nullptr, "the user prompt"));
    t.fields.push_back(F("system", FieldType::kString, false, "", "system prompt"));
    t.fields.push_back(F("model", FieldType::kString, false, "default",
                         "model alias or provider model name"));
    t.fields.push_back(
        Bounded(F("temperature", FieldType::kNumber, false, 0.7, "sampling temperature"), 0, 2));
    t.fields.push_back(Bounded(
        F("max_tokens", FieldType::kInteger, false, 1024, "upper bound on output tokens"), 1,
        1000000));
    t.fields.push_back(F("schema", FieldType::kObject, false, nullptr,
                         "JSON Schema the answer must follow; the parsed answer is output `json`"));
    t.fields.back().verbatim = true;  // a schema, not a template
    AddProviderKnobs(t.fields);
    t.paid = true;
    types.push_back(std::move(t));
  }
  {
    NodeTypeSpec t{"generate_image", NodeKind::kTask, "Generates images from a prompt.", {},
                   {"images", "image", "model", "provider"}};
    t.fields.push_back(F("prompt", FieldType::kString, true, nullptr, "what to draw"));
    t.fields.push_back(F("negative_prompt", FieldType::kString, false, "", "what to avoid"));
    t.fields.push_back(F("model", FieldType::kString, false, "image", "model alias"));
    t.fields.push_back(F("size", FieldType::kString, false, "512x512",
                         "WIDTHxHEIGHT in pixels, each 16..2048"));
    t.fields.push_back(
        Bounded(F("count", FieldType::kInteger, false, 1, "number of images"), 1, 8));
    t.fields.push_back(F("seed", FieldType::kInteger, false, nullptr, "fixed seed"));
    t.fields.push_back(F("references", FieldType::kAny, false, nullptr,
                         "reference images: an image object or a list ({{steps.avatar.images}})"));
    AddProviderKnobs(t.fields);
    t.paid = true;
    types.push_back(std::move(t));
  }
  {
    NodeTypeSpec t{"condition", NodeKind::kTask,
                   "Compares a value with an operand; outgoing edges leave by sourceHandle "
                   "\"true\" or \"false\".",
                   {}, {"result", "branch", "value"}};
    t.fields.push_back(F("value", FieldType::kAny, true, nullptr, "the value to test"));
    t.fields.push_back(OneOf(F("operator", FieldType::kString, true, nullptr, "comparison"),
                             {"eq", "ne", "gt", "gte", "lt", "lte", "contains", "not_contains",
                              "empty", "not_empty", "truthy", "falsy"}));
    t.fields.push_back(F("operand", FieldType::kAny, false, nullptr,
                         "right-hand side; required except for empty, not_empty, truthy, falsy"));
    t.handles = {"true", "false"};
    t.handle_required = true;
    types.push_back(std::move(t));
  }
  {
    NodeTypeSpec t{"map", NodeKind::kMap,
                   "Runs `node` once for each item of `items`; results in item order.", {},
                   {"results", "errors", "count", "succeeded", "failed"}};
    t.fields.push_back(
        F("items", FieldType::kAny, true, nullptr, "a list, or a reference that yields one"));
    t.fields.push_back(F("node", FieldType::kNodeSpec, true, nullptr,
                         "{type, data} run per item; {{item}} and {{index}} refer to the item"));
    t.fields.push_back(
        Bounded(F("concurrency", FieldType::kInteger, false, 4, "items run at once"), 1, 1024));
    t.fields.push_back(OneOf(F("on_item_error", FieldType::kString, false, "fail",
                               "fail: the map fails; continue: the error is collected"),
                             {"fail", "continue"}));
    types.push_back(std::move(t));
  }
  {
    NodeTypeSpec t{"approval", NodeKind::kApproval,
                   "Waits for a person's decision (approve or reject). Edges may leave by "
                   "sourceHandle \"approved\" or \"rejected\".",
                   {}, {"decision", "approved", "comment", "branch"}};
    t.fields.push_back(F("message", FieldType::kString, false, "Approve to continue.",
                         "what the reviewer is asked"));
    t.fields.push_back(F("show", FieldType::kAny, false, nullptr,
                         "values shown to the reviewer (references allowed)"));
    t.fields.push_back(F("tweak_step", FieldType::kString, false, "",
                         "the step a \"tweak\" decision refines (default: the nearest upstream "
                         "generative step)"));
    t.handles = {"approved", "rejected"};
    types.push_back(std::move(t));
  }
  {
    NodeTypeSpec t{"review", NodeKind::kTask,
                   "A model scores content from 0 to 100 against criteria and gives feedback.",
                   {}, {"score", "feedback", "passed", "model", "provider"}};
    t.fields.push_back(F("content", FieldType::kAny, true, nullptr,
                         "what to review: text, or an image object such as "
                         "{{steps.hero.image}}"));
    t.fields.push_back(F("criteria", FieldType::kAny, true, nullptr,
                         "a string or a list of strings the content is judged against"));
    t.fields.push_back(F("model", FieldType::kString, false, "default", "model alias"));
    t.fields.push_back(F("system", FieldType::kString, false, "", "extra reviewer guidance"));
    t.fields.push_back(
        Bounded(F("pass_score", FieldType::kInteger, false, 70, "score that passes"), 0, 100));
    AddProviderKnobs(t.fields);
    t.paid = true;
    types.push_back(std::move(t));
  }
  {
    NodeTypeSpec t{"refine", NodeKind::kTask,
                   "Generates, reviews, and while the score is under the threshold continues the "
                   "same session with the feedback and reviews again.",
                   {}, {"text", "images", "image", "score", "feedback", "passed", "attempts"}};
    t.fields.push_back(F("prompt", FieldType::kString, true, nullptr, "what to make"));
    t.fields.push_back(OneOf(F("kind", FieldType::kString, false, "text", "text or image"),
                             {"text", "image"}));
    t.fields.push_back(F("criteria", FieldType::kAny, true, nullptr,
                         "a string or a list of strings each attempt is judged against"));
    t.fields.push_back(
        Bounded(F("threshold", FieldType::kInteger, false, 80, "score to stop at"), 0, 100));
    t.fields.push_back(Bounded(F("max_attempts", FieldType::kInteger, false, 3,
                                 "generations at most (the first included)"),
                               1, 10));
    t.fields.push_back(F("model", FieldType::kString, false, nullptr,
                         "generating model (default: \"default\" for text, \"image\" for images)"));
    t.fields.push_back(F("review_model", FieldType::kString, false, "default", "reviewing model"));
    t.fields.push_back(F("system", FieldType::kString, false, "", "system prompt (text)"));
    t.fields.push_back(F("size", FieldType::kString, false, "512x512", "image size"));
    t.fields.push_back(Bounded(F("max_tokens", FieldType::kInteger, false, 1024, "text length bound"),
                               1, 1000000));
    AddProviderKnobs(t.fields);
    t.paid = true;
    types.push_back(std::move(t));
  }
  {
    NodeTypeSpec t{"attach", NodeKind::kTask,
                   "Attaches images to a document; one of them is the primary image.",
                   {}, {"document", "images", "primary"}};
    t.fields.push_back(F("document", FieldType::kAny, true, nullptr,
                         "the document's markdown text, e.g. {{steps.article.text}}"));
    t.fields.push_back(F("images", FieldType::kAny, true, nullptr,
                         "an image object or a list of them ({{steps.hero.images}})"));
    t.fields.push_back(Bounded(F("primary", FieldType::kInteger, false, 0,
                                 "index of the primary image"),
                               0, 1000));
    t.fields.push_back(F("title", FieldType::kString, false, "", "document title"));
    types.push_back(std::move(t));
  }
  {
    NodeTypeSpec t{"export", NodeKind::kTask,
                   "Assembles documents and images into Markdown, HTML and DOCX files.",
                   {}, {"files", "markdown", "html", "docx"}};
    t.fields.push_back(F("title", FieldType::kString, false, "", "document title"));
    t.fields.push_back(F("sections", FieldType::kAny, true, nullptr,
                         "list of {heading, body (markdown), images} or an attach output"));
    t.fields.push_back(F("formats", FieldType::kList, false, Json::array({"markdown", "html", "docx"}),
                         "which files to write: markdown, html, docx"));
    t.fields.push_back(F("filename", FieldType::kString, false, "", "base file name (default: the step id)"));
    types.push_back(std::move(t));
  }
  {
    NodeTypeSpec t{"http", NodeKind::kTask,
                   "Calls an external URL with a templated body; the host must be on the "
                   "configuration's allow-list.",
                   {}, {"status", "body", "json"}};
    t.fields.push_back(F("url", FieldType::kString, true, nullptr, "http:// or https:// URL"));
    t.fields.push_back(OneOf(F("method", FieldType::kString, false, "POST", "GET or POST"),
                             {"GET", "POST"}));
    t.fields.push_back(F("headers", FieldType::kObject, false, nullptr,
                         "header name -> value (references allowed)"));
    t.fields.push_back(F("body", FieldType::kAny, false, nullptr,
                         "request body: an object or list is sent as JSON, a string as is"));
    types.push_back(std::move(t));
  }
  {
    NodeTypeSpec t{"code", NodeKind::kTask,
                   "Runs a Lua 5.4 function in a sandbox (no io, os, require, load or debug) with "
                   "instruction and memory limits.",
                   {}, {"result", "logs"}};
    t.fields.push_back(F("source", FieldType::kString, true, nullptr,
                         "Lua source; it sees the table `input` and returns the result"));
    t.fields.back().verbatim = true;  // Lua's own {{ }} (nested tables) is not a reference
    t.fields.push_back(F("input", FieldType::kAny, false, nullptr,
                         "value handed to the script as `input` (references allowed)"));
    t.fields.push_back(Bounded(F("max_instructions", FieldType::kInteger, false, 10000000,
                                 "instruction budget; exceeding it fails the step"),
                               1000, 1000000000));
    t.fields.push_back(Bounded(F("max_memory_kb", FieldType::kInteger, false, 16384,
                                 "memory budget in KiB; exceeding it fails the step"),
                               64, 1048576));
    types.push_back(std::move(t));
  }
  {
    NodeTypeSpec t{"subworkflow", NodeKind::kSubworkflow,
                   "Runs another template as one step (a sub-execution with its own steps, "
                   "events and approvals); its end output becomes this step's output.",
                   {}, {"execution_id", "status", "output", "usage"}};
    t.fields.push_back(F("template", FieldType::kString, false, nullptr,
                         "name of a template stored in the workspace (its latest version)"));
    t.fields.back().verbatim = true;
    t.fields.push_back(F("definition", FieldType::kObject, false, nullptr,
                         "the template to run, written inline (validated with this one)"));
    t.fields.back().verbatim = true;  // the inner template's references are its own
    t.fields.push_back(F("inputs", FieldType::kObject, false, Json::object(),
                         "launch inputs of the sub-execution (references allowed)"));
    types.push_back(std::move(t));
  }
  types.push_back({"transform", NodeKind::kTask,
                   "Builds a JSON value from inputs and upstream outputs.",
                   {F("output", FieldType::kObject, true, nullptr,
                      "object whose values (with references) become this step's output")},
                   {}, true});
  return types;
}

}  // namespace

const std::vector<FieldSpec>& CommonFieldSpecs() {
  static const std::vector<FieldSpec> kCommon = {
      F("label", FieldType::kString, false, "", "display name"),
      F("retry", FieldType::kRetry, false, nullptr,
        "{max_attempts, backoff_ms}; default 3 attempts, 1000 ms for generative nodes, 1 "
        "attempt otherwise"),
      Bounded(F("timeout_ms", FieldType::kInteger, false, nullptr,
                "per-attempt time limit; default 300000 for generative nodes"),
              1, 86400000),
      F("cache", FieldType::kBoolean, false, true, "reuse an identical earlier result"),
  };
  return kCommon;
}

const std::vector<NodeTypeSpec>& BuiltinNodeTypes() {
  static const std::vector<NodeTypeSpec> kTypes = MakeTypes();
  return kTypes;
}

const NodeTypeSpec* FindNodeType(std::string_view name) {
  for (const auto& t : BuiltinNodeTypes())
    if (t.name == name) return &t;
  return nullptr;
}

bool IsMappableNodeType(std::string_view name) {
  return name == "generate_text" || name == "generate_image" || name == "transform" ||
         name == "code";
}

}  // namespace atelier
