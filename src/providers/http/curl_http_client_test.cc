#include "atelier/providers/http/curl_http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "atelier/providers/http/base64.h"
#include "tests/loopback_server.h"
#include "atelier/providers/http/http_client.h"

namespace atelier {
namespace {

using TestServer = testing::LoopbackServer;
using testing::DroppingListener;

using SteadyClock = std::chrono::steady_clock;

int64_t MsSince(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start).count();
}

// A port on 127.0.0.1 that nothing listens on (bound, then released).
int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string AllBytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s;
}

// ---- CurlHttpClient against a real loopback server ----

TEST(CurlHttpClientTest, PostSendsBodyAndHeadersAndReturnsAnswer) {
  TestServer server;
  std::string seen_method, seen_path, seen_type, seen_auth, seen_body;
  server.svr().Post("/v1/echo", [&](const httplib::Request& req, httplib::Response& res) {
    seen_method = req.method;
    seen_path = req.path;
    seen_type = req.get_header_value("Content-Type");
    seen_auth = req.get_header_value("Authorization");
    seen_body = req.body;
    res.status = 201;
    res.set_header("X-Request-Id", "req-42");
    res.set_content("{\"ok\":true}", "application/json");
  });
  server.Start();

  CurlHttpClient client;
  CancelToken cancel;
  HttpRequest req;
  req.url = server.Url("/v1/echo");
  req.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer sk-1"}};
  req.body = "{\"hello\":\"world\"}";
  auto resp = client.Send(req, cancel);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->status, 201);
  EXPECT_EQ(resp->body, "{\"ok\":true}");
  EXPECT_EQ(resp->Header("X-Request-Id"), "req-42");
  EXPECT_EQ(resp->Header("x-request-id"), "req-42");
  EXPECT_EQ(resp->Header("content-type"), "application/json");
  EXPECT_EQ(resp->Header("x-absent"), "");
  for (const auto& [name, value] : resp->headers) {
    for (char c : name) EXPECT_FALSE(c >= 'A' && c <= 'Z') << name;
  }
  EXPECT_EQ(seen_method, "POST");
  EXPECT_EQ(seen_path, "/v1/echo");
  EXPECT_EQ(seen_type, "application/json");
  EXPECT_EQ(seen_auth, "Bearer sk-1");
  EXPECT_EQ(seen_body, "{\"hello\":\"world\"}");
}

TEST(CurlHttpClientTest, GetReturnsBinaryBodyExactly) {
  TestServer server;
  const std::string payload = AllBytes() + AllBytes();
  server.svr().Get("/file.bin", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(payload, "application/octet-stream");
  });
  server.Start();
  CurlHttpClient client;
  CancelToken cancel;
  HttpRequest req;
  req.method = "GET";
  req.url = server.Url("/file.bin");
  auto resp = client.Send(req, cancel);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, payload);
}

TEST(CurlHttpClientTest, ErrorStatusIsAResultNotAnError) {
  TestServer server;
  server.svr().Post("/fail", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 503;
    res.set_content("{\"error\":{\"message\":\"overloaded\"}}", "application/json");
  });
  server.Start();
  CurlHttpClient client;
  CancelToken cancel;
  HttpRequest req;
  req.url = server.Url("/fail");
  auto resp = client.Send(req, cancel);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->status, 503);
  Status s = StatusFromHttp("acme", *resp);
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_NE(s.message().find("overloaded"), std::string::npos) << s.message();
}

TEST(CurlHttpClientTest, FollowsRedirectsWhenAskedAndKeepsFinalHeaders) {
  TestServer server;
  server.svr().Get("/old", [&](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("/new");
    res.set_header("X-Hop", "first");
  });
  server.svr().Get("/new", [&](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Hop", "final");
    res.set_content("moved here", "text/plain");
  });
  server.Start();
  CurlHttpClient client;
  CancelToken cancel;
  HttpRequest req;
  req.method = "GET";
  req.url = server.Url("/old");
  req.follow_redirects = true;
  auto resp = client.Send(req, cancel);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "moved here");
  EXPECT_EQ(resp->Header("x-hop"), "final");
}

// A caller that checks URLs (the http node) must see each redirect before anything goes there.
TEST(CurlHttpClientTest, DoesNotFollowRedirectsByDefault) {
  TestServer server;
  std::atomic<int> new_hits{0};
  server.svr().Get(
      "/old", [&](const httplib::Request&, httplib::Response& res) { res.set_redirect("/new"); });
  server.svr().Get("/new", [&](const httplib::Request&, httplib::Response& res) {
    ++new_hits;
    res.set_content("moved here", "text/plain");
  });
  server.Start();
  CurlHttpClient client;
  CancelToken cancel;
  HttpRequest req;
  req.method = "GET";
  req.url = server.Url("/old");
  auto resp = client.Send(req, cancel);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->status, 302);
  EXPECT_EQ(resp->Header("location"), "/new");
  EXPECT_EQ(new_hits.load(), 0);
}

// The pinned address is used instead of DNS: "pinned.test" does not resolve anywhere, yet the
// request reaches the loopback server, with the name in the Host header.
TEST(CurlHttpClientTest, PinnedRequestConnectsToThePinnedAddress) {
  TestServer server;
  std::string seen_host;
  server.svr().Get("/who", [&](const httplib::Request& req, httplib::Response& res) {
    seen_host = req.get_header_value("Host");
    res.set_content("pinned", "text/plain");
  });
  server.Start();
  CurlHttpClient client;
  CancelToken cancel;
  HttpRequest req;
  req.method = "GET";
  req.url = "http://pinned.test:" + std::to_string(server.port()) + "/who";
  req.pin = HttpRequest::Pin{"pinned.test", server.port(), {"127.0.0.1"}};
  auto resp = client.Send(req, cancel);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "pinned");
  EXPECT_EQ(seen_host, "pinned.test:" + std::to_string(server.port()));
}

// Whatever curl makes of the URL, a pinned request connects to nothing but the pinned address
// and port: not the URL's own address literal, not a redirect target.
TEST(CurlHttpClientTest, PinnedRequestRefusesAnyOtherAddress) {
  TestServer a;
  TestServer b;
  std::atomic<int> a_hits{0}, b_hits{0};
  a.svr().Get("/x", [&](const httplib::Request&, httplib::Response& res) {
    ++a_hits;
    res.set_redirect(b.Url("/secret"));
  });
  b.svr().Get("/secret", [&](const httplib::Request&, httplib::Response& res) {
    ++b_hits;
    res.set_content("secret", "text/plain");
  });
  a.Start();
  b.Start();
  CurlHttpClient client;
  CancelToken cancel;

  HttpRequest other;
  other.method = "GET";
  other.url = a.Url("/x");
  other.pin = HttpRequest::Pin{"127.0.0.1", a.port(), {"127.0.0.2"}};
  auto refused = client.Send(other, cancel);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), Code::kPermissionDenied) << refused.error().ToString();
  EXPECT_NE(refused.error().message().find("127.0.0.1"), std::string::npos);
  EXPECT_EQ(a_hits.load(), 0);

  HttpRequest follow;
  follow.method = "GET";
  follow.url = a.Url("/x");
  follow.follow_redirects = true;
  follow.pin = HttpRequest::Pin{"127.0.0.1", a.port(), {"127.0.0.1"}};
  auto hop = client.Send(follow, cancel);
  ASSERT_FALSE(hop.has_value());
  EXPECT_EQ(hop.error().code(), Code::kPermissionDenied) << hop.error().ToString();
  EXPECT_EQ(a_hits.load(), 1);
  EXPECT_EQ(b_hits.load(), 0);
}

TEST(CurlHttpClientTest, PinForAnotherHostIsInvalidArgument) {
  CurlHttpClient client;
  CancelToken cancel;
  HttpRequest req;
  req.url = "http://a.test:8080/x";
  for (const HttpRequest::Pin& pin :
       {HttpRequest::Pin{"b.test", 8080, {"127.0.0.1"}},
        HttpRequest::Pin{"a.test", 80, {"127.0.0.1"}}, HttpRequest::Pin{"a.test", 8080, {}},
        HttpRequest::Pin{"a.test", 8080, {"a.test"}}}) {
    req.pin = pin;
    auto resp = client.Send(req, cancel);
    ASSERT_FALSE(resp.has_value()) << pin.host;
    EXPECT_EQ(resp.error().code(), Code::kInvalidArgument) << resp.error().ToString();
  }
}

TEST(CurlHttpClientTest, MultipartFormCarriesFieldsAndFileBytes) {
  TestServer server;
  bool multipart = false;
  std::string prompt, n, file_name, file_type, file_bytes;
  server.svr().Post("/upload", [&](const httplib::Request& req, httplib::Response& res) {
    multipart = req.is_multipart_form_data();
    prompt = req.get_file_value("prompt").content;
    n = req.get_file_value("n").content;
    auto image = req.get_file_value("image");
    file_name = image.filename;
    file_type = image.content_type;
    file_bytes = image.content;
    res.set_content("{}", "application/json");
  });
  server.Start();
  CurlHttpClient client;
  CancelToken cancel;
  HttpRequest req;
  req.url = server.Url("/upload");
  const std::string bytes = AllBytes();
  req.form = {{"prompt", "make it blue", "", ""},
              {"n", "2", "", ""},
              {"image", bytes, "image.png", "image/png"}};
  auto resp = client.Send(req, cancel);
  ASSERT_TRUE(resp.has_value()) << resp.error().ToString();
  EXPECT_EQ(resp->status, 200);
  EXPECT_TRUE(multipart);
  EXPECT_EQ(prompt, "make it blue");
  EXPECT_EQ(n, "2");
  EXPECT_EQ(file_name, "image.png");
  EXPECT_EQ(file_type, "image/png");
  EXPECT_EQ(file_bytes, bytes);
}

TEST(CurlHttpClientTest, SlowAnswerPastTimeoutIsDeadlineExceeded) {
  TestServer server;
  server.svr().Post("/slow", [&](const httplib::Request&, httplib::Response& res) {
    server.HandlerWait(3000);
    res.set_content("late", "text/plain");
  });
  server.Start();
  CurlHttpClient client;
  CancelToken cancel;
  HttpRequest req;
  req.url = server.Url("/slow");
  req.timeout_ms = 300;
  auto start = SteadyClock::now();
  auto resp = client.Send(req, cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kDeadlineExceeded) << resp.error().ToString();
  EXPECT_LT(MsSince(start), 2000);
}

TEST(CurlHttpClientTest, CancelFromAnotherThreadReturnsCancelledPromptly) {
  TestServer server;
  server.svr().Post("/slow", [&](const httplib::Request&, httplib::Response& res) {
    server.HandlerWait(5000);
    res.set_content("late", "text/plain");
  });
  server.Start();
  CurlHttpClient client;
  CancelToken cancel;
  HttpRequest req;
  req.url = server.Url("/slow");
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel.Cancel("step stopped");
  });
  auto start = SteadyClock::now();
  auto resp = client.Send(req, cancel);
  int64_t elapsed = MsSince(start);
  canceller.join();
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kCancelled) << resp.error().ToString();
  EXPECT_LT(elapsed, 1000);
}

TEST(CurlHttpClientTest, AlreadyCancelledTokenSendsNothing) {
  TestServer server;
  std::atomic<int> hits{0};
  server.svr().Post("/x", [&](const httplib::Request&, httplib::Response& res) {
    hits++;
    res.set_content("{}", "application/json");
  });
  server.Start();
  CurlHttpClient client;
  CancelToken cancel;
  cancel.Cancel("shutdown");
  HttpRequest req;
  req.url = server.Url("/x");
  auto resp = client.Send(req, cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kCancelled);
  EXPECT_EQ(hits.load(), 0);
}

TEST(CurlHttpClientTest, ConnectionRefusedIsUnavailable) {
  CurlHttpClient client;
  CancelToken cancel;
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(UnusedPort()) + "/v1/x";
  auto resp = client.Send(req, cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kUnavailable) << resp.error().ToString();
}

TEST(CurlHttpClientTest, ConnectionClosedWithoutAnswerIsUnavailable) {
  DroppingListener listener;
  ASSERT_TRUE(listener.ok());
  CurlHttpClient client;
  CancelToken cancel;
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(listener.port()) + "/v1/x";
  req.body = "{}";
  auto resp = client.Send(req, cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kUnavailable) << resp.error().ToString();
  EXPECT_GE(listener.accepted(), 1);
}

TEST(CurlHttpClientTest, MalformedUrlIsInvalidArgument) {
  CurlHttpClient client;
  CancelToken cancel;
  HttpRequest req;
  req.url = "http://[::1/oops";
  auto resp = client.Send(req, cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kInvalidArgument) << resp.error().ToString();
}

TEST(CurlHttpClientTest, NonHttpUrlIsInvalidArgument) {
  CurlHttpClient client;
  CancelToken cancel;
  HttpRequest req;
  req.method = "GET";
  req.url = "file:///etc/hostname";
  auto resp = client.Send(req, cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().code(), Code::kInvalidArgument) << resp.error().ToString();
}

TEST(CurlHttpClientTest, ErrorMessagesLeaveOutTheQueryString) {
  CurlHttpClient client;
  CancelToken cancel;
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(UnusedPort()) + "/v1/x?key=very-secret";
  req.headers = {{"Authorization", "Bearer sk-also-secret"}};
  auto resp = client.Send(req, cancel);
  ASSERT_FALSE(resp.has_value());
  EXPECT_EQ(resp.error().message().find("very-secret"), std::string::npos);
  EXPECT_EQ(resp.error().message().find("sk-also-secret"), std::string::npos);
}

TEST(CurlHttpClientTest, ConcurrentSendsFromManyThreads) {
  TestServer server;
  server.svr().Post("/echo", [&](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.body, "text/plain");
  });
  server.Start();
  CurlHttpClient client;
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        CancelToken cancel;
        HttpRequest req;
        req.url = server.Url("/echo");
        req.body = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto resp = client.Send(req, cancel);
        if (resp && resp->status == 200 && resp->body == req.body) good++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 40);
}

// ---- StatusFromHttp ----

HttpResponse Answer(int status, std::string body,
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

std::string HttpDate(time_t t) {
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[64];
  strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

TEST(StatusFromHttpTest, RateLimitHonoursRetryAfterSeconds) {
  Status s = StatusFromHttp(
      "openai", Answer(429, "{\"error\":{\"message\":\"slow down\"}}", {{"retry-after", "7"}}));
  EXPECT_EQ(s.code(), Code::kResourceExhausted);
  ASSERT_TRUE(s.retry_after_ms().has_value());
  EXPECT_EQ(*s.retry_after_ms(), 7000);
  EXPECT_NE(s.message().find("openai"), std::string::npos);
  EXPECT_NE(s.message().find("429"), std::string::npos);
  EXPECT_NE(s.message().find("slow down"), std::string::npos);
}

TEST(StatusFromHttpTest, RateLimitHonoursRetryAfterHttpDate) {
  std::string date = HttpDate(std::time(nullptr) + 30);
  Status s = StatusFromHttp("openai", Answer(429, "", {{"retry-after", date}}));
  EXPECT_EQ(s.code(), Code::kResourceExhausted);
  ASSERT_TRUE(s.retry_after_ms().has_value()) << date;
  EXPECT_GE(*s.retry_after_ms(), 28000);
  EXPECT_LE(*s.retry_after_ms(), 31000);

  Status past = StatusFromHttp("openai", Answer(429, "", {{"retry-after", HttpDate(1000)}}));
  ASSERT_TRUE(past.retry_after_ms().has_value());
  EXPECT_EQ(*past.retry_after_ms(), 0);
}

TEST(StatusFromHttpTest, RateLimitWithoutOrWithGarbageRetryAfterHasNone) {
  EXPECT_FALSE(StatusFromHttp("p", Answer(429, "")).retry_after_ms().has_value());
  EXPECT_FALSE(
      StatusFromHttp("p", Answer(429, "", {{"retry-after", "soon"}})).retry_after_ms().has_value());
}

TEST(StatusFromHttpTest, MapsStatusCodes) {
  EXPECT_EQ(StatusFromHttp("p", Answer(500, "")).code(), Code::kUnavailable);
  EXPECT_EQ(StatusFromHttp("p", Answer(502, "")).code(), Code::kUnavailable);
  EXPECT_EQ(StatusFromHttp("p", Answer(408, "")).code(), Code::kUnavailable);
  EXPECT_EQ(StatusFromHttp("p", Answer(409, "")).code(), Code::kUnavailable);
  EXPECT_EQ(StatusFromHttp("p", Answer(401, "")).code(), Code::kPermissionDenied);
  EXPECT_EQ(StatusFromHttp("p", Answer(403, "")).code(), Code::kPermissionDenied);
  EXPECT_EQ(StatusFromHttp("p", Answer(404, "")).code(), Code::kNotFound);
  EXPECT_EQ(StatusFromHttp("p", Answer(400, "")).code(), Code::kInvalidArgument);
  EXPECT_EQ(StatusFromHttp("p", Answer(422, "")).code(), Code::kInvalidArgument);
}

TEST(StatusFromHttpTest, MessageCarriesTheProvidersErrorText) {
  EXPECT_NE(StatusFromHttp("p", Answer(400, "{\"error\":{\"message\":\"bad model\"}}"))
                .message()
                .find("bad model"),
            std::string::npos);
  EXPECT_NE(StatusFromHttp("p", Answer(400, "{\"error\":\"no such thing\"}"))
                .message()
                .find("no such thing"),
            std::string::npos);
  EXPECT_NE(StatusFromHttp("p", Answer(400, "{\"message\":\"plain message\"}"))
                .message()
                .find("plain message"),
            std::string::npos);
  Status text = StatusFromHttp("p", Answer(502, "<html>Bad Gateway</html>"));
  EXPECT_NE(text.message().find("<html>Bad Gateway</html>"), std::string::npos);
  Status cut = StatusFromHttp("p", Answer(500, std::string(5000, 'x')));
  EXPECT_LT(cut.message().size(), 400u);
  EXPECT_NE(cut.message().find(std::string(300, 'x')), std::string::npos);
}

// ---- Base64 ----

TEST(Base64Test, EncodesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Test, RoundTripsEveryByteValue) {
  std::string bytes = AllBytes();
  for (size_t n = 0; n <= bytes.size(); n += 37) {
    auto decoded = Base64Decode(Base64Encode(bytes.substr(0, n)));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, bytes.substr(0, n));
  }
  auto whole = Base64Decode(Base64Encode(bytes));
  ASSERT_TRUE(whole.has_value());
  EXPECT_EQ(*whole, bytes);
}

TEST(Base64Test, DecodesWrappedUnpaddedAndUrlSafeInput) {
  EXPECT_EQ(Base64Decode("Zm9v\nYmE=\r\n").value(), "fooba");
  EXPECT_EQ(Base64Decode("Zm9vYmE").value(), "fooba");
  EXPECT_EQ(Base64Decode("-_8=").value(), std::string("\xfb\xff", 2));
  EXPECT_EQ(Base64Decode("+/8=").value(), std::string("\xfb\xff", 2));
}

TEST(Base64Test, RejectsInvalidInput) {
  EXPECT_FALSE(Base64Decode("Zm9v!").has_value());
  EXPECT_FALSE(Base64Decode("Zm9vY").has_value());
  EXPECT_FALSE(Base64Decode("Zg==Zg==").has_value());
  EXPECT_EQ(Base64Decode("Zm9v!").error().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace atelier
