#include "atelier/nodes/review/review_node.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "atelier/core/json_limits.h"
#include "atelier/core/json_schema.h"
#include "atelier/core/render.h"
#include "atelier/nodes/node_support.h"

namespace atelier {
namespace {

using namespace nodes;

// ---- Field rendering (as in builtin.cc) ----

Result<int64_t> RenderBoundedInt(const NodeContext& ctx, const char* key, int64_t fallback,
                                 int64_t lo, int64_t hi) {
  auto v = RenderInt(ctx, key, fallback);
  if (!v) return Err(v.error());
  if (*v < lo || *v > hi)
    return Err(InvalidArgument(std::string(key) + ": must be " + std::to_string(lo) + ".." +
                               std::to_string(hi) + ", got " + std::to_string(*v)));
  return v;
}

Status CheckCancel(const NodeContext& ctx) {
  if (ctx.cancel && ctx.cancel->cancelled()) return Cancelled(ctx.cancel->reason());
  return Status::Ok();
}

void AddUsage(Usage* total, const Usage& u) {
  total->input_tokens += u.input_tokens;
  total->output_tokens += u.output_tokens;
  total->images += u.images;
  total->estimated = total->estimated || u.estimated;
}

// Each call of a step gets its own idempotency key, stable across retries of the same attempt.
CallInfo CallFor(const NodeContext& ctx, const Json& knobs, const std::string& suffix) {
  CallInfo c;
  c.idempotency_key = ctx.idempotency_key() + "/" + suffix;
  c.attempt = ctx.attempt;
  c.knobs = knobs;
  return c;
}

// ---- Reviewing ----

const Json& ReviewSchema() {
  static const Json kSchema = Json::parse(R"({
    "type": "object",
    "properties": {
      "score": {"type": "integer", "minimum": 0, "maximum": 100},
      "feedback": {"type": "string", "minLength": 1}
    },
    "required": ["score", "feedback"],
    "additionalProperties": false
  })");
  return kSchema;
}

// criteria: a string or a list of strings, as a bullet list.
Result<std::string> RenderCriteria(const NodeContext& ctx) {
  auto v = RenderField(ctx, "criteria");
  if (!v) return Err(v.error());
  std::string out;
  auto add = [&](const Json& item) {
    std::string line = item.is_string() ? item.get<std::string>() : item.dump();
    while (!line.empty() && (line.back() == ' ' || line.back() == '\n')) line.pop_back();
    if (line.empty()) return;
    if (!out.empty()) out += '\n';
    out += "- " + line;
  };
  if (v->is_array()) {
    for (const auto& item : *v) add(item);
  } else if (!v->is_null()) {
    add(*v);
  }
  if (out.empty())
    return Err(InvalidArgument("criteria: required (a string or a list of strings)"));
  return out;
}

struct ReviewSettings {
  std::string model;
  std::string criteria;  // bullet list
  std::string extra_system;
  Json knobs = Json::object();
};

struct ReviewOutcome {
  int score = 0;
  std::string feedback;
  std::string model;
  std::string provider;
  Usage usage;
  std::vector<ChatMessage> messages;  // the request's turns and the answer
};

std::string ReviewerSystem(const std::string& extra) {
  std::string s =
      "You are a strict reviewer. Score the content from 0 to 100 against the criteria: 100 "
      "only when every criterion is fully met, lower for each shortcoming. Give specific, "
      "actionable feedback saying what to change. Answer only with a JSON object "
      "{\"score\": <integer 0..100>, \"feedback\": \"<text>\"} and nothing else.";
  if (!extra.empty()) s += "\n\n" + extra;
  return s;
}

// Asks the reviewer about `content` (text; or a description when `images` carries the content).
Result<ReviewOutcome> RunReview(const NodeContext& ctx, const ReviewSettings& settings,
                                const std::string& content, std::vector<ImageInput> images,
                                const std::string& call_suffix) {
  if (Status s = CheckCancel(ctx); !s.ok()) return Err(s);
  TextRequest req;
  req.model = settings.model;
  req.system = ReviewerSystem(settings.extra_system);
  req.temperature = 0;
  req.max_tokens = 1024;
  req.json_schema = ReviewSchema();
  req.call = CallFor(ctx, settings.knobs, call_suffix);
  ChatMessage user;
  user.role = "user";
  if (images.empty()) {
    user.content = "Criteria:\n" + settings.criteria +
                   "\n\nReview the following content against the criteria.\n\nContent:\n" + content;
  } else {
    user.content = "Criteria:\n" + settings.criteria + "\n\nReview the attached image" +
                   (images.size() > 1 ? "s" : "") + " against the criteria." +
                   (content.empty() ? "" : "\n\n" + content);
    user.images = std::move(images);
  }
  req.messages.push_back(std::move(user));

  std::string provider;
  auto resp = SendRouted(ctx, settings.model, req, &provider);
  if (!resp) return Err(resp.error());

  const std::string body = StripFences(resp->text);
  if (Status deep = CheckJsonTextDepth(body); !deep.ok())
    return Err(Unavailable("review: the model's answer is not valid: " + deep.message()));
  Json answer = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (answer.is_discarded()) {
    std::string snippet = body.size() > 80 ? body.substr(0, 77) + "..." : body;
    return Err(Unavailable("review: the model's answer is not valid: not JSON: '" + snippet + "'"));
  }
  if (Status s = CheckAgainstSchema(answer, ReviewSchema()); !s.ok())
    return Err(Unavailable("review: the model's answer is not valid: " + s.message()));

  ReviewOutcome out;
  out.score = static_cast<int>(answer["score"].get<double>());
  out.feedback = answer["feedback"].get<std::string>();
  out.model = resp->model.empty() ? settings.model : resp->model;
  out.provider = provider;
  out.usage = resp->usage;
  out.messages = req.messages;
  out.messages.push_back({"assistant", resp->text, {}});
  return out;
}

// An image object {sha256, mime, ...} (or an output holding one under "image") -> its bytes.
Result<ImageInput> LoadImage(const NodeContext& ctx, const Json& image) {
  const std::string sha = image.value("sha256", "");
  auto bytes = ctx.blobs->Get(sha);
  if (!bytes)
    return Err(FailedPrecondition("content: the image " + sha +
                                  " is missing: " + bytes.error().message()));
  return ImageInput{image.value("mime", "image/png"), std::move(*bytes)};
}

bool IsImageObject(const Json& v) {
  return v.is_object() && v.contains("sha256") && v["sha256"].is_string();
}

// The content to review: text, or images from the blob store.
Result<std::pair<std::string, std::vector<ImageInput>>> ContentOf(const NodeContext& ctx,
                                                                  const Json& content) {
  std::vector<const Json*> image_objects;
  if (IsImageObject(content)) {
    image_objects.push_back(&content);
  } else if (content.is_object() && content.contains("image") && IsImageObject(content["image"])) {
    image_objects.push_back(&content["image"]);
  } else if (content.is_array() && !content.empty()) {
    bool all = true;
    for (const auto& v : content) all = all && IsImageObject(v);
    if (all)
      for (const auto& v : content) image_objects.push_back(&v);
  }
  std::vector<ImageInput> images;
  for (const Json* obj : image_objects) {
    auto img = LoadImage(ctx, *obj);
    if (!img) return Err(img.error());
    images.push_back(std::move(*img));
  }
  if (!images.empty()) return std::make_pair(std::string(), std::move(images));
  std::string text = content.is_string() ? content.get<std::string>()
                     : content.is_null() ? std::string()
                                         : content.dump(2);
  if (text.empty()) return Err(InvalidArgument("content: nothing to review (empty)"));
  return std::make_pair(std::move(text), std::move(images));
}

Result<NodeResult> ExecuteReview(const NodeContext& ctx) {
  auto content = RenderField(ctx, "content");
  if (!content) return Err(content.error());
  auto criteria = RenderCriteria(ctx);
  if (!criteria) return Err(criteria.error());
  auto system = RenderText(ctx, "system", "");
  if (!system) return Err(system.error());
  auto model = RenderText(ctx, "model", "default");
  if (!model) return Err(model.error());
  auto pass_score = RenderBoundedInt(ctx, "pass_score", 70, 0, 100);
  if (!pass_score) return Err(pass_score.error());
  auto knobs = Knobs(ctx);
  if (!knobs) return Err(knobs.error());
  auto parts = ContentOf(ctx, *content);
  if (!parts) return Err(parts.error());

  ReviewSettings settings{*model, *criteria, *system, *knobs};
  auto review = RunReview(ctx, settings, parts->first, std::move(parts->second), "review");
  if (!review) return Err(review.error());

  NodeResult r;
  r.output = {{"score", review->score},
              {"feedback", review->feedback},
              {"passed", review->score >= *pass_score},
              {"model", review->model},
              {"provider", review->provider}};
  r.usage = review->usage;
  r.session = {{"messages", MessagesJson(review->messages)},
               {"model", review->model},
               {"provider", review->provider}};
  return r;
}

// ---- Refining ----

std::string RevisionRequest(int score, const std::string& feedback) {
  return "Revise it. A reviewer scored it " + std::to_string(score) + "/100 and said: " + feedback;
}

struct RefineSettings {
  std::string prompt;
  std::string model;
  std::string system;
  int threshold = 80;
  int max_attempts = 3;
  int max_tokens = 1024;
  int width = 512;
  int height = 512;
  Json knobs = Json::object();
  ReviewSettings review;
  Pending pending;
};

Json AttemptJson(int attempt, const ReviewOutcome& rv) {
  return {{"attempt", attempt}, {"score", rv.score}, {"feedback", rv.feedback}};
}

// The rounds the step made in its earlier versions, from its stored session: attempts are
// counted across the step's whole history, so a tweak's first round is not "attempt 1" again.
// Sessions stored before the count was kept give the rounds their conversation shows (text: one
// answer per round; images: one request per round).
int PriorAttempts(const NodeContext& ctx, bool image) {
  if (!ctx.session || !ctx.session->is_object()) return 0;
  const Json& s = *ctx.session;
  if (auto it = s.find("attempts_total"); it != s.end() && it->is_number_integer())
    return std::max(0, it->get<int>());
  const Json turns = s.value(image ? "turns" : "messages", Json::array());
  int n = 0;
  if (turns.is_array())
    for (const auto& t : turns)
      if (t.is_object() && t.value("role", "") == (image ? "user" : "assistant")) ++n;
  return n;
}

Result<NodeResult> RefineText(const NodeContext& ctx, const RefineSettings& s) {
  TextRequest req;
  req.model = s.model;
  req.system = s.system;
  req.max_tokens = s.max_tokens;
  const bool tweak = s.pending.mode == "tweak";
  if (tweak) {
    req.messages = MessagesOf((*ctx.session)["messages"]);
    if (req.messages.empty()) req.messages.push_back({"user", s.prompt, {}});
    req.messages.push_back({"user", s.pending.instruction, {}});
    req.session = ctx.session->value("handle", "");
  } else {
    req.messages.push_back({"user", s.prompt, {}});
  }
  Json knobs = s.knobs;
  if (s.pending.mode == "regenerate") knobs["variation"] = ctx.version;

  const int prior = PriorAttempts(ctx, /*image=*/false);
  Usage usage;
  Json attempts = Json::array();
  std::string text, model, provider;
  ReviewOutcome last;
  for (int attempt = 1; attempt <= s.max_attempts; ++attempt) {
    if (Status st = CheckCancel(ctx); !st.ok()) return Err(st);
    if (attempt > 1)
      req.messages.push_back({"user", RevisionRequest(last.score, last.feedback), {}});
    req.call = CallFor(ctx, knobs, "generate" + std::to_string(attempt));
    auto resp = SendRouted(ctx, s.model, req, &provider);
    if (!resp) return Err(resp.error());
    AddUsage(&usage, resp->usage);
    text = resp->text;
    model = resp->model.empty() ? s.model : resp->model;
    req.messages.push_back({"assistant", text, {}});
    req.session = resp->session;

    auto review = RunReview(ctx, s.review, text, {}, "review" + std::to_string(attempt));
    if (!review) return Err(review.error());
    AddUsage(&usage, review->usage);
    last = std::move(*review);
    attempts.push_back(AttemptJson(prior + attempt, last));
    if (last.score >= s.threshold) break;
  }
  const int total = prior + static_cast<int>(attempts.size());

  NodeResult r;
  auto artifact =
      AddArtifact(ctx, &r, 0, text, "document", "text/markdown", FileStem(ctx.step_id) + ".md");
  if (!artifact) return Err(artifact.error());
  r.output = {{"text", text},
              {"score", last.score},
              {"feedback", last.feedback},
              {"passed", last.score >= s.threshold},
              {"attempts", attempts},
              {"total_attempts", total},
              {"model", model},
              {"provider", provider},
              {"artifact_id", *artifact}};
  r.usage = usage;
  r.session = {{"system", req.system},
               {"messages", MessagesJson(req.messages)},
               {"model", model},
               {"provider", provider},
               {"handle", req.session},
               {"attempts_total", total}};
  return r;
}

Result<NodeResult> RefineImage(const NodeContext& ctx, const RefineSettings& s) {
  std::vector<ChatMessage> turns;
  GeneratedImage current;
  std::string session_handle, model, provider;
  std::string next_instruction;  // the edit to make on the next round; empty: generate afresh
  const bool tweak = s.pending.mode == "tweak";
  if (tweak) {
    const Json& prev = *ctx.session;
    const Json image = prev.value("image", Json::object());
    auto bytes = ctx.blobs->Get(image.is_object() ? image.value("sha256", "") : "");
    if (!bytes)
      return Err(FailedPrecondition("the previous image of step '" + ctx.step_id +
                                    "' is missing: " + bytes.error().message()));
    current.mime = image.value("mime", "image/png");
    current.bytes = std::move(*bytes);
    current.width = image.value("width", s.width);
    current.height = image.value("height", s.height);
    turns = MessagesOf(prev.value("turns", Json::array()));
    if (turns.empty()) turns.push_back({"user", s.prompt, {}});
    session_handle = prev.value("handle", "");
    next_instruction = s.pending.instruction;
  }

  const int prior = PriorAttempts(ctx, /*image=*/true);
  Usage usage;
  Json attempts = Json::array();
  ReviewOutcome last;
  for (int attempt = 1; attempt <= s.max_attempts; ++attempt) {
    if (Status st = CheckCancel(ctx); !st.ok()) return Err(st);
    CallInfo call = CallFor(ctx, s.knobs, "generate" + std::to_string(attempt));
    Result<ImageResponse> resp = Err(Internal("no call made"));
    if (attempt > 1) next_instruction = RevisionRequest(last.score, last.feedback);
    if (!next_instruction.empty()) {
      ImageEditRequest edit;
      edit.model = s.model;
      edit.instruction = next_instruction;
      edit.image = {current.mime, current.bytes};
      edit.history = turns;
      edit.width = current.width > 0 ? current.width : s.width;
      edit.height = current.height > 0 ? current.height : s.height;
      edit.count = 1;
      edit.session = session_handle;
      edit.call = call;
      turns.push_back({"user", next_instruction, {}});
      resp = SendRouted(ctx, s.model, edit, &provider);
    } else {
      ImageRequest req;
      req.model = s.model;
      req.prompt = s.prompt;
      req.width = s.width;
      req.height = s.height;
      req.count = 1;
      req.call = call;
      if (s.pending.mode == "regenerate") req.seed = SeedFrom(ctx.idempotency_key());
      turns.push_back({"user", s.prompt, {}});
      resp = SendRouted(ctx, s.model, req, &provider);
    }
    if (!resp) return Err(resp.error());
    if (resp->images.empty())
      return Err(Unavailable("refine: provider '" + provider + "' returned no image"));
    AddUsage(&usage, resp->usage);
    current = std::move(resp->images[0]);
    if (current.mime.empty()) current.mime = "image/png";
    model = resp->model.empty() ? s.model : resp->model;
    session_handle = resp->session;

    auto review = RunReview(ctx, s.review, "", {ImageInput{current.mime, current.bytes}},
                            "review" + std::to_string(attempt));
    if (!review) return Err(review.error());
    AddUsage(&usage, review->usage);
    last = std::move(*review);
    attempts.push_back(AttemptJson(prior + attempt, last));
    if (last.score >= s.threshold) break;
  }
  const int total = prior + static_cast<int>(attempts.size());

  NodeResult r;
  auto added = AddImage(ctx, &r, 0, 1, current, s.prompt);
  if (!added) return Err(added.error());
  Json image = std::move(*added);
  r.output = {{"images", Json::array({image})},
              {"image", image},
              {"score", last.score},
              {"feedback", last.feedback},
              {"passed", last.score >= s.threshold},
              {"attempts", attempts},
              {"total_attempts", total},
              {"model", model},
              {"provider", provider}};
  r.usage = usage;
  r.session = {{"turns", MessagesJson(turns)},
               {"image", image},
               {"model", model},
               {"provider", provider},
               {"handle", session_handle},
               {"attempts_total", total}};
  return r;
}

Result<NodeResult> ExecuteRefine(const NodeContext& ctx) {
  RefineSettings s;
  auto prompt = RenderText(ctx, "prompt", "");
  if (!prompt) return Err(prompt.error());
  s.prompt = *prompt;
  auto kind = RenderText(ctx, "kind", "text");
  if (!kind) return Err(kind.error());
  if (*kind != "text" && *kind != "image")
    return Err(InvalidArgument("kind: must be \"text\" or \"image\", got '" + *kind + "'"));
  const bool is_image = *kind == "image";
  if (s.prompt.empty()) return Err(InvalidArgument("prompt: required"));
  auto criteria = RenderCriteria(ctx);
  if (!criteria) return Err(criteria.error());
  auto threshold = RenderBoundedInt(ctx, "threshold", 80, 0, 100);
  if (!threshold) return Err(threshold.error());
  auto max_attempts = RenderBoundedInt(ctx, "max_attempts", 3, 1, 10);
  if (!max_attempts) return Err(max_attempts.error());
  auto model = RenderText(ctx, "model", is_image ? "image" : "default");
  if (!model) return Err(model.error());
  if (model->empty()) *model = is_image ? "image" : "default";
  auto review_model = RenderText(ctx, "review_model", "default");
  if (!review_model) return Err(review_model.error());
  auto system = RenderText(ctx, "system", "");
  if (!system) return Err(system.error());
  auto size_text = RenderText(ctx, "size", "512x512");
  if (!size_text) return Err(size_text.error());
  auto size = ParseSize(*size_text);
  if (!size) return Err(size.error());
  auto max_tokens = RenderBoundedInt(ctx, "max_tokens", 1024, 1, 1000000);
  if (!max_tokens) return Err(max_tokens.error());
  auto knobs = Knobs(ctx);
  if (!knobs) return Err(knobs.error());

  s.model = *model;
  s.system = *system;
  s.threshold = static_cast<int>(*threshold);
  s.max_attempts = static_cast<int>(*max_attempts);
  s.max_tokens = static_cast<int>(*max_tokens);
  s.width = size->first;
  s.height = size->second;
  s.knobs = *knobs;
  s.review = ReviewSettings{*review_model, *criteria, "", *knobs};
  s.pending = PendingOf(ctx);
  return is_image ? RefineImage(ctx, s) : RefineText(ctx, s);
}

}  // namespace

Result<NodeResult> ReviewNode::Execute(const NodeContext& ctx) { return ExecuteReview(ctx); }

Result<NodeResult> RefineNode::Execute(const NodeContext& ctx) { return ExecuteRefine(ctx); }

void RegisterReviewNodes(NodeRegistry* registry) {
  registry->Add("review", std::make_shared<ReviewNode>());
  registry->Add("refine", std::make_shared<RefineNode>());
}

}  // namespace atelier
