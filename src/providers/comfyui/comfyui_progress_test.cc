// Live sampling progress of the ComfyUI provider, read from ComfyUI's websocket, against a
// loopback server that speaks both HTTP (/prompt, /history, /view) and the websocket (/ws) on one
// port, as ComfyUI does.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "atelier/providers/comfyui/comfyui_provider.h"
#include "atelier/providers/http/curl_http_client.h"
#include "tests/loopback_server.h"

namespace atelier {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using StepList = std::vector<std::pair<int64_t, int64_t>>;

// What the server's /ws does with an upgrade request.
enum class Ws {
  kProgress,      // accepts; for each prompt queued with its client id: status, the steps 1..4 of
                  // that prompt (another prompt's step and a 2 MB binary preview among them), done
  kJunkThenDrop,  // accepts; binary, malformed and oversized frames, steps 1 and 2, then drops
                  // the TCP connection midway through the prompt
  kRefused,       // answers the upgrade with 404, as a server or proxy without /ws does
  kSilent,        // reads the upgrade request and never answers it
};

Json Frame(const std::string& type, Json data) { return Json{{"type", type}, {"data", data}}; }

Json Progress(int64_t value, int64_t max, const std::string& prompt_id) {
  return Frame("progress",
               {{"value", value}, {"max", max}, {"prompt_id", prompt_id}, {"node", "3"}});
}

// A stand-in for ComfyUI on 127.0.0.1 and a free port, on blocking Beast sockets: one thread
// accepts, one thread serves each connection. A prompt queued by a client whose websocket is
// open is finished in the history only after its frames were written, so that whether the
// provider reports them does not depend on timing.
class ComfyWithSocket {
 public:
  explicit ComfyWithSocket(Ws mode, bool never_finish = false)
      : mode_(mode), never_finish_(never_finish) {
    tcp::endpoint at(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(at.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(at);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~ComfyWithSocket() { Stop(); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void Stop() {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    {  // wakes the blocking accept
      asio::io_context io;
      tcp::socket wake(io);
      beast::error_code ec;
      wake.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
      accept_thread_.join();
    }
    {
      // Ends the blocking reads and writes of every connection; the sockets stay open (and their
      // descriptors ours) until the threads are joined.
      std::lock_guard<std::mutex> l(mu_);
      for (auto& s : sockets_) ::shutdown(s->native_handle(), SHUT_RDWR);
      for (auto& w : sockets_ws_) ::shutdown(w->next_layer().native_handle(), SHUT_RDWR);
    }
    for (auto& t : threads_) t.join();
  }

  std::vector<Json> posted() {
    std::lock_guard<std::mutex> l(mu_);
    return posted_;
  }
  std::vector<std::string> ws_client_ids() {  // of every upgrade request, in order
    std::lock_guard<std::mutex> l(mu_);
    return ws_client_ids_;
  }
  std::vector<std::string> ws_authorizations() {  // of every upgrade request, in order
    std::lock_guard<std::mutex> l(mu_);
    return ws_authorizations_;
  }
  int history_polls() {
    std::lock_guard<std::mutex> l(mu_);
    return history_polls_;
  }

 private:
  struct Prompt {
    bool frames_pending = false;  // its websocket frames are not all written yet
    int polls = 0;
  };

  void AcceptLoop() {
    while (true) {
      auto socket = std::make_shared<tcp::socket>(io_);
      beast::error_code ec;
      acceptor_.accept(*socket, ec);
      std::lock_guard<std::mutex> l(mu_);
      if (stopping_) return;
      if (ec) continue;
      sockets_.push_back(socket);
      threads_.emplace_back([this, socket] { Serve(*socket); });
    }
  }

  void Serve(tcp::socket& socket) {
    beast::flat_buffer buffer;
    while (true) {
      http::request<http::string_body> req;
      beast::error_code ec;
      http::read(socket, buffer, req, ec);
      if (ec) return;
      if (std::string(req.target()).rfind("/ws", 0) == 0) return ServeSocket(socket, req);
      http::response<http::string_body> res = Route(req);
      res.version(req.version());
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      http::write(socket, res, ec);
      if (ec || !res.keep_alive()) return;
    }
  }

  http::response<http::string_body> Route(const http::request<http::string_body>& req) {
    std::lock_guard<std::mutex> l(mu_);
    http::response<http::string_body> res;
    res.result(http::status::ok);
    res.set(http::field::content_type, "application/json");
    std::string target(req.target());
    if (req.method() == http::verb::post && target == "/prompt") {
      Json body = Json::parse(req.body(), nullptr, false);
      posted_.push_back(body);
      std::string id = "prompt-" + std::to_string(posted_.size());
      std::string client_id = body.is_object() ? body.value("client_id", "") : "";
      Prompt& p = prompts_[id];
      if (auto it = scripts_.find(client_id); it != scripts_.end()) {
        it->second.push_back(id);
        p.frames_pending = true;
        cv_.notify_all();
      }
      res.body() = Json({{"prompt_id", id}, {"number", posted_.size()}}).dump();
    } else if (req.method() == http::verb::get && target.rfind("/history/", 0) == 0) {
      ++history_polls_;
      std::string id = target.substr(9);
      auto it = prompts_.find(id);
      if (never_finish_ || it == prompts_.end() || it->second.frames_pending ||
          ++it->second.polls < 2) {
        res.body() = "{}";
      } else {
        Json images = Json::array(
            {{{"filename", "ComfyUI_" + id + ".png"}, {"subfolder", ""}, {"type", "output"}}});
        Json entry = {{"outputs", {{"9", {{"images", images}}}}},
                      {"status", {{"status_str", "success"}, {"completed", true}}}};
        res.body() = Json({{id, entry}}).dump();
      }
    } else if (req.method() == http::verb::get && target.rfind("/view?", 0) == 0) {
      res.set(http::field::content_type, "image/png");
      res.body() = testing::RedPng();
    } else {
      res.result(http::status::not_found);
      res.body() = "{}";
    }
    return res;
  }

  void ServeSocket(tcp::socket& socket, const http::request<http::string_body>& req) {
    std::string target(req.target());
    size_t at = target.find("clientId=");
    std::string client_id = at == std::string::npos ? "" : target.substr(at + 9);
    {
      std::lock_guard<std::mutex> l(mu_);
      ws_client_ids_.push_back(client_id);
      ws_authorizations_.push_back(std::string(req[http::field::authorization]));
    }
    if (mode_ == Ws::kRefused) {
      http::response<http::string_body> res{http::status::not_found, req.version()};
      res.body() = "404: Not Found";
      res.prepare_payload();
      beast::error_code ec;
      http::write(socket, res, ec);
      return;
    }
    std::unique_lock<std::mutex> l(mu_);
    if (mode_ == Ws::kSilent) {
      cv_.wait(l, [&] { return stopping_; });
      return;
    }
    // Registered before the upgrade is answered: the client queues its prompt right after.
    auto& queued = scripts_[client_id];
    auto ws = std::make_shared<websocket::stream<tcp::socket>>(std::move(socket));
    sockets_ws_.push_back(ws);
    l.unlock();
    beast::error_code ec;
    ws->accept(req, ec);
    if (ec) return;
    while (true) {
      l.lock();
      cv_.wait(l, [&] { return stopping_ || !queued.empty(); });
      if (stopping_) return;
      std::string prompt_id = queued.front();
      queued.pop_front();
      l.unlock();
      bool dropped = WriteFrames(*ws, prompt_id);
      l.lock();
      prompts_[prompt_id].frames_pending = false;
      l.unlock();
      if (dropped) return;
    }
  }

  // The frames of one prompt; true when the connection was dropped after them.
  bool WriteFrames(websocket::stream<tcp::socket>& ws, const std::string& id) {
    beast::error_code ec;
    auto text = [&](const std::string& s) {
      ws.text(true);
      ws.write(asio::buffer(s), ec);
    };
    auto binary = [&](const std::string& s) {
      ws.binary(true);
      ws.write(asio::buffer(s), ec);
    };
    // ComfyUI's previews: an 8-byte header (event type, image type), then the image.
    std::string preview = std::string("\0\0\0\1\0\0\0\2", 8) + testing::BluePng();
    if (mode_ == Ws::kProgress) {
      text(Frame("status", {{"status", {{"exec_info", {{"queue_remaining", 1}}}}}}).dump());
      text(Frame("execution_start", {{"prompt_id", id}}).dump());
      text(Frame("executing", {{"node", "3"}, {"prompt_id", id}}).dump());
      text(Progress(7, 9, "someone-elses-prompt").dump());
      text(Progress(1, 4, id).dump());
      binary(preview);
      text(Progress(2, 4, id).dump());
      preview.resize(2 << 20, 'x');  // a large preview, over the text bound
      binary(preview);
      text(Progress(3, 4, id).dump());
      text(Progress(4, 4, id).dump());
      text(Frame("executing", {{"node", nullptr}, {"prompt_id", id}}).dump());
      return false;
    }
    binary(preview);
    text("this is not JSON {");
    text(R"({"type": "progress", "data": {"value": "1", "max": 4}})");
    text(R"({"type": "progress", "data": {"value": 5, "max": 4}})");
    text(R"([1, 2, 3])");
    Json oversized = Progress(99, 99, id);
    oversized["pad"] = std::string(1200000, 'p');  // over the 1 MB bound: skipped whole
    text(oversized.dump());
    text(Progress(1, 4, id).dump());
    text(Progress(2, 4, id).dump());
    ::shutdown(ws.next_layer().native_handle(), SHUT_RDWR);
    return true;
  }

  const Ws mode_;
  const bool never_finish_;
  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  uint16_t port_ = 0;
  std::thread accept_thread_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;
  std::vector<std::shared_ptr<websocket::stream<tcp::socket>>> sockets_ws_;
  std::vector<std::thread> threads_;  // touched by the accept thread until it is joined
  std::vector<Json> posted_;
  std::vector<std::string> ws_client_ids_;
  std::vector<std::string> ws_authorizations_;
  std::map<std::string, std::deque<std::string>> scripts_;  // client id -> prompts to report
  std::map<std::string, Prompt> prompts_;
  int history_polls_ = 0;
};

// Records the steps reported and the threads that reported them.
class ThreadSink final : public ProgressSink {
 public:
  void Restart() override {
    std::lock_guard<std::mutex> l(mu_);
    ++restarts_;
    steps_.clear();
  }
  void Text(std::string_view) override {}
  void Steps(int64_t value, int64_t max) override {
    std::lock_guard<std::mutex> l(mu_);
    steps_.emplace_back(value, max);
    threads_.insert(std::this_thread::get_id());
  }
  StepList steps() {
    std::lock_guard<std::mutex> l(mu_);
    return steps_;
  }
  std::set<std::thread::id> threads() {
    std::lock_guard<std::mutex> l(mu_);
    return threads_;
  }
  int restarts() {
    std::lock_guard<std::mutex> l(mu_);
    return restarts_;
  }

 private:
  std::mutex mu_;
  int restarts_ = 0;
  StepList steps_;
  std::set<std::thread::id> threads_;
};

ComfyUiConfig Config(const std::string& url) {
  ComfyUiConfig config;
  config.base_url = url;
  config.workflow = Json::parse(R"({
    "3": {"class_type": "KSampler", "inputs": {"seed": 0, "steps": 4}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "PROMPT"}},
    "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI"}}
  })");
  config.inject = {{"prompt", "6.inputs.text"}, {"seed", "3.inputs.seed"}};
  config.poll_interval_ms = 10;
  config.timeout_ms = 5000;
  config.client_id = "atelier-test";
  return config;
}

ImageRequest Request(ProgressSink* sink, int count = 1) {
  ImageRequest req;
  req.model = "comfy/sdxl";
  req.prompt = "A lighthouse at dusk";
  req.count = count;
  req.call.idempotency_key = "ex_1/hero/v1/a1";
  req.call.progress = sink;
  return req;
}

Result<ImageResponse> Generate(const ComfyUiConfig& config, ProgressSink* sink, int count = 1) {
  ComfyUiProvider provider("comfy", config, std::make_shared<CurlHttpClient>());
  CancelToken cancel;
  return provider.GenerateImage(Request(sink, count), cancel);
}

TEST(ComfyUiProgressTest, StepsOfTheQueuedPromptReachTheSinkInOrderOnTheCallingThread) {
  ComfyWithSocket server(Ws::kProgress);
  ComfyUiConfig config = Config(server.url());
  config.api_key = "sk-comfy";  // ComfyUI behind an authenticating proxy
  ThreadSink sink;
  auto resp = Generate(config, &sink);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  ASSERT_EQ(resp->images.size(), 1u);
  EXPECT_EQ(resp->images[0].bytes, testing::RedPng());
  EXPECT_EQ(server.ws_authorizations(), std::vector<std::string>{"Bearer sk-comfy"});
  // Not the other prompt's 7/9; the previews (one of 2 MB) are skipped without ending the socket.
  EXPECT_EQ(sink.steps(), (StepList{{1, 4}, {2, 4}, {3, 4}, {4, 4}}));
  EXPECT_EQ(sink.threads(), std::set<std::thread::id>{std::this_thread::get_id()});
  EXPECT_EQ(sink.restarts(), 1);
  // The prompt was queued with the websocket's client id, a unique one under the configured.
  auto posted = server.posted();
  auto ids = server.ws_client_ids();
  ASSERT_EQ(posted.size(), 1u);
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(posted[0]["client_id"], ids[0]);
  EXPECT_EQ(ids[0].rfind("atelier-test-", 0), 0u) << ids[0];
}

TEST(ComfyUiProgressTest, SeveralImagesMakeOneRisingCountAndEachCallHasItsOwnClientId) {
  ComfyWithSocket server(Ws::kProgress);
  ThreadSink sink;
  auto resp = Generate(Config(server.url()), &sink, /*count=*/2);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->images.size(), 2u);
  EXPECT_EQ(sink.steps(),
            (StepList{{1, 8}, {2, 8}, {3, 8}, {4, 8}, {5, 8}, {6, 8}, {7, 8}, {8, 8}}));
  ThreadSink again;
  ASSERT_TRUE(Generate(Config(server.url()), &again).has_value());
  EXPECT_EQ(again.steps(), (StepList{{1, 4}, {2, 4}, {3, 4}, {4, 4}}));
  auto ids = server.ws_client_ids();
  ASSERT_EQ(ids.size(), 2u);  // one websocket a call, not one an image
  EXPECT_NE(ids[0], ids[1]);
  auto posted = server.posted();
  ASSERT_EQ(posted.size(), 3u);
  EXPECT_EQ(posted[0]["client_id"], ids[0]);
  EXPECT_EQ(posted[1]["client_id"], ids[0]);
  EXPECT_EQ(posted[2]["client_id"], ids[1]);
}

TEST(ComfyUiProgressTest, WithoutASinkNoWebsocketIsOpened) {
  ComfyWithSocket server(Ws::kProgress);
  auto resp = Generate(Config(server.url()), nullptr);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->images.size(), 1u);
  EXPECT_TRUE(server.ws_client_ids().empty());
  auto posted = server.posted();
  ASSERT_EQ(posted.size(), 1u);
  EXPECT_EQ(posted[0]["client_id"], "atelier-test");  // the configured one, as before
}

TEST(ComfyUiProgressTest, StreamOffOpensNoWebsocketEvenWithASink) {
  ComfyWithSocket server(Ws::kProgress);
  ComfyUiConfig config = Config(server.url());
  config.progress = false;  // the providers file's "stream": false
  ThreadSink sink;
  auto resp = Generate(config, &sink);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->images.size(), 1u);
  EXPECT_TRUE(server.ws_client_ids().empty());
  EXPECT_TRUE(sink.steps().empty());
  auto posted = server.posted();
  ASSERT_EQ(posted.size(), 1u);
  EXPECT_EQ(posted[0]["client_id"], "atelier-test");
}

TEST(ComfyUiProgressTest, ARefusedUpgradeStillAnswersTheImageWithNoSteps) {
  ComfyWithSocket server(Ws::kRefused);
  ThreadSink sink;
  auto resp = Generate(Config(server.url()), &sink);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  ASSERT_EQ(resp->images.size(), 1u);
  EXPECT_EQ(resp->images[0].bytes, testing::RedPng());
  EXPECT_TRUE(sink.steps().empty());
  EXPECT_EQ(server.ws_client_ids().size(), 1u);  // it was tried
  EXPECT_GE(server.history_polls(), 2);          // and the history polled instead
}

TEST(ComfyUiProgressTest, JunkFramesAndADroppedSocketDoNotStopTheImage) {
  ComfyWithSocket server(Ws::kJunkThenDrop);
  ThreadSink sink;
  auto resp = Generate(Config(server.url()), &sink);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  ASSERT_EQ(resp->images.size(), 1u);
  // Only the well-formed steps; not the 99/99 hidden in the oversized frame.
  EXPECT_EQ(sink.steps(), (StepList{{1, 4}, {2, 4}}));
}

TEST(ComfyUiProgressTest, AnUnansweredUpgradeDelaysTheCallOnlyByTheConnectTimeout) {
  ComfyWithSocket server(Ws::kSilent);
  ComfyUiConfig config = Config(server.url());
  config.progress_connect_timeout_ms = 300;
  ThreadSink sink;
  auto start = Clock::now();
  auto resp = Generate(config, &sink);
  auto elapsed = Clock::now() - start;
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->images.size(), 1u);
  EXPECT_TRUE(sink.steps().empty());
  EXPECT_EQ(server.ws_client_ids().size(), 1u);
  EXPECT_GE(elapsed, std::chrono::milliseconds(250));
  EXPECT_LT(elapsed, std::chrono::milliseconds(2000));
}

TEST(ComfyUiProgressTest, CancelWhileReadingTheWebsocketReturnsCancelledPromptly) {
  ComfyWithSocket server(Ws::kProgress, /*never_finish=*/true);
  ComfyUiConfig config = Config(server.url());
  config.poll_interval_ms = 2000;  // cancellation must not wait for the next poll
  ComfyUiProvider provider("comfy", config, std::make_shared<CurlHttpClient>());
  ThreadSink sink;
  CancelToken cancel;
  Clock::time_point cancelled_at;
  std::thread canceller([&] {
    // Cancels once the steps were read from the socket (the history never finishes), so the
    // wait being cancelled is the one reading the websocket.
    auto give_up = Clock::now() + std::chrono::seconds(5);
    while (sink.steps().size() < 4 && Clock::now() < give_up)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    cancelled_at = Clock::now();
    cancel.Cancel("execution stopped");
  });
  auto resp = provider.GenerateImage(Request(&sink), cancel);
  auto returned_at = Clock::now();
  canceller.join();
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kCancelled) << resp.error().ToString();
  EXPECT_LT(returned_at - cancelled_at, std::chrono::milliseconds(500));
  EXPECT_EQ(sink.steps(), (StepList{{1, 4}, {2, 4}, {3, 4}, {4, 4}}));  // read while waiting
}

}  // namespace
}  // namespace atelier
