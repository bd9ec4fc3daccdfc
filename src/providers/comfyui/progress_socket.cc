#include "progress_socket.h"

#include <algorithm>
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <string_view>
#include <utility>

#include "atelier/core/json_limits.h"

namespace atelier {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// How often a wait looks at the cancel token: its latency when a call is cancelled.
constexpr std::chrono::milliseconds kSlice{50};
// Steps above this are not a sampler's; also keeps run * max far from overflowing.
constexpr int64_t kMaxSteps = int64_t{1} << 31;
// How long Drain waits for a prompt's last frames once its history says it finished. ComfyUI
// records the history as soon as the run ends, while its last frames ("progress" max/max,
// "executing" with no node) wait in its send queue, so they can arrive just after.
constexpr std::chrono::milliseconds kDrainWait{100};

std::optional<int64_t> Count(const Json& data, const char* key) {
  auto it = data.find(key);
  if (it == data.end()) return std::nullopt;
  if (it->is_number_unsigned()) {
    auto v = it->get<uint64_t>();
    if (v <= static_cast<uint64_t>(kMaxSteps)) return static_cast<int64_t>(v);
  } else if (it->is_number_integer()) {
    auto v = it->get<int64_t>();
    if (v >= 0 && v <= kMaxSteps) return v;
  }
  return std::nullopt;
}

std::string StringAt(const Json& data, const char* key) {
  auto it = data.find(key);
  return it != data.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

class ProgressSocket::Impl {
 public:
  Impl(std::string base_url, std::string client_id, std::string authorization, ProgressSink* sink)
      : base_url_(std::move(base_url)),
        client_id_(std::move(client_id)),
        authorization_(std::move(authorization)),
        sink_(sink) {}

  ~Impl() {
    Close();
    // Lets the aborted operations finish (they see state_ == kClosed and start nothing), so none
    // is left holding the stream when it is destroyed.
    RunFor(std::chrono::milliseconds(0));
  }

  bool Connect(int64_t timeout_ms, CancelToken& cancel) {
    if (state_ != State::kIdle) return state_ == State::kOpen;
    if (!ParseTarget()) {
      state_ = State::kClosed;
      return false;
    }
    state_ = State::kConnecting;
    try {
      ws_.set_option(
          websocket::stream_base::decorator([auth = authorization_](websocket::request_type& req) {
            req.set(beast::http::field::user_agent, "atelier");
            if (!auth.empty()) req.set(beast::http::field::authorization, auth);
          }));
      // Binary previews are skipped chunk by chunk as they arrive and text is bounded by
      // kMaxTextFrame in OnRead, so Beast's own limit (which would fail the connection on a large
      // preview) is lifted.
      ws_.read_message_max(0);
      beast::error_code ec;
      auto address = asio::ip::make_address(host_, ec);
      if (!ec) {
        beast::get_lowest_layer(ws_).async_connect(tcp::endpoint(address, port_),
                                                   [this](beast::error_code e) { OnConnected(e); });
      } else {
        resolver_.async_resolve(
            host_, std::to_string(port_),
            [this](beast::error_code e, const tcp::resolver::results_type& results) {
              if (state_ == State::kClosed) return;
              if (e) return Close();
              beast::get_lowest_layer(ws_).async_connect(
                  results, [this](beast::error_code e2, const tcp::endpoint&) { OnConnected(e2); });
            });
      }
    } catch (const std::exception&) {
      Close();
      return false;
    }
    auto until = Clock::now() + std::chrono::milliseconds(std::max<int64_t>(timeout_ms, 0));
    while (state_ == State::kConnecting && !cancel.cancelled()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      if (left.count() <= 0) break;
      RunFor(std::min(left, kSlice));
    }
    if (state_ != State::kOpen) {
      Close();
      return false;
    }
    StartRead();
    return state_ == State::kOpen;
  }

  bool connected() const { return state_ == State::kOpen; }

  void Expect(const std::string& prompt_id, int run, int runs) {
    prompt_id_ = prompt_id;
    run_ = std::max(run, 0);
    runs_ = std::max(runs, 1);
    finished_ = false;
    finish_reported_ = false;
    reported_ = false;
  }

  bool Wait(int64_t ms, CancelToken& cancel) {
    auto until = Clock::now() + std::chrono::milliseconds(ms);
    while (true) {
      if (cancel.cancelled()) return false;
      if (finished_ && !finish_reported_) {
        finish_reported_ = true;
        return true;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      if (left.count() <= 0) return true;
      if (state_ != State::kOpen) return cancel.SleepFor(left.count());
      RunFor(std::min(left, kSlice));
    }
  }

  void Drain() {
    if (state_ != State::kOpen) return;
    RunFor(std::chrono::milliseconds(0));
    // Only for a prompt whose steps were coming and whose end has not been seen: a connected
    // socket that reports nothing adds no wait.
    auto until = Clock::now() + kDrainWait;
    while (state_ == State::kOpen && reported_ && !finished_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      if (left.count() <= 0) break;
      RunFor(std::min(left, kSlice));
    }
  }

 private:
  enum class State { kIdle, kConnecting, kOpen, kClosed };

  // ws://HOST:PORT/PREFIX/ws?clientId=ID from http://HOST:PORT/PREFIX. https is not supported:
  // ComfyUI's own server speaks plain HTTP, and TLS (behind a proxy) would need OpenSSL's TLS
  // library linked here for progress alone, so such a base URL gets no live progress.
  bool ParseTarget() {
    static constexpr std::string_view kScheme = "http://";
    if (base_url_.size() < kScheme.size()) return false;
    for (size_t i = 0; i < kScheme.size(); ++i) {
      char c = base_url_[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != kScheme[i]) return false;
    }
    std::string rest = base_url_.substr(kScheme.size());
    size_t slash = rest.find_first_of("/?#");
    std::string authority = rest.substr(0, slash);
    std::string prefix = slash == std::string::npos ? "" : rest.substr(slash);
    prefix = prefix.substr(0, prefix.find_first_of("?#"));
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    if (authority.empty() || authority.find('@') != std::string::npos) return false;
    std::string port = "80";
    if (authority[0] == '[') {  // [v6]:port
      size_t close = authority.find(']');
      if (close == std::string::npos) return false;
      host_ = authority.substr(1, close - 1);
      if (close + 1 < authority.size()) {
        if (authority[close + 1] != ':') return false;
        port = authority.substr(close + 2);
      }
    } else {
      size_t colon = authority.rfind(':');
      host_ = authority.substr(0, colon);
      if (colon != std::string::npos) port = authority.substr(colon + 1);
    }
    if (host_.empty() || port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    int number = std::stoi(port);
    if (number < 1 || number > 65535) return false;
    port_ = static_cast<uint16_t>(number);
    host_header_ = authority;
    target_ = prefix + "/ws?clientId=" + client_id_;
    return true;
  }

  void OnConnected(beast::error_code e) {
    if (state_ == State::kClosed) return;
    if (e) return Close();
    ws_.async_handshake(host_header_, target_, [this](beast::error_code e2) {
      if (state_ == State::kClosed) return;
      if (e2) return Close();  // a 404 or any other answer than 101, a dropped connection
      state_ = State::kOpen;
    });
  }

  void StartRead() {
    ws_.async_read_some(asio::buffer(chunk_),
                        [this](beast::error_code e, size_t n) { OnRead(e, n); });
  }

  void OnRead(beast::error_code e, size_t n) {
    if (state_ == State::kClosed) return;
    if (e) return Close();  // closed by the server, dropped, or not websocket at all
    bool text = ws_.got_text();
    if (text && !oversize_) {
      if (message_.size() + n > kMaxTextFrame) {
        oversize_ = true;
        std::string().swap(message_);
      } else {
        message_.append(chunk_.data(), n);
      }
    }
    if (ws_.is_message_done()) {
      if (text && !oversize_) Handle(message_);
      message_.clear();
      oversize_ = false;
    }
    StartRead();
  }

  // One text frame. Anything that is not a well-formed message of interest is ignored.
  void Handle(const std::string& text) {
    if (!CheckJsonTextDepth(text).ok()) return;
    Json message = Json::parse(text, nullptr, false);
    if (!message.is_object()) return;
    auto type_it = message.find("type");
    auto data_it = message.find("data");
    if (type_it == message.end() || !type_it->is_string() || data_it == message.end() ||
        !data_it->is_object()) {
      return;
    }
    const std::string type = type_it->get<std::string>();
    const Json& data = *data_it;
    std::string prompt_id = StringAt(data, "prompt_id");
    if (!prompt_id.empty() && prompt_id != prompt_id_) return;  // another prompt's
    if (type == "progress") {
      auto value = Count(data, "value");
      auto max = Count(data, "max");
      if (!value || !max || *max == 0 || *value > *max) return;
      reported_ = true;
      sink_->Steps(run_ * *max + *value, runs_ * *max);
      return;
    }
    // "executing" with no node: ComfyUI finished the prompt (successfully or not); older versions
    // send it without a prompt_id (this client id's prompts are all this call's).
    auto node = data.find("node");
    bool done_executing = type == "executing" && node != data.end() && node->is_null();
    bool ended = !prompt_id.empty() && (type == "execution_success" || type == "execution_error" ||
                                        type == "execution_interrupted");
    if (done_executing || ended) finished_ = true;
  }

  void Close() {
    state_ = State::kClosed;
    beast::error_code ignored;
    resolver_.cancel();
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  // Runs the handlers that are ready, and waits up to `d` for more. A handler that throws (a
  // bad_alloc) ends the socket, not the call.
  void RunFor(std::chrono::milliseconds d) {
    try {
      if (io_.stopped()) io_.restart();
      if (d.count() <= 0) {
        io_.poll();
      } else {
        io_.run_for(d);
      }
    } catch (const std::exception&) {
      Close();
    }
  }

  const std::string base_url_;
  const std::string client_id_;
  const std::string authorization_;
  ProgressSink* const sink_;

  std::string host_;
  std::string host_header_;
  uint16_t port_ = 0;
  std::string target_;

  asio::io_context io_;  // declared before what runs on it, so destroyed after it
  tcp::resolver resolver_{io_};
  websocket::stream<beast::tcp_stream> ws_{io_};
  State state_ = State::kIdle;

  std::array<char, 16384> chunk_{};
  std::string message_;  // the text message being read
  bool oversize_ = false;

  std::string prompt_id_;
  int64_t run_ = 0;
  int64_t runs_ = 1;
  bool finished_ = false;
  bool finish_reported_ = false;
  bool reported_ = false;  // a step of the expected prompt was reported
};

ProgressSocket::ProgressSocket(std::string base_url, std::string client_id,
                               std::string authorization, ProgressSink* sink)
    : impl_(std::make_unique<Impl>(std::move(base_url), std::move(client_id),
                                   std::move(authorization), sink)) {}

ProgressSocket::~ProgressSocket() = default;

bool ProgressSocket::Connect(int64_t timeout_ms, CancelToken& cancel) {
  return impl_->Connect(timeout_ms, cancel);
}
bool ProgressSocket::connected() const { return impl_->connected(); }
void ProgressSocket::Expect(const std::string& prompt_id, int run, int runs) {
  impl_->Expect(prompt_id, run, runs);
}
bool ProgressSocket::Wait(int64_t ms, CancelToken& cancel) { return impl_->Wait(ms, cancel); }
void ProgressSocket::Drain() { impl_->Drain(); }

}  // namespace atelier
