#include "atelier/providers/comfyui/comfyui_provider.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <tuple>
#include <utility>

#include "atelier/core/hash.h"
#include "atelier/core/json_limits.h"
#include "atelier/engine/image_format.h"
#include "progress_socket.h"

namespace atelier {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kInjectNames[] = {"prompt", "negative_prompt", "seed",      "width",
                                        "height", "image",           "batch_size"};
// Seeds stay below 2^53 so that every JSON reader holds them exactly.
constexpr uint64_t kSeedMask = (uint64_t{1} << 53) - 1;

std::string Excerpt(const std::string& s, size_t max = 300) {
  if (s.size() <= max) return s;
  return s.substr(0, max) + "...";
}

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

const Json* Member(const Json& j, const std::string& key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string StringMember(const Json& j, const std::string& key) {
  const Json* v = Member(j, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

std::string UrlEncode(const std::string& s) {
  static const char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.' || c == '~';
    if (keep) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 0xf];
    }
  }
  return out;
}

// A client id no other call shares: ComfyUI keeps one websocket per client id (a second
// connection with the same id replaces the first), and sends a prompt's progress to the socket
// of the client id it was queued with.
std::string UniqueClientId(const std::string& prefix) {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 random{std::random_device{}()};
  uint64_t n = random() ^ (counter.fetch_add(1) * 0x9E3779B97F4A7C15ULL);
  return prefix + "-" + Hex16(n);
}

// Sorts node ids numerically where they are numbers ("9" before "10"), as ComfyUI numbers them.
bool NodeIdLess(const std::string& a, const std::string& b) {
  auto numeric = [](const std::string& s) {
    return !s.empty() && s.size() < 18 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (numeric(a) && numeric(b)) return std::stoll(a) < std::stoll(b);
  return a < b;
}

// Writes `value` at `spec` ("NODE_ID.inputs.FIELD") in `graph`; the node and every key on the
// path must already exist, so that a typo in the configuration fails instead of being ignored.
Status InjectAt(const std::string& provider, Json& graph, const std::string& name,
                const std::string& spec, Json value) {
  size_t dot = spec.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 >= spec.size()) {
    return InvalidArgument(provider + ": inject." + name + " = '" + spec +
                           "' is not of the form NODE_ID.inputs.FIELD");
  }
  std::string node_id = spec.substr(0, dot);
  auto node = graph.find(node_id);
  if (node == graph.end() || !node->is_object()) {
    return InvalidArgument(provider + ": the workflow has no node '" + node_id + "' (inject." +
                           name + " = '" + spec + "')");
  }
  Json* at = &*node;
  std::string path = spec.substr(dot + 1);
  size_t start = 0;
  while (true) {
    size_t end = path.find('.', start);
    std::string key =
        path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    auto it = at->is_object() ? at->find(key) : at->end();
    if (key.empty() || !at->is_object() || it == at->end()) {
      return InvalidArgument(provider + ": the workflow's node '" + node_id + "' has no '" + path +
                             "' (inject." + name + " = '" + spec + "')");
    }
    if (end == std::string::npos) {
      *it = std::move(value);
      return Status::Ok();
    }
    at = &*it;
    start = end + 1;
  }
}

// ComfyUI's own account of a rejected graph: the error and every node error.
std::string ComfyError(const Json& answer) {
  std::string text;
  if (const Json* error = Member(answer, "error")) {
    if (error->is_string()) {
      text = error->get<std::string>();
    } else {
      text = StringMember(*error, "message");
      std::string details = StringMember(*error, "details");
      if (!details.empty()) text += (text.empty() ? "" : ": ") + details;
    }
  }
  if (const Json* nodes = Member(answer, "node_errors"); nodes && nodes->is_object()) {
    for (const auto& [id, node] : nodes->items()) {
      std::string line = "node " + id;
      std::string cls = StringMember(node, "class_type");
      if (!cls.empty()) line += " (" + cls + ")";
      if (const Json* errors = Member(node, "errors"); errors && errors->is_array()) {
        for (const auto& e : *errors) {
          line += ": " + StringMember(e, "message");
          std::string details = StringMember(e, "details");
          if (!details.empty()) line += " (" + details + ")";
        }
      }
      text += (text.empty() ? "" : "; ") + line;
    }
  }
  return text.empty() ? Excerpt(Dump(answer)) : text;
}

bool HasComfyError(const Json& answer) {
  const Json* error = Member(answer, "error");
  const Json* nodes = Member(answer, "node_errors");
  bool has_error = error && !error->is_null() && !(error->is_string() && error->empty());
  bool has_nodes = nodes && !nodes->is_null() && !nodes->empty();
  return has_error || has_nodes;
}

// Why a run failed, from its history status messages ([["execution_error", {...}], ...]).
std::string RunError(const Json& status) {
  std::string text;
  if (const Json* messages = Member(status, "messages"); messages && messages->is_array()) {
    for (const auto& m : *messages) {
      if (!m.is_array() || m.size() < 2 || !m[0].is_string()) continue;
      std::string kind = m[0].get<std::string>();
      if (kind == "execution_error") {
        const Json& d = m[1];
        std::string line = "node " + StringMember(d, "node_id");
        std::string type = StringMember(d, "node_type");
        if (!type.empty()) line += " (" + type + ")";
        std::string exception = StringMember(d, "exception_type");
        line += ": " + (exception.empty() ? "" : exception + ": ") +
                StringMember(d, "exception_message");
        text += (text.empty() ? "" : "; ") + line;
      } else if (kind == "execution_interrupted") {
        text += (text.empty() ? "" : "; ") + std::string("interrupted");
      }
    }
  }
  if (text.empty()) {
    const Json* messages = Member(status, "messages");
    text = messages ? Excerpt(Dump(*messages)) : "no details";
  }
  return text;
}

}  // namespace

struct ComfyUiProvider::Job {
  std::string model;
  std::string prompt;
  std::string negative_prompt;
  int64_t seed = 0;
  int width = 0;
  int height = 0;
  int count = 1;
  const ImageInput* image = nullptr;  // uploaded and injected as "image" when set
  Clock::time_point deadline;
  ProgressSink* sink = nullptr;        // the caller's, or null: no websocket is opened
  std::string client_id;               // sent with POST /prompt; the websocket's when there is one
  ProgressSocket* progress = nullptr;  // open while the call runs, when there is a sink
};

ComfyUiProvider::ComfyUiProvider(std::string name, ComfyUiConfig config,
                                 std::shared_ptr<HttpClient> http)
    : name_(std::move(name)), config_(std::move(config)), http_(std::move(http)) {
  while (!config_.base_url.empty() && config_.base_url.back() == '/') config_.base_url.pop_back();
}

Result<TextResponse> ComfyUiProvider::GenerateText(const TextRequest& req, CancelToken& cancel) {
  (void)req;
  (void)cancel;
  return Err(InvalidArgument("comfyui provider '" + name_ + "' generates images only"));
}

Result<ImageResponse> ComfyUiProvider::GenerateImage(const ImageRequest& req, CancelToken& cancel) {
  Job job;
  job.model = req.model;
  job.prompt = req.prompt;
  job.negative_prompt = req.negative_prompt;
  std::string key = req.call.idempotency_key.empty() ? req.prompt : req.call.idempotency_key;
  job.seed = req.seed ? *req.seed : static_cast<int64_t>(Fnv1a64(key) & kSeedMask);
  job.width = req.width;
  job.height = req.height;
  job.count = req.count;
  if (!req.references.empty() && config_.inject.count("image")) job.image = &req.references[0];
  job.deadline = Clock::now() + std::chrono::milliseconds(config_.timeout_ms);
  job.sink = req.call.progress;
  return Run(std::move(job), cancel);
}

Result<ImageResponse> ComfyUiProvider::EditImage(const ImageEditRequest& req, CancelToken& cancel) {
  if (!config_.inject.count("image")) {
    return Err(InvalidArgument("comfyui provider '" + name_ +
                               "' has no 'image' input to inject, so it cannot edit images"));
  }
  if (req.image.bytes.empty()) return Err(InvalidArgument(name_ + ": no image to edit"));
  Job job;
  job.model = req.model;
  job.prompt = req.instruction;
  std::string key = req.call.idempotency_key.empty() ? req.instruction : req.call.idempotency_key;
  job.seed = static_cast<int64_t>(Fnv1a64(key) & kSeedMask);
  job.width = req.width;
  job.height = req.height;
  job.count = req.count;
  job.image = &req.image;
  job.deadline = Clock::now() + std::chrono::milliseconds(config_.timeout_ms);
  job.sink = req.call.progress;
  return Run(std::move(job), cancel);
}

Result<ImageResponse> ComfyUiProvider::Run(Job job, CancelToken& cancel) const {
  if (!config_.workflow.is_object() || config_.workflow.empty()) {
    return Err(InvalidArgument(name_ + ": the workflow is not an API-format graph (an object of "
                                       "nodes)"));
  }
  if (job.count < 1) return Err(InvalidArgument(name_ + ": count must be at least 1"));
  // Checks every path before anything is uploaded or queued.
  Json probe = config_.workflow;
  for (const auto& [value_name, spec] : config_.inject) {
    if (std::find(std::begin(kInjectNames), std::end(kInjectNames), value_name) ==
        std::end(kInjectNames)) {
      return Err(InvalidArgument(name_ + ": unknown inject name '" + value_name +
                                 "' (expected prompt, negative_prompt, seed, width, height, "
                                 "image or batch_size)"));
    }
    if (Status s = InjectAt(name_, probe, value_name, spec, Json()); !s.ok()) return Err(s);
  }

  try {
    std::optional<std::string> image_name;
    if (job.image) {
      auto uploaded = Upload(*job.image, job, cancel);
      if (!uploaded) return Err(uploaded.error());
      image_name = std::move(*uploaded);
    }
    bool batched = config_.inject.count("batch_size") > 0;
    int runs = batched ? 1 : job.count;

    // Live progress: the websocket is opened before the first prompt is queued with its client
    // id, so that no step is missed. Best effort: whether it opens or not, the call goes on
    // polling the history as without a sink, and it is closed when the call returns.
    job.client_id = config_.client_id;
    std::unique_ptr<ProgressSocket> progress;
    if (job.sink != nullptr && config_.progress) {
      job.sink->Restart();
      job.client_id = UniqueClientId(config_.client_id);
      std::string authorization = config_.api_key.empty() ? "" : "Bearer " + config_.api_key;
      progress = std::make_unique<ProgressSocket>(config_.base_url, UrlEncode(job.client_id),
                                                  authorization, job.sink);
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(job.deadline - Clock::now());
      if (progress->Connect(std::min<int64_t>(config_.progress_connect_timeout_ms, left.count()),
                            cancel)) {
        job.progress = progress.get();
      }
      if (cancel.cancelled()) return Err(Cancelled(name_ + ": cancelled: " + cancel.reason()));
    }

    ImageResponse out;
    out.model = job.model;
    for (int run = 0; run < runs; ++run) {
      Json graph = config_.workflow;
      auto set = [&](const char* value_name, Json value) -> Status {
        auto it = config_.inject.find(value_name);
        if (it == config_.inject.end()) return Status::Ok();
        return InjectAt(name_, graph, value_name, it->second, std::move(value));
      };
      int64_t seed = static_cast<int64_t>(
          (static_cast<uint64_t>(job.seed) + static_cast<uint64_t>(run)) & kSeedMask);
      std::vector<Status> results = {set("prompt", job.prompt), set("seed", seed),
                                     set("width", job.width), set("height", job.height)};
      // An empty negative prompt keeps the workflow's own.
      if (!job.negative_prompt.empty())
        results.push_back(set("negative_prompt", job.negative_prompt));
      if (image_name) results.push_back(set("image", *image_name));
      if (batched) results.push_back(set("batch_size", job.count));
      for (const auto& s : results) {
        if (!s.ok()) return Err(s);
      }

      auto prompt_id = Queue(graph, job, cancel);
      if (!prompt_id) return Err(prompt_id.error());
      if (job.progress) job.progress->Expect(*prompt_id, run, runs);
      auto entry = Await(*prompt_id, job, cancel);
      if (!entry) return Err(entry.error());
      size_t limit = static_cast<size_t>(job.count) - out.images.size();
      auto images = Download(*entry, limit, job, cancel);
      if (!images) return Err(images.error());
      if (images->empty()) {
        return Err(Unavailable(name_ + ": prompt " + *prompt_id + " finished without images"));
      }
      for (auto& img : *images) out.images.push_back(std::move(img));
      if (out.images.size() >= static_cast<size_t>(job.count)) break;
    }
    out.usage.images = static_cast<int64_t>(out.images.size());
    return out;
  } catch (const Json::exception& e) {
    return Err(Unavailable(name_ + ": unexpected answer: " + e.what()));
  }
}

void ComfyUiProvider::Authorize(HttpRequest& req) const {
  if (!config_.api_key.empty()) req.headers.push_back({"Authorization", "Bearer " + config_.api_key});
}

Result<HttpResponse> ComfyUiProvider::Send(HttpRequest req, const Job& job,
                                           CancelToken& cancel) const {
  if (cancel.cancelled()) return Err(Cancelled(name_ + ": cancelled: " + cancel.reason()));
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(job.deadline - Clock::now());
  if (left.count() <= 0) {
    return Err(DeadlineExceeded(name_ + ": no answer within " + std::to_string(config_.timeout_ms) +
                                " ms"));
  }
  req.timeout_ms = left.count();
  req.connect_timeout_ms = std::min<int64_t>(req.connect_timeout_ms, left.count());
  Authorize(req);
  return http_->Send(req, cancel);
}

Result<std::string> ComfyUiProvider::Upload(const ImageInput& image, const Job& job,
                                            CancelToken& cancel) const {
  std::string mime = SniffImageMime(image.bytes);
  if (mime.empty()) mime = image.mime.empty() ? "application/octet-stream" : image.mime;
  // Named after the content: concurrent calls uploading the same image write the same file.
  std::string filename = "atelier-" + Hex16(Fnv1a64(image.bytes)) + ImageExtension(mime);
  HttpRequest req;
  req.method = "POST";
  req.url = config_.base_url + "/upload/image";
  req.form = {{"image", image.bytes, filename, mime}, {"overwrite", "true", "", ""}};
  auto resp = Send(std::move(req), job, cancel);
  if (!resp) return Err(resp.error());
  if (resp->status < 200 || resp->status > 299) return Err(StatusFromHttp(name_, *resp));
  if (Status deep = CheckJsonTextDepth(resp->body); !deep.ok())
    return Err(Unavailable(name_ + ": the upload answer cannot be read: " + deep.message()));
  Json answer = Json::parse(resp->body, nullptr, false);
  std::string name = StringMember(answer, "name");
  if (name.empty()) {
    return Err(Unavailable(name_ + ": the upload answer has no file name: " + Excerpt(resp->body)));
  }
  std::string subfolder = StringMember(answer, "subfolder");
  return subfolder.empty() ? name : subfolder + "/" + name;
}

Result<std::string> ComfyUiProvider::Queue(const Json& graph, const Job& job,
                                           CancelToken& cancel) const {
  HttpRequest req;
  req.method = "POST";
  req.url = config_.base_url + "/prompt";
  req.headers.push_back({"Content-Type", "application/json"});
  req.body = Dump(Json{{"prompt", graph}, {"client_id", job.client_id}});
  auto resp = Send(std::move(req), job, cancel);
  if (!resp) return Err(resp.error());
  if (Status deep = CheckJsonTextDepth(resp->body); !deep.ok())
    return Err(Unavailable(name_ + ": the /prompt answer cannot be read: " + deep.message()));
  Json answer = Json::parse(resp->body, nullptr, false);
  bool ok = resp->status >= 200 && resp->status <= 299;
  // A graph that fails validation comes back as 400 (200 on some versions) with ComfyUI's own
  // error and node errors, which say more than the status.
  if ((ok || resp->status == 400) && answer.is_object() && HasComfyError(answer)) {
    return Err(InvalidArgument(name_ + ": ComfyUI rejected the workflow: " + ComfyError(answer)));
  }
  if (!ok) return Err(StatusFromHttp(name_, *resp));
  std::string prompt_id = StringMember(answer, "prompt_id");
  if (prompt_id.empty()) {
    return Err(
        Unavailable(name_ + ": the /prompt answer has no prompt_id: " + Excerpt(resp->body)));
  }
  return prompt_id;
}

Result<Json> ComfyUiProvider::Await(const std::string& prompt_id, const Job& job,
                                    CancelToken& cancel) const {
  while (true) {
    HttpRequest req;
    req.method = "GET";
    req.url = config_.base_url + "/history/" + UrlEncode(prompt_id);
    auto resp = Send(std::move(req), job, cancel);
    if (!resp) {
      if (resp.error().code() == Code::kCancelled || resp.error().code() == Code::kDeadlineExceeded)
        Forget(prompt_id);
      return Err(resp.error());
    }
    if (resp->status < 200 || resp->status > 299) return Err(StatusFromHttp(name_, *resp));
    if (Status deep = CheckJsonTextDepth(resp->body); !deep.ok())
      return Err(Unavailable(name_ + ": the history answer cannot be read: " + deep.message()));
    Json history = Json::parse(resp->body, nullptr, false);
    if (history.is_discarded() || !history.is_object()) {
      return Err(
          Unavailable(name_ + ": the history answer is not a JSON object: " + Excerpt(resp->body)));
    }
    if (const Json* entry = Member(history, prompt_id); entry && entry->is_object()) {
      const Json* status = Member(*entry, "status");
      if (status && StringMember(*status, "status_str") == "error") {
        return Err(Unavailable(name_ + ": prompt " + prompt_id + " failed: " + RunError(*status)));
      }
      const Json* completed = status ? Member(*status, "completed") : nullptr;
      bool done = completed && completed->is_boolean() && completed->get<bool>();
      // Versions without a status block record a prompt in the history only once it has run.
      if (done || (!status && Member(*entry, "outputs"))) {
        if (job.progress) job.progress->Drain();  // its last steps, which may trail the history
        return *entry;
      }
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(job.deadline - Clock::now());
    if (left.count() <= 0) {
      Forget(prompt_id);
      return Err(DeadlineExceeded(name_ + ": prompt " + prompt_id + " did not finish within " +
                                  std::to_string(config_.timeout_ms) + " ms"));
    }
    // With a websocket the wait reads its frames (reporting progress on this thread) and ends
    // early when ComfyUI says the prompt finished; without one it only sleeps.
    int64_t wait_ms = std::min<int64_t>(config_.poll_interval_ms, left.count());
    bool waited = job.progress ? job.progress->Wait(wait_ms, cancel) : cancel.SleepFor(wait_ms);
    if (!waited) {
      Forget(prompt_id);
      return Err(Cancelled(name_ + ": cancelled: " + cancel.reason()));
    }
  }
}

Result<std::vector<GeneratedImage>> ComfyUiProvider::Download(const Json& entry, size_t limit,
                                                              const Job& job,
                                                              CancelToken& cancel) const {
  struct FileRef {
    std::string filename, subfolder, type;
  };
  std::vector<FileRef> files;
  const Json* outputs = Member(entry, "outputs");
  if (outputs && outputs->is_object()) {
    std::vector<std::string> ids;
    for (const auto& item : outputs->items()) ids.push_back(item.key());
    std::sort(ids.begin(), ids.end(), NodeIdLess);
    for (const auto& id : ids) {
      const Json* images = Member((*outputs)[id], "images");
      if (!images || !images->is_array()) continue;
      for (const auto& img : *images) {
        FileRef f{StringMember(img, "filename"), StringMember(img, "subfolder"),
                  StringMember(img, "type")};
        if (!f.filename.empty()) files.push_back(std::move(f));
      }
    }
  }
  // Previews ("temp") duplicate the saved images ("output") where a workflow has both.
  if (std::any_of(files.begin(), files.end(),
                  [](const FileRef& f) { return f.type == "output"; })) {
    files.erase(std::remove_if(files.begin(), files.end(),
                               [](const FileRef& f) { return f.type != "output"; }),
                files.end());
  }
  std::vector<GeneratedImage> out;
  for (const auto& f : files) {
    if (out.size() >= limit) break;
    HttpRequest req;
    req.method = "GET";
    req.url = config_.base_url + "/view?filename=" + UrlEncode(f.filename) +
              "&subfolder=" + UrlEncode(f.subfolder) + "&type=" + UrlEncode(f.type);
    auto resp = Send(std::move(req), job, cancel);
    if (!resp) return Err(resp.error());
    if (resp->status < 200 || resp->status > 299) return Err(StatusFromHttp(name_, *resp));
    if (resp->body.empty()) {
      return Err(Unavailable(name_ + ": the image '" + f.filename + "' came back empty"));
    }
    GeneratedImage img;
    img.mime = SniffImageMime(resp->body);
    if (img.mime.empty()) {
      std::string type = resp->Header("content-type");
      img.mime = type.rfind("image/", 0) == 0 ? type.substr(0, type.find(';'))
                                              : "application/octet-stream";
    }
    if (img.mime == "image/png")
      std::tie(img.width, img.height) = SniffImageSize(resp->body);
    img.bytes = std::move(resp->body);
    out.push_back(std::move(img));
  }
  return out;
}

void ComfyUiProvider::Forget(const std::string& prompt_id) const {
  HttpRequest req;
  req.method = "POST";
  req.url = config_.base_url + "/queue";
  req.headers.push_back({"Content-Type", "application/json"});
  req.body = Dump(Json{{"delete", Json::array({prompt_id})}});
  req.timeout_ms = 2000;
  req.connect_timeout_ms = 1000;
  Authorize(req);
  CancelToken fresh;  // the caller's token may be the one that fired
  (void)http_->Send(req, fresh);
}

}  // namespace atelier
