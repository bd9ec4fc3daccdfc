// ComfyUiProvider: images from a ComfyUI server running a configured workflow.
//
// The workflow is ComfyUI's API-format graph ("Save (API format)"). For each call the provider
// copies it, writes the request's values into the node inputs named by `inject`, queues it
// (POST /prompt), polls GET /history/{prompt_id} until it completes, and downloads the images of
// its outputs (GET /view). Reference images and the image to edit are uploaded first
// (POST /upload/image, under a name derived from their content) and their file name is injected
// as the "image" value.
//
// Live progress: a call given a ProgressSink (CallInfo::progress) first opens ComfyUI's websocket
// (ws://HOST:PORT/ws?clientId=ID, ID being the client id the prompt is queued with) and reports
// its sampling steps while it polls; see progress_socket.h. Best effort: without the websocket
// (refused, dropped, an https base URL) the call polls and answers exactly as without a sink.
//
// Ownership: the provider shares `http` with its creator. Thread-safety: stateless after
// construction; every method may be called concurrently. Every method blocks until the workflow
// finishes, timeout_ms passes or the token is cancelled.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "atelier/engine/provider.h"
#include "atelier/providers/http/http_client.h"

namespace atelier {

// timeout_ms is the whole call: upload, queue, run and download. The key, when set, is sent as a
// bearer token (ComfyUI behind an authenticating proxy).
struct ComfyUiConfig : HttpEndpoint {
  ComfyUiConfig() {
    base_url = "http://127.0.0.1:8188";
    timeout_ms = 600000;
  }
  // API-format graph: {"3": {"class_type": "KSampler", "inputs": {...}}, ...}.
  nlohmann::json workflow;
  // Value name -> "NODE_ID.inputs.FIELD". Names: prompt, negative_prompt, seed, width, height,
  // image (the uploaded file name of a reference or of the image to edit), batch_size. Values
  // without an entry here are not sent.
  std::map<std::string, std::string> inject;
  int64_t poll_interval_ms = 250;
  // Sent with every queued prompt. A call given a ProgressSink sends this followed by "-" and a
  // unique suffix instead, the client id of the websocket it reads the progress from.
  std::string client_id = "atelier";
  // How long a call given a ProgressSink waits for ComfyUI's websocket to open before it queues
  // the prompt without one (and so without live progress).
  int64_t progress_connect_timeout_ms = 2000;
  // False: no websocket even when the call has a ProgressSink (providers file `"stream": false`),
  // for a proxy that would hold an upgrade open, or when nobody watches.
  bool progress = true;
};

class ComfyUiProvider final : public Provider {
 public:
  ComfyUiProvider(std::string name, ComfyUiConfig config, std::shared_ptr<HttpClient> http);

  std::string name() const override { return name_; }

  // Always InvalidArgument: ComfyUI workflows here generate images only.
  Result<TextResponse> GenerateText(const TextRequest& req, CancelToken& cancel) override;

  // Runs the workflow once per image (seeds seed, seed+1, ...), or once with batch_size = count
  // when "batch_size" is injected. The seed is req.seed, else a hash of the call's idempotency
  // key, so a repeated attempt reproduces its images. Only the first reference image is used.
  // Errors: InvalidArgument when the workflow lacks an injected node or input, or ComfyUI
  // rejects the graph; Unavailable when a run fails or an answer is malformed; DeadlineExceeded
  // after timeout_ms; Cancelled; otherwise what StatusFromHttp and HttpClient return.
  Result<ImageResponse> GenerateImage(const ImageRequest& req, CancelToken& cancel) override;

  // Uploads req.image, injects its name as "image" and the instruction as "prompt". ComfyUI
  // keeps no conversation, so the history is not sent and the session stays empty.
  // InvalidArgument when no "image" input is configured; otherwise as GenerateImage.
  Result<ImageResponse> EditImage(const ImageEditRequest& req, CancelToken& cancel) override;

 private:
  struct Job;  // one call's values and deadline

  Result<ImageResponse> Run(Job job, CancelToken& cancel) const;
  Result<std::string> Upload(const ImageInput& image, const Job& job, CancelToken& cancel) const;
  Result<std::string> Queue(const nlohmann::json& graph, const Job& job, CancelToken& cancel) const;
  // Polls the history until the prompt finished; returns its history entry.
  Result<nlohmann::json> Await(const std::string& prompt_id, const Job& job,
                               CancelToken& cancel) const;
  Result<std::vector<GeneratedImage>> Download(const nlohmann::json& entry, size_t limit,
                                               const Job& job, CancelToken& cancel) const;
  // Sends with the time left before the job's deadline as its timeout (any HTTP status is a
  // successful Result, as from HttpClient); DeadlineExceeded when none is left.
  Result<HttpResponse> Send(HttpRequest req, const Job& job, CancelToken& cancel) const;
  void Authorize(HttpRequest& req) const;  // the bearer key, when configured
  // Best effort: removes a prompt that will not be waited for from ComfyUI's queue.
  void Forget(const std::string& prompt_id) const;

  std::string name_;
  ComfyUiConfig config_;
  std::shared_ptr<HttpClient> http_;
};

}  // namespace atelier
