#include "atelier/nodes/builtin.h"

#include <cstdio>

#include "atelier/core/json_schema.h"
#include "atelier/core/validation.h"
#include "atelier/core/render.h"
#include "atelier/nodes/node_support.h"
#include "pure_node.h"

namespace atelier {
namespace {

using namespace nodes;

class StartNode final : public NodeExecutor {
 public:
  bool inline_ok() const override { return true; }
  Result<NodeResult> Execute(const NodeContext& ctx) override {
    NodeResult r;
    r.output = ctx.scope->value("inputs", Json::object());
    return r;
  }
};

class GenerateTextNode final : public NodeExecutor {
 public:
  bool inline_ok() const override { return false; }
  Result<NodeResult> Execute(const NodeContext& ctx) override {
    auto prompt = RenderText(ctx, "prompt", "");
    if (!prompt) return Err(prompt.error());
    auto system = RenderText(ctx, "system", "");
    if (!system) return Err(system.error());
    auto model = RenderText(ctx, "model", "default");
    if (!model) return Err(model.error());
    auto max_tokens = RenderInt(ctx, "max_tokens", 1024);
    if (!max_tokens) return Err(max_tokens.error());

    TextRequest req;
    req.model = *model;
    req.system = *system;
    const Pending pending = PendingOf(ctx);
    if (pending.mode == "tweak") {
      // Continue the conversation: earlier turns, then the instruction.
      req.messages = MessagesOf((*ctx.session)["messages"]);
      if (req.messages.empty()) req.messages.push_back({"user", *prompt, {}});
      req.messages.push_back({"user", pending.instruction, {}});
      req.session = ctx.session->value("handle", "");
    } else {
      req.messages.push_back({"user", *prompt, {}});
    }
    const bool regenerate = pending.mode == "regenerate";
    auto temperature = RenderNumber(ctx, "temperature", 0.7);
    if (!temperature) return Err(temperature.error());
    auto knobs = Knobs(ctx);
    if (!knobs) return Err(knobs.error());
    req.temperature = *temperature;
    req.max_tokens = static_cast<int>(*max_tokens);
    if (auto schema = ctx.data->find("schema"); schema != ctx.data->end()) req.json_schema = *schema;
    req.call.idempotency_key = ctx.idempotency_key();
    req.call.attempt = ctx.attempt;
    req.call.knobs = std::move(*knobs);
    req.call.progress = ctx.progress;
    if (regenerate) req.call.knobs["variation"] = ctx.version;  // another take, for providers that are deterministic
    std::string provider;
    auto resp = SendRouted(ctx, *model, req, &provider);
    if (!resp) return Err(resp.error());

    // Structured output is checked before it is accepted; a bad answer is worth another try.
    Json structured;
    if (!req.json_schema.is_null()) {
      auto parsed = ParseJsonText(StripFences(resp->text));
      if (!parsed)
        return Err(Unavailable("the model's answer is not JSON: " + parsed.error().message()));
      if (Status s = CheckAgainstSchema(*parsed, req.json_schema); !s.ok())
        return Err(Unavailable("the model's answer does not follow the schema: " + s.message()));
      structured = std::move(*parsed);
    }

    NodeResult r;
    const bool json = !structured.is_null();
    auto artifact = AddArtifact(ctx, &r, 0, resp->text, "document",
                                json ? "application/json" : "text/markdown",
                                FileStem(ctx.step_id) + (json ? ".json" : ".md"));
    if (!artifact) return Err(artifact.error());
    r.output = {{"text", resp->text},
                {"json", structured},
                {"model", resp->model},
                {"provider", provider},
                {"artifact_id", *artifact}};
    r.usage = resp->usage;
    std::vector<ChatMessage> turns = req.messages;
    turns.push_back({"assistant", resp->text, {}});
    r.session = {{"system", req.system},
                 {"messages", MessagesJson(turns)},
                 {"model", resp->model},
                 {"provider", provider},
                 {"handle", resp->session}};
    return r;
  }
};

class GenerateImageNode final : public NodeExecutor {
 public:
  bool inline_ok() const override { return false; }
  Result<NodeResult> Execute(const NodeContext& ctx) override {
    auto prompt = RenderText(ctx, "prompt", "");
    if (!prompt) return Err(prompt.error());
    auto negative = RenderText(ctx, "negative_prompt", "");
    if (!negative) return Err(negative.error());
    auto model = RenderText(ctx, "model", "image");
    if (!model) return Err(model.error());
    auto size_text = RenderText(ctx, "size", "512x512");
    if (!size_text) return Err(size_text.error());
    auto size = ParseSize(*size_text);
    if (!size) return Err(size.error());
    auto count = RenderInt(ctx, "count", 1);
    if (!count) return Err(count.error());
    if (*count < 1 || *count > 8) return Err(InvalidArgument("count: must be 1..8"));

    ImageRequest req;
    req.model = *model;
    req.prompt = *prompt;
    req.negative_prompt = *negative;
    req.width = size->first;
    req.height = size->second;
    req.count = static_cast<int>(*count);
    if (ctx.data->contains("seed")) {
      auto seed = RenderInt(ctx, "seed", 0);
      if (!seed) return Err(seed.error());
      req.seed = *seed;
    }
    auto refs = RenderField(ctx, "references");
    if (!refs) return Err(refs.error());
    if (!refs->is_null()) {
      Json list = refs->is_array() ? *refs : Json::array({*refs});
      for (size_t k = 0; k < list.size(); ++k) {
        const Json& ref = list[k];
        std::string sha = ref.is_object() ? ref.value("sha256", "") : "";
        auto bytes = ctx.blobs->Get(sha);
        if (!bytes)
          return Err(InvalidArgument("references[" + std::to_string(k) +
                                     "]: not an image this workspace has (" +
                                     bytes.error().message() + ")"));
        req.references.push_back({ref.value("mime", "image/png"), std::move(*bytes)});
      }
    }
    auto knobs = Knobs(ctx);
    if (!knobs) return Err(knobs.error());
    req.call.idempotency_key = ctx.idempotency_key();
    req.call.attempt = ctx.attempt;
    req.call.knobs = std::move(*knobs);
    req.call.progress = ctx.progress;

    const Pending pending = PendingOf(ctx);
    std::vector<ChatMessage> turns;
    Result<ImageResponse> resp = Err(Internal("no call made"));
    std::string provider;
    if (pending.mode == "tweak") {
      // Refine the previous image: its turns and the image itself go to the provider.
      const Json& prev = *ctx.session;
      const Json image = prev.value("image", Json::object());
      auto bytes = ctx.blobs->Get(image.value("sha256", ""));
      if (!bytes)
        return Err(FailedPrecondition("the previous image of step '" + ctx.step_id +
                                      "' is missing: " + bytes.error().message()));
      ImageEditRequest edit;
      edit.model = *model;
      edit.instruction = pending.instruction;
      edit.image = {image.value("mime", "image/png"), std::move(*bytes)};
      edit.history = MessagesOf(prev.value("turns", Json::array()));
      edit.width = image.value("width", req.width);
      edit.height = image.value("height", req.height);
      edit.count = req.count;
      edit.session = prev.value("handle", "");
      edit.call = req.call;
      turns = edit.history;
      turns.push_back({"user", pending.instruction, {}});
      resp = SendRouted(ctx, *model, edit, &provider);
    } else {
      if (pending.mode == "regenerate" && !req.seed) req.seed = SeedFrom(ctx.idempotency_key());
      turns.push_back({"user", req.prompt, {}});
      resp = SendRouted(ctx, *model, req, &provider);
    }
    if (!resp) return Err(resp.error());

    NodeResult r;
    Json images = Json::array();
    int i = 0;
    for (const auto& img : resp->images) {
      auto image = AddImage(ctx, &r, i++, static_cast<int>(resp->images.size()), img, *prompt);
      if (!image) return Err(image.error());
      images.push_back(std::move(*image));
    }
    r.output = {{"images", images},
                {"image", images.empty() ? Json() : images[0]},
                {"model", resp->model},
                {"provider", provider}};
    r.usage = resp->usage;
    r.session = {{"turns", MessagesJson(turns)},
                 {"image", images.empty() ? Json() : images[0]},
                 {"model", resp->model},
                 {"provider", provider},
                 {"handle", resp->session}};
    return r;
  }
};

}  // namespace

void RegisterBuiltinNodes(NodeRegistry* registry) {
  registry->Add("start", std::make_shared<StartNode>());
  registry->Add("generate_text", std::make_shared<GenerateTextNode>());
  registry->Add("generate_image", std::make_shared<GenerateImageNode>());
  RegisterPureNodes(registry);
}

}  // namespace atelier
