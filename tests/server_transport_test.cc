// The HTTP transport under hostile clients, over raw sockets on loopback: idle and half-sent
// requests, open event streams, oversized request lines and headers, bodies that are not JSON,
// NUL bytes, connection caps. Each test checks that everybody else is still served at once.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "atelier/app/app.h"
#include "atelier/server/api_keys.h"
#include "atelier/server/server.h"
#include "tests/test_env.h"

namespace atelier::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

// One client connection, spoken to byte by byte.
class Conn {
 public:
  explicit Conn(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Conn() {
    if (fd_ >= 0) ::close(fd_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  bool ok() const { return ok_; }
  bool Send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Reads until `done(text)` holds, the peer closes, or `ms` pass. Returns what was read.
  std::string ReadUntil(int ms, const std::function<bool(const std::string&)>& done) {
    auto deadline = SteadyClock::now() + std::chrono::milliseconds(ms);
    while (!done(buf_)) {
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      deadline - SteadyClock::now())
                                      .count());
      if (left <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, left) <= 0) break;
      char tmp[4096];
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      buf_.append(tmp, static_cast<size_t>(n));
    }
    return buf_;
  }
  // A whole response with a Content-Length body (or none).
  std::string ReadResponse(int ms = 5000) {
    return ReadUntil(ms, [](const std::string& t) {
      size_t end = t.find("\r\n\r\n");
      if (end == std::string::npos) return false;
      size_t cl = Lower(t.substr(0, end)).find("content-length: ");
      if (cl == std::string::npos) return true;
      size_t len = std::stoul(t.substr(cl + 16));
      return t.size() >= end + 4 + len;
    });
  }
  // True when the server closed the connection within `ms`.
  bool ClosedWithin(int ms) {
    ReadUntil(ms, [this](const std::string&) { return closed_; });
    return closed_;
  }
  void Clear() { buf_.clear(); }

  static std::string Lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

 private:
  int fd_ = -1;
  bool ok_ = false;
  bool closed_ = false;
  std::string buf_;
};

int StatusOf(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

std::string HeaderOf(const std::string& response, const std::string& name) {
  std::string head = Conn::Lower(response.substr(0, response.find("\r\n\r\n")));
  size_t at = head.find("\r\n" + Conn::Lower(name) + ": ");
  if (at == std::string::npos) return "";
  size_t from = at + name.size() + 4;
  return response.substr(from, response.find("\r\n", from) - from);
}

Json BodyOf(const std::string& response) {
  size_t end = response.find("\r\n\r\n");
  if (end == std::string::npos) return Json();
  return Json::parse(response.substr(end + 4), nullptr, false);
}

class TransportTest : public ::testing::Test {
 protected:
  void Start(ServerOptions so) {
    AppOptions o;
    o.db_path = dir_ / "atelier.db";
    o.workers = 2;
    auto app = App::Open(o);
    ASSERT_TRUE(app.has_value()) << app.error().ToString();
    app_ = std::move(*app);
    for (Role r : {Role::kViewer, Role::kEditor}) {
      auto k = CreateApiKey(app_->accounts(), "default", r, RoleName(r), 1);
      ASSERT_TRUE(k.has_value()) << k.error().ToString();
      keys_[RoleName(r)] = k->secret;
    }
    so.port = 0;
    so.log = [](const std::string&) {};
    server_ = std::make_unique<Server>(app_.get(), so);
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    port_ = server_->port();
  }
  void TearDown() override {
    server_.reset();
    app_.reset();
  }

  // A request on a fresh connection; the whole response.
  std::string Request(const std::string& raw, int ms = 5000) {
    Conn c(port_);
    EXPECT_TRUE(c.ok());
    EXPECT_TRUE(c.Send(raw));
    return c.ReadResponse(ms);
  }
  std::string Get(const std::string& path, const std::string& key = "") {
    std::string auth = key.empty() ? "" : "Authorization: Bearer " + key + "\r\n";
    return Request("GET " + path + " HTTP/1.1\r\nHost: t\r\n" + auth + "Connection: close\r\n\r\n");
  }
  // Milliseconds a GET takes to answer (with its status).
  double TimedGet(const std::string& path, const std::string& key, int* status) {
    auto t0 = SteadyClock::now();
    *status = StatusOf(Get(path, key));
    return std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
  }
  std::string CreateSlowExecution() {
    const char* kSlow = R"({"name": "Slow", "nodes": [
      {"id": "start", "type": "start"},
      {"id": "a", "type": "generate_text", "data": {"prompt": "a", "latency_ms": 20000}},
      {"id": "done", "type": "end"}],
      "edges": [{"id": "1", "source": "start", "target": "a"},
                {"id": "2", "source": "a", "target": "done"}]})";
    std::vector<ValidationError> errors;
    auto t = ParseTemplateText(kSlow, &errors);
    EXPECT_TRUE(t.has_value());
    auto rec = app_->engine().RegisterTemplate("default", *t);
    EXPECT_TRUE(rec.has_value());
    auto started = app_->engine().Start("default", *rec, Json::object()).get();
    EXPECT_TRUE(started.has_value()) << started.error().ToString();
    return started ? started->id : "";
  }

  TempDir dir_;
  std::unique_ptr<App> app_;
  std::unique_ptr<Server> server_;
  std::map<std::string, std::string> keys_;
  int port_ = 0;
};

TEST_F(TransportTest, HalfSentRequestLinesStallNobody) {
  ServerOptions so;
  so.threads = 4;
  Start(so);
  std::vector<std::unique_ptr<Conn>> idle;
  for (int i = 0; i < 70; ++i) {
    idle.push_back(std::make_unique<Conn>(port_));
    ASSERT_TRUE(idle.back()->ok());
    ASSERT_TRUE(idle.back()->Send("GET /api/v1/templ"));
  }
  int status = 0;
  double ms = TimedGet("/healthz", "", &status);
  EXPECT_EQ(status, 200);
  EXPECT_LT(ms, 1000);
  ms = TimedGet("/api/v1/templates", keys_["viewer"], &status);
  EXPECT_EQ(status, 200);
  EXPECT_LT(ms, 1000);
}

TEST_F(TransportTest, PutsWithoutContentLengthAreAnsweredAtOnce) {
  ServerOptions so;
  so.threads = 4;
  Start(so);
  std::vector<std::unique_ptr<Conn>> puts;
  for (int i = 0; i < 70; ++i) {
    puts.push_back(std::make_unique<Conn>(port_));
    ASSERT_TRUE(puts.back()->Send("PUT /api/v1/templates/x HTTP/1.1\r\nHost: t\r\n\r\n"));
  }
  // Each is a complete request with an empty body: answered (401: no key), not waited on.
  for (auto& c : puts) EXPECT_EQ(StatusOf(c->ReadResponse(2000)), 401);
  int status = 0;
  EXPECT_LT(TimedGet("/healthz", "", &status), 1000);
  EXPECT_EQ(status, 200);
}

TEST_F(TransportTest, OpenEventStreamsHoldNoHandlerThread) {
  ServerOptions so;
  so.threads = 2;  // far fewer than the streams
  so.heartbeat_ms = 200;
  Start(so);
  std::string id = CreateSlowExecution();
  std::vector<std::unique_ptr<Conn>> streams;
  for (int i = 0; i < 70; ++i) {
    streams.push_back(std::make_unique<Conn>(port_));
    ASSERT_TRUE(streams.back()->Send("GET /api/v1/executions/" + id +
                                     "/events/stream HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " +
                                     keys_["viewer"] + "\r\n\r\n"));
  }
  for (auto& s : streams) {
    std::string got = s->ReadUntil(5000, [](const std::string& t) {
      return t.find("event: execution_created") != std::string::npos;
    });
    ASSERT_EQ(StatusOf(got), 200) << got.substr(0, 200);
    EXPECT_NE(got.find("text/event-stream"), std::string::npos);
  }
  int status = 0;
  for (int i = 0; i < 5; ++i) {
    EXPECT_LT(TimedGet("/api/v1/executions/" + id, keys_["viewer"], &status), 1000);
    EXPECT_EQ(status, 200);
  }
  // Every stream stays alive with heartbeats.
  for (auto& s : streams) {
    s->Clear();
    std::string got = s->ReadUntil(3000, [](const std::string& t) {
      return t.find(": heartbeat") != std::string::npos;
    });
    EXPECT_NE(got.find(": heartbeat"), std::string::npos);
  }
  EXPECT_TRUE(app_->engine().Stop("default", id).ok());
}

TEST_F(TransportTest, HeadersThatDoNotArriveInTimeAnswer408AndClose) {
  ServerOptions so;
  so.header_timeout_ms = 300;
  Start(so);
  Conn c(port_);
  ASSERT_TRUE(c.Send("GET /healthz HTTP/1.1\r\nHost: t\r\n"));
  auto t0 = SteadyClock::now();
  std::string got = c.ReadResponse(3000);
  double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
  EXPECT_EQ(StatusOf(got), 408) << got;
  EXPECT_FALSE(HeaderOf(got, "X-Request-Id").empty());
  EXPECT_EQ(BodyOf(got)["error"]["code"], "request_timeout");
  EXPECT_LT(ms, 2000);
  EXPECT_TRUE(c.ClosedWithin(1000));
  // An idle connection that never sent a byte is closed quietly.
  Conn idle(port_);
  EXPECT_TRUE(idle.ClosedWithin(2000));
}

TEST_F(TransportTest, AClientsOldestUnauthenticatedConnectionsGiveWay) {
  ServerOptions so;
  so.max_unauthenticated_per_client = 8;
  Start(so);
  std::vector<std::unique_ptr<Conn>> idle;
  for (int i = 0; i < 20; ++i) {
    idle.push_back(std::make_unique<Conn>(port_));
    ASSERT_TRUE(idle.back()->Send("GET /api/v1/"));
  }
  // Served at once: the new connection displaces an old idle one.
  int status = 0;
  EXPECT_LT(TimedGet("/api/v1/templates", keys_["viewer"], &status), 1000);
  EXPECT_EQ(status, 200);
  int closed = 0;
  for (size_t i = 0; i < 12; ++i) closed += idle[i]->ClosedWithin(1000) ? 1 : 0;
  EXPECT_GE(closed, 12);
  EXPECT_FALSE(idle.back()->ClosedWithin(100));
}

TEST_F(TransportTest, ConnectionsPerClientAreCapped) {
  ServerOptions so;
  so.max_connections_per_client = 10;
  Start(so);
  std::vector<std::unique_ptr<Conn>> open;
  for (int i = 0; i < 10; ++i) {
    open.push_back(std::make_unique<Conn>(port_));
    ASSERT_TRUE(open.back()->Send("GET /api"));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Conn extra(port_);
  std::string got = extra.ReadResponse(2000);
  EXPECT_EQ(StatusOf(got), 503) << got;
  EXPECT_NE(BodyOf(got)["error"]["message"].get<std::string>().find("limit is 10"),
            std::string::npos);
  EXPECT_FALSE(HeaderOf(got, "X-Request-Id").empty());
  open.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  int status = 0;
  TimedGet("/healthz", "", &status);
  EXPECT_EQ(status, 200);
}

TEST_F(TransportTest, LongRequestLinesAnswer414AtOnceWithARequestId) {
  Start(ServerOptions{});
  std::string path = "/api/v1/templates?q=" + std::string(9000, 'a');
  auto t0 = SteadyClock::now();
  std::string got = Get(path, keys_["viewer"]);
  double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
  EXPECT_EQ(StatusOf(got), 414) << got.substr(0, 300);
  EXPECT_LT(ms, 1000);
  EXPECT_FALSE(HeaderOf(got, "X-Request-Id").empty());
  EXPECT_EQ(BodyOf(got)["error"]["code"], "uri_too_long");
  // Headers over the limit: 431.
  got = Request("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(20000, 'b') +
                "\r\n\r\n");
  EXPECT_EQ(StatusOf(got), 431) << got.substr(0, 300);
  EXPECT_EQ(BodyOf(got)["error"]["code"], "headers_too_large");
  EXPECT_FALSE(HeaderOf(got, "X-Request-Id").empty());
}

TEST_F(TransportTest, NulBytesInThePathAnswer400WithARequestId) {
  Start(ServerOptions{});
  for (std::string path : {std::string("/api/v1/templates/a\0b", 21), std::string("/api/v1/x%00y")}) {
    std::string got =
        Request("GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(StatusOf(got), 400) << got;
    EXPECT_FALSE(HeaderOf(got, "X-Request-Id").empty()) << got;
    EXPECT_EQ(BodyOf(got)["error"]["code"], "invalid_argument") << got;
  }
  int status = 0;
  TimedGet("/healthz", "", &status);
  EXPECT_EQ(status, 200);
}

TEST_F(TransportTest, AFormEncodedBodyAnswers415NotTooLarge) {
  Start(ServerOptions{});
  std::string body = "{\"name\": \"" + std::string(9000, 'x') + "\"}";
  std::string got = Request(
      "POST /api/v1/templates HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + keys_["editor"] +
      "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  EXPECT_EQ(StatusOf(got), 415) << got;
  Json err = BodyOf(got)["error"];
  EXPECT_EQ(err["code"], "unsupported_media_type");
  EXPECT_NE(err["message"].get<std::string>().find("Content-Type: application/json"),
            std::string::npos);
}

TEST_F(TransportTest, ABodylessPostIsAnOrdinaryRequest) {
  Start(ServerOptions{});
  std::string id = CreateSlowExecution();
  std::string got = Request("POST /api/v1/executions/" + id +
                            "/pause HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " +
                            keys_["editor"] + "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(StatusOf(got), 200) << got;
  EXPECT_TRUE(app_->engine().Stop("default", id).ok());
}

TEST_F(TransportTest, KeepAliveServesManyRequestsOnOneConnection) {
  Start(ServerOptions{});
  Conn c(port_);
  for (int i = 0; i < 50; ++i) {
    c.Clear();
    ASSERT_TRUE(c.Send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
    std::string got = c.ReadResponse(1000);
    ASSERT_EQ(StatusOf(got), 200) << got;
    EXPECT_EQ(BodyOf(got)["status"], "ok");
  }
  // HEAD: the headers of the GET, no body.
  c.Clear();
  ASSERT_TRUE(c.Send("HEAD /healthz HTTP/1.1\r\nHost: t\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::string got = c.ReadUntil(2000, [](const std::string& t) {
    return t.find("HTTP/1.1", 10) != std::string::npos && t.find("\"ok\"") != std::string::npos;
  });
  EXPECT_EQ(got.find("{"), got.rfind("{")) << got;  // one body only: the GET's
}

TEST_F(TransportTest, AFinishedStreamReadToTheEndAnswers204SoClientsStopReconnecting) {
  Start(ServerOptions{});
  const char* kQuick = R"({"name": "Quick", "nodes": [
    {"id": "start", "type": "start"},
    {"id": "t", "type": "transform", "data": {"output": {"v": "x"}}},
    {"id": "done", "type": "end"}],
    "edges": [{"id": "1", "source": "start", "target": "t"},
              {"id": "2", "source": "t", "target": "done"}]})";
  std::vector<ValidationError> errors;
  auto t = ParseTemplateText(kQuick, &errors);
  ASSERT_TRUE(t.has_value());
  auto rec = app_->engine().RegisterTemplate("default", *t);
  ASSERT_TRUE(rec.has_value());
  auto started = app_->engine().Start("default", *rec, Json::object()).get();
  ASSERT_TRUE(started.has_value());
  auto done = app_->engine().WaitUntilRest("default", started->id);
  ASSERT_TRUE(done.has_value());
  ASSERT_EQ(done->status, ExecStatus::kCompleted);
  auto log = app_->store().ReadEvents("default", started->id, 0, 1000);
  ASSERT_TRUE(log.has_value() && !log->empty());
  std::string path = "/api/v1/executions/" + started->id + "/events/stream";
  std::string auth = "Authorization: Bearer " + keys_["viewer"] + "\r\n";
  // The first connection replays and ends (the terminating chunk, then the connection closes).
  Conn first(port_);
  ASSERT_TRUE(first.Send("GET " + path + " HTTP/1.1\r\nHost: t\r\n" + auth + "\r\n"));
  EXPECT_TRUE(first.ClosedWithin(3000));
  std::string got = first.ReadUntil(0, [](const std::string&) { return true; });
  EXPECT_EQ(StatusOf(got), 200);
  EXPECT_NE(got.find("\r\n0\r\n\r\n"), std::string::npos);
  // Reconnecting from its last event: 204, nothing more to read.
  std::string last = std::to_string(log->back().seq);
  got = Request("GET " + path + " HTTP/1.1\r\nHost: t\r\n" + auth + "Last-Event-ID: " + last +
                "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(StatusOf(got), 204) << got;
  // From an earlier event: the rest is replayed.
  got = Request("GET " + path + " HTTP/1.1\r\nHost: t\r\n" + auth + "Last-Event-ID: 1\r\n\r\n");
  EXPECT_EQ(StatusOf(got), 200) << got;
}

TEST_F(TransportTest, StopEndsOpenStreamsAndAnswersRequestsInFlight) {
  ServerOptions so;
  so.threads = 2;
  Start(so);
  std::string id = CreateSlowExecution();
  std::vector<std::unique_ptr<Conn>> streams;
  for (int i = 0; i < 20; ++i) {
    streams.push_back(std::make_unique<Conn>(port_));
    ASSERT_TRUE(streams.back()->Send("GET /api/v1/events/stream HTTP/1.1\r\nHost: t\r\n"
                                     "Authorization: Bearer " + keys_["viewer"] + "\r\n\r\n"));
    streams.back()->ReadUntil(3000, [](const std::string& t) {
      return t.find("stream open") != std::string::npos;
    });
  }
  auto t0 = SteadyClock::now();
  server_->Stop(500);
  double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
  EXPECT_LT(ms, 5000);
  for (auto& s : streams) EXPECT_TRUE(s->ClosedWithin(1000));
}

// Connections that open and vanish while others arrive: the caps' bookkeeping must never hold
// its lock while a connection ends (that deadlocked the I/O thread and shutdown).
TEST_F(TransportTest, ConnectionsComingAndGoingNeverWedgeTheServer) {
  ServerOptions so;
  so.max_unauthenticated_per_client = 4;
  Start(so);
  std::vector<std::thread> churn;
  for (int t = 0; t < 6; ++t)
    churn.emplace_back([this, t] {
      for (int i = 0; i < 150; ++i) {
        Conn c(port_);
        if ((i + t) % 3 == 0) c.Send("GET /hea");
        if ((i + t) % 3 == 1) c.Send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
      }
    });
  for (auto& th : churn) th.join();
  int status = 0;
  EXPECT_LT(TimedGet("/healthz", "", &status), 2000);
  EXPECT_EQ(status, 200);
  auto t0 = SteadyClock::now();
  server_->Stop(500);
  double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
  EXPECT_LT(ms, 5000);
}

}  // namespace
}  // namespace atelier::testing
