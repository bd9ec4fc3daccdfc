#include "http_listener.h"

#include <sys/resource.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "atelier/engine/worker_pool.h"

namespace atelier::api {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using std::chrono::milliseconds;

// ---- http_message.h ----------------------------------------------------------------------------

bool CaseLess::operator()(const std::string& a, const std::string& b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) <
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::string HttpRequest::get_header_value(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

std::string HttpRequest::get_param_value(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

void HttpResponse::set_header(const std::string& name, const std::string& value) {
  for (auto& h : headers) {
    if (CaseLess{}(h.first, name) || CaseLess{}(name, h.first)) continue;
    h.second = value;
    return;
  }
  headers.emplace_back(name, value);
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; `plus` turns '+' into a space (query strings). False on a NUL byte.
bool Decode(std::string_view in, bool plus, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        c = static_cast<char>(hi * 16 + lo);
        i += 2;
      }
    } else if (c == '+' && plus) {
      c = ' ';
    }
    if (c == '\0') return false;
    out->push_back(c);
  }
  return true;
}

const char* Reason(int status) {
  return http::obsolete_reason(static_cast<http::status>(status)).data();
}

}  // namespace

bool ParseTarget(HttpRequest* req, std::string* why) {
  std::string_view t = req->target;
  size_t q = t.find('?');
  std::string_view path = t.substr(0, q);
  if (path.empty() || path[0] != '/') {
    *why = "the request target must be a path starting with '/'";
    return false;
  }
  if (!Decode(path, false, &req->path)) {
    *why = "the request path contains a NUL byte";
    return false;
  }
  if (q == std::string_view::npos) return true;
  std::string_view query = t.substr(q + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key;
    std::string value;
    if (!Decode(pair.substr(0, eq), true, &key) ||
        (eq != std::string_view::npos && !Decode(pair.substr(eq + 1), true, &value))) {
      *why = "the query string contains a NUL byte";
      return false;
    }
    req->params.emplace(std::move(key), std::move(value));
  }
  return true;
}

// ---- connections -------------------------------------------------------------------------------

class Session;

class HttpListener::Impl {
 public:
  Impl(ListenerOptions opts, RequestHandler handler, ErrorHandler on_error,
       std::function<bool(const HttpRequest&)> run_inline)
      : opts_(std::move(opts)),
        handler_(std::move(handler)),
        on_error_(std::move(on_error)),
        run_inline_(std::move(run_inline)),
        accept_strand_(net::make_strand(ioc_)),
        acceptor_(accept_strand_) {}
  ~Impl() { Stop(0); }

  Status Start();
  void StopAccepting() {
    if (!started_) return;
    // On the acceptor's strand: an accept completing on another I/O thread must not touch the
    // acceptor while it closes.
    net::post(accept_strand_, [self = this] {
      beast::error_code ec;
      self->acceptor_.close(ec);
    });
  }
  void Stop(int64_t grace_ms);
  int port() const { return port_; }
  int open() const {
    std::lock_guard<std::mutex> l(mu_);
    return open_;
  }

  const ListenerOptions& opts() const { return opts_; }
  const RequestHandler& handler() const { return handler_; }
  const ErrorHandler& on_error() const { return on_error_; }
  bool RunInline(const HttpRequest& r) const { return run_inline_ && run_inline_(r); }
  bool Submit(std::function<void()> fn) {
    return pool_ && pool_->TrySubmit(std::move(fn), opts_.max_queued_requests);
  }

  // Registration of connections per client (accept order), for the caps.
  // False when the connection must be refused.
  bool Register(const std::shared_ptr<Session>& s, std::string* why);
  void Unregister(const std::string& client, uint64_t serial);
  // A connection of `client` was accepted (serial `newest`): over the cap, the client's oldest
  // idle unauthenticated connections are closed, never the new one.
  void EnforceUnauthenticatedCap(const std::string& client, uint64_t newest);

 private:
  void Accept();

  ListenerOptions opts_;
  RequestHandler handler_;
  ErrorHandler on_error_;
  std::function<bool(const HttpRequest&)> run_inline_;
  // Declared before the I/O context: handlers it still holds when it is destroyed end sessions,
  // which unregister here.
  mutable std::mutex mu_;
  int open_ = 0;
  uint64_t next_serial_ = 0;
  std::map<std::string, std::map<uint64_t, std::weak_ptr<Session>>> clients_;
  net::io_context ioc_;
  // Every operation on the acceptor (accept completions, close) runs on this strand.
  net::strand<net::io_context::executor_type> accept_strand_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> io_threads_;
  std::unique_ptr<WorkerPool> pool_;
  int port_ = 0;
  bool started_ = false;
  bool stopped_ = false;
  friend class Session;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpListener::Impl* owner, std::string client)
      : stream_(std::move(socket)),
        deadline_(stream_.get_executor()),
        owner_(owner),
        client_(std::move(client)) {}

  ~Session() { owner_->Unregister(client_, serial_); }

  uint64_t serial_ = 0;
  std::atomic<bool> authenticated_{false};
  std::atomic<bool> busy_{false};  // a request is being handled or answered, or a stream is open

  const std::string& client() const { return client_; }

  void Start() { ReadRequest(); }

  // Writes a 503 and closes: the connection was refused by a cap.
  void Refuse(const std::string& why) {
    HttpRequest req;
    req.remote_addr = client_;
    HttpResponse res;
    owner_->on_error()(req, 503, "unavailable", why, res);
    keep_alive_ = false;
    Send(req, std::move(res));
  }

  // From any thread: close the connection (pending operations end with an error).
  void Close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->CloseNow(); });
  }

  // ---- streaming (StreamSink) ----
  void StreamWrite(std::string text, std::function<void(bool)> done, bool last) {
    net::post(stream_.get_executor(),
              [self = shared_from_this(), text = std::move(text), done = std::move(done), last] {
                if (self->closed_ || self->stream_ended_) {
                  if (done) done(false);
                  return;
                }
                std::string frame;
                if (last) {
                  self->stream_ended_ = true;
                  frame = "0\r\n\r\n";
                } else {
                  if (text.empty()) {
                    if (done) done(true);
                    return;
                  }
                  char size[24];
                  std::snprintf(size, sizeof size, "%zx\r\n", text.size());
                  frame = size + text + "\r\n";
                }
                self->out_.push_back({std::move(frame), std::move(done), last});
                if (!self->writing_) self->WriteNextChunk();
              });
  }

 private:
  struct Chunk {
    std::string bytes;
    std::function<void(bool)> done;
    bool last = false;
  };

  void CloseNow() {
    if (closed_) return;
    closed_ = true;
    deadline_.cancel();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    for (auto& c : out_)
      if (c.done) c.done(false);
    out_.clear();
  }

  void ReadRequest() {
    if (closed_) return;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(owner_->opts().max_header_bytes));
    parser_->body_limit(owner_->opts().max_body_bytes);
    ArmDeadline(owner_->opts().header_timeout_ms);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              self->OnHeader(ec);
                            });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return ReadFailed(ec, true);
    deadline_.cancel();
    busy_ = true;
    auto& msg = parser_->get();
    if (msg.target().size() > owner_->opts().max_request_line)
      return Reject(414, "uri_too_long",
                    "the request target is longer than the limit of " +
                        std::to_string(owner_->opts().max_request_line) + " bytes");
    if (auto len = parser_->content_length(); len && *len > owner_->opts().max_body_bytes)
      return Reject(413, "payload_too_large",
                    "the request body is larger than the limit of " +
                        std::to_string(owner_->opts().max_body_bytes) + " bytes");
    if (parser_->is_done()) return OnBody({});
    auto expect = msg[http::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      auto cont = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
      stream_.expires_after(milliseconds(owner_->opts().write_timeout_ms));
      net::async_write(stream_, net::buffer(*cont),
                       [self = shared_from_this(), cont](beast::error_code wec, size_t) {
                         if (wec) return self->CloseNow();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  // Reads have their own deadline (not the stream's, which closes the socket when it expires) so
  // that a request that is too slow can still be told so with a 408.
  void ArmDeadline(int64_t ms) {
    timed_out_ = false;
    deadline_.expires_after(milliseconds(ms));
    deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled: the read finished first
      self->timed_out_ = true;
      beast::error_code ignored;
      self->stream_.socket().cancel(ignored);
    });
  }

  void ReadBody() {
    ArmDeadline(owner_->opts().body_timeout_ms);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
  }

  void ReadFailed(beast::error_code ec, bool in_header) {
    busy_ = true;
    deadline_.cancel();
    if (timed_out_ && ec == net::error::operation_aborted) ec = beast::error::timeout;
    if (ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset || closed_)
      return CloseNow();
    if (ec == beast::error::timeout) {
      // Nothing read yet on this request: an idle keep-alive connection, closed quietly.
      if (buffer_.size() == 0 && in_header) return CloseNow();
      return Reject(408, "request_timeout",
                    in_header ? "the request's headers did not arrive within " +
                                    std::to_string(owner_->opts().header_timeout_ms) + " ms"
                              : "the request body did not arrive within " +
                                    std::to_string(owner_->opts().body_timeout_ms) + " ms");
    }
    if (ec == http::error::header_limit) {
      // No line end within the limit: the request line itself is too long.
      auto data = buffer_.data();
      std::string_view seen(static_cast<const char*>(data.data()), data.size());
      if (seen.find("\r\n") == std::string_view::npos &&
          seen.size() >= owner_->opts().max_request_line)
        return Reject(414, "uri_too_long",
                      "the request line is longer than the limit of " +
                          std::to_string(owner_->opts().max_request_line) + " bytes");
      return Reject(431, "headers_too_large",
                    "the request line and headers are larger than the limit of " +
                        std::to_string(owner_->opts().max_header_bytes) + " bytes");
    }
    if (ec == http::error::body_limit)
      return Reject(413, "payload_too_large",
                    "the request body is larger than the limit of " +
                        std::to_string(owner_->opts().max_body_bytes) + " bytes");
    if (ec == http::error::partial_message) return CloseNow();
    Reject(400, "invalid_argument", "malformed HTTP request: " + ec.message());
  }

  // Answers an error the transport found, then closes (what follows on the wire cannot be trusted).
  void Reject(int status, const std::string& code, const std::string& message) {
    HttpRequest req;
    req.remote_addr = client_;
    if (parser_ && parser_->is_header_done()) {
      req.method = std::string(parser_->get().method_string());
      req.target = std::string(parser_->get().target());
    }
    HttpResponse res;
    owner_->on_error()(req, status, code, message, res);
    keep_alive_ = false;
    Send(req, std::move(res));
  }

  void OnBody(beast::error_code ec) {
    if (ec) return ReadFailed(ec, false);
    deadline_.cancel();
    auto msg = parser_->release();
    auto req = std::make_shared<HttpRequest>();
    req->method = std::string(msg.method_string());
    req->target = std::string(msg.target());
    req->remote_addr = client_;
    for (const auto& f : msg) req->headers.emplace(std::string(f.name_string()), std::string(f.value()));
    req->body = std::move(msg.body());
    keep_alive_ = msg.keep_alive();
    std::string why;
    if (!ParseTarget(req.get(), &why)) return Reject(400, "invalid_argument", why);

    auto run = [self = shared_from_this(), req] {
      auto res = std::make_shared<HttpResponse>();
      self->owner_->handler()(*req, *res);
      net::post(self->stream_.get_executor(),
                [self, req, res] { self->Send(*req, std::move(*res)); });
    };
    if (owner_->RunInline(*req)) {
      HttpResponse res;
      owner_->handler()(*req, res);
      return Send(*req, std::move(res));
    }
    if (!owner_->Submit(run)) {
      HttpResponse res;
      owner_->on_error()(*req, 503, "unavailable",
                         "the server is busy (too many requests queued); try again shortly", res);
      keep_alive_ = false;
      Send(*req, std::move(res));
    }
  }

  void Send(const HttpRequest& req, HttpResponse res) {
    if (closed_) return;
    if (res.authenticated) authenticated_ = true;  // no longer counts against that cap
    if (res.on_stream) return SendStreamHead(std::move(res));
    auto out = std::make_shared<http::response<http::string_body>>();
    out->version(11);
    out->result(static_cast<unsigned>(res.status));
    for (const auto& [k, v] : res.headers) out->insert(k, v);
    if (!res.content_type.empty()) out->set(http::field::content_type, res.content_type);
    size_t length = res.body.size();
    if (res.status != 204 && res.status != 304) {
      out->body() = std::move(res.body);
      out->content_length(length);
      if (req.method == "HEAD") out->body().clear();
    }
    out->keep_alive(keep_alive_);
    stream_.expires_after(milliseconds(owner_->opts().write_timeout_ms));
    http::async_write(stream_, *out, [self = shared_from_this(), out](beast::error_code ec, size_t) {
      self->busy_ = false;
      if (ec) return self->CloseNow();
      if (!self->keep_alive_) return self->Linger();
      self->ReadRequest();
    });
  }

  void SendStreamHead(HttpResponse res) {
    std::string head = "HTTP/1.1 " + std::to_string(res.status) + " " + Reason(res.status) + "\r\n";
    if (!res.content_type.empty()) head += "Content-Type: " + res.content_type + "\r\n";
    for (const auto& [k, v] : res.headers) head += k + ": " + v + "\r\n";
    head += "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    auto bytes = std::make_shared<std::string>(std::move(head));
    auto on_stream = std::move(res.on_stream);
    stream_.expires_after(milliseconds(owner_->opts().write_timeout_ms));
    net::async_write(stream_, net::buffer(*bytes),
                     [self = shared_from_this(), bytes, on_stream](beast::error_code ec, size_t) {
                       if (ec) return self->CloseNow();
                       self->stream_.expires_never();
                       self->WatchForClose();
                       on_stream(self->MakeSink());
                     });
  }

  // Closes after a response without keep-alive: the sending side first, then what the client is
  // still sending (the rest of a refused body) is read and dropped for a moment, so that the
  // client reads the response instead of a connection reset.
  void Linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    ArmDeadline(2000);
    DrainSome(std::make_shared<std::array<char, 16384>>(), 8 << 20);
  }

  void DrainSome(std::shared_ptr<std::array<char, 16384>> buf, size_t budget) {
    stream_.socket().async_read_some(
        net::buffer(*buf), [self = shared_from_this(), buf, budget](beast::error_code ec, size_t n) {
          if (ec || n >= budget) return self->CloseNow();
          self->DrainSome(buf, budget - n);
        });
  }

  // While a stream is open, a read that ends tells that the client went away.
  void WatchForClose() {
    auto buf = std::make_shared<std::array<char, 512>>();
    stream_.socket().async_read_some(
        net::buffer(*buf), [self = shared_from_this(), buf](beast::error_code ec, size_t) {
          if (ec) return self->CloseNow();
          self->WatchForClose();  // bytes after a streamed request are ignored
        });
  }

  std::shared_ptr<StreamSink> MakeSink();

  void WriteNextChunk() {
    if (out_.empty() || closed_) {
      writing_ = false;
      return;
    }
    writing_ = true;
    stream_.expires_after(milliseconds(owner_->opts().write_timeout_ms));
    net::async_write(stream_, net::buffer(out_.front().bytes),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (self->closed_) return;
                       self->stream_.expires_never();
                       Chunk c = std::move(self->out_.front());
                       self->out_.pop_front();
                       if (c.done) c.done(!ec);
                       if (ec || c.last) return self->CloseNow();
                       self->WriteNextChunk();
                     });
  }

  beast::tcp_stream stream_;
  net::steady_timer deadline_;  // for reads
  bool timed_out_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpListener::Impl* owner_;  // outlives every session (see Impl's members)
  std::string client_;
  bool keep_alive_ = true;
  bool closed_ = false;
  bool writing_ = false;
  bool stream_ended_ = false;
  std::deque<Chunk> out_;
};

namespace {

class SessionSink : public StreamSink {
 public:
  explicit SessionSink(std::shared_ptr<Session> s) : s_(std::move(s)) {}
  ~SessionSink() override { End(); }
  void Write(std::string text, std::function<void(bool)> done) override {
    s_->StreamWrite(std::move(text), std::move(done), false);
  }
  void End() override {
    if (!ended_.exchange(true)) s_->StreamWrite("", nullptr, true);
  }

 private:
  std::shared_ptr<Session> s_;
  std::atomic<bool> ended_{false};
};

}  // namespace

std::shared_ptr<StreamSink> Session::MakeSink() {
  return std::make_shared<SessionSink>(shared_from_this());
}

// ---- the listener ------------------------------------------------------------------------------

bool HttpListener::Impl::Register(const std::shared_ptr<Session>& s, std::string* why) {
  std::lock_guard<std::mutex> l(mu_);
  if (open_ >= opts_.max_connections) {
    *why = "the server has too many open connections (" + std::to_string(opts_.max_connections) +
           "); try again shortly";
    return false;
  }
  auto& mine = clients_[s->client()];
  for (auto it = mine.begin(); it != mine.end();) it = it->second.expired() ? mine.erase(it) : ++it;
  if (static_cast<int>(mine.size()) >= opts_.max_connections_per_client) {
    *why = "too many open connections from " + s->client() + " (the limit is " +
           std::to_string(opts_.max_connections_per_client) + ")";
    return false;
  }
  s->serial_ = ++next_serial_;
  mine.emplace(s->serial_, s);
  ++open_;
  return true;
}

void HttpListener::Impl::Unregister(const std::string& client, uint64_t serial) {
  std::lock_guard<std::mutex> l(mu_);
  if (serial == 0) return;
  --open_;
  auto it = clients_.find(client);
  if (it == clients_.end()) return;
  it->second.erase(serial);
  if (it->second.empty()) clients_.erase(it);
}

void HttpListener::Impl::EnforceUnauthenticatedCap(const std::string& client, uint64_t newest) {
  // Every session seen is held until the lock is released: dropping the last reference to one
  // under the lock would run its destructor, which unregisters under the same lock.
  std::vector<std::shared_ptr<Session>> held;
  std::vector<Session*> to_close;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = clients_.find(client);
    if (it == clients_.end()) return;
    std::vector<Session*> idle;
    int unauthenticated = 0;
    for (auto& [serial, weak] : it->second) {
      std::shared_ptr<Session> s = weak.lock();
      if (!s) continue;
      held.push_back(s);
      if (s->authenticated_) continue;
      ++unauthenticated;
      if (!s->busy_ && serial != newest) idle.push_back(s.get());  // oldest first (accept order)
    }
    for (size_t i = 0; unauthenticated > opts_.max_unauthenticated_per_client && i < idle.size();
         ++i, --unauthenticated)
      to_close.push_back(idle[i]);
  }
  for (Session* s : to_close) s->Close();
}

Status HttpListener::Impl::Start() {
  // Event streams are file descriptors: take what the hard limit allows.
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &lim);
  }
  beast::error_code ec;
  auto address = net::ip::make_address(opts_.host, ec);
  if (ec) {
    tcp::resolver resolver(ioc_);
    auto found = resolver.resolve(opts_.host, "", ec);
    if (ec || found.empty())
      return Unavailable("cannot listen on " + opts_.host + ": not an address of this machine");
    address = found.begin()->endpoint().address();
  }
  tcp::endpoint ep(address, static_cast<unsigned short>(opts_.port));
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return Unavailable("cannot listen on " + opts_.host + ":" + std::to_string(opts_.port) +
                       " (" + ec.message() + ")");
  port_ = acceptor_.local_endpoint().port();
  pool_ = std::make_unique<WorkerPool>(std::max(opts_.worker_threads, 1));
  Accept();
  for (int i = 0; i < std::max(opts_.io_threads, 1); ++i)
    io_threads_.emplace_back([this] { ioc_.run(); });
  started_ = true;
  return Status::Ok();
}

void HttpListener::Impl::Accept() {
  acceptor_.async_accept(
      net::make_strand(ioc_),
      net::bind_executor(accept_strand_, [self = this](beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
        if (!ec) {
          beast::error_code ignored;
          socket.set_option(tcp::no_delay(true), ignored);
          auto remote = socket.remote_endpoint(ignored);
          std::string client = ignored ? "unknown" : remote.address().to_string();
          auto s = std::make_shared<Session>(std::move(socket), self, client);
          std::string why;
          if (!self->Register(s, &why)) {
            s->Refuse(why);
          } else {
            self->EnforceUnauthenticatedCap(client, s->serial_);
            s->Start();
          }
        }
        self->Accept();
      }));
}

void HttpListener::Impl::Stop(int64_t grace_ms) {
  if (stopped_ || !started_) {
    stopped_ = true;
    return;
  }
  stopped_ = true;
  StopAccepting();
  // Idle connections go now; those answering a request finish it first.
  auto close_idle = [this](bool all_of_them) {
    std::vector<std::shared_ptr<Session>> all;
    {
      std::lock_guard<std::mutex> l(mu_);
      for (auto& [client, sessions] : clients_)
        for (auto& [serial, weak] : sessions)
          if (auto s = weak.lock()) all.push_back(std::move(s));
    }
    for (auto& s : all)
      if (all_of_them || !s->busy_) s->Close();
  };
  close_idle(false);
  pool_->Join();  // requests already read are answered
  auto deadline = std::chrono::steady_clock::now() + milliseconds(grace_ms);
  while (open() > 0 && std::chrono::steady_clock::now() < deadline) {
    close_idle(false);
    std::this_thread::sleep_for(milliseconds(5));
  }
  close_idle(true);
  for (int i = 0; i < 100 && open() > 0; ++i) std::this_thread::sleep_for(milliseconds(2));
  ioc_.stop();
  for (auto& t : io_threads_)
    if (t.joinable()) t.join();
  io_threads_.clear();
}

HttpListener::HttpListener(ListenerOptions opts, RequestHandler handler, ErrorHandler on_error,
                           std::function<bool(const HttpRequest&)> run_inline)
    : impl_(std::make_unique<Impl>(std::move(opts), std::move(handler), std::move(on_error),
                                   std::move(run_inline))) {}
HttpListener::~HttpListener() { Stop(); }
Status HttpListener::Start() { return impl_->Start(); }
int HttpListener::port() const { return impl_->port(); }
void HttpListener::Stop(int64_t grace_ms) { impl_->Stop(grace_ms); }
void HttpListener::StopAccepting() { impl_->StopAccepting(); }
int HttpListener::open_connections() const { return impl_->open(); }

}  // namespace atelier::api
