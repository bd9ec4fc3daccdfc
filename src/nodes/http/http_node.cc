#include "atelier/nodes/http/http_node.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "atelier/core/node_types.h"
#include "atelier/core/validation.h"
#include "atelier/nodes/node_support.h"
#include "atelier/providers/http/http_url.h"

namespace atelier {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool SameOrigin(const HttpUrl& a, const HttpUrl& b) {
  return a.scheme == b.scheme && a.host == b.host && a.port == b.port;
}

// Headers that carry the caller's credentials: sent to the first URL's origin only, as curl and
// browsers do, so that a redirect (even to another allowed host) does not collect them.
bool IsCredentialHeader(const std::string& name) {
  const std::string n = Lower(name);
  return n == "authorization" || n == "cookie" || n == "proxy-authorization";
}

}  // namespace

HttpNode::HttpNode(std::shared_ptr<HttpClient> http, std::vector<std::string> allow_hosts,
                   std::shared_ptr<HostResolver> resolver)
    : http_(std::move(http)), allow_(std::move(allow_hosts), std::move(resolver)) {}

Result<NodeResult> HttpNode::Execute(const NodeContext& ctx) {
  auto url = nodes::RenderText(ctx, "url", "");
  if (!url) return Err(url.error());
  auto first = ParseHttpUrl(*url);
  if (!first) return Err(first.error());

  HttpRequest req;
  req.method = ctx.data->value("method", std::string("POST"));
  auto headers = nodes::RenderField(ctx, "headers", Json::object());
  if (!headers) return Err(headers.error());
  for (auto it = headers->begin(); it != headers->end(); ++it)
    req.headers.emplace_back(it.key(), it->is_string() ? it->get<std::string>() : it->dump());
  auto body = nodes::RenderField(ctx, "body");
  if (!body) return Err(body.error());
  if (req.method == "POST" && !body->is_null()) {
    if (body->is_string()) {
      req.body = body->get<std::string>();
    } else {
      req.body = body->dump();
      bool typed = false;
      for (const auto& [k, v] : req.headers) typed |= Lower(k) == "content-type";
      if (!typed) req.headers.emplace_back("Content-Type", "application/json");
    }
  }
  // The step's time limit (timeout_ms, else the type's default): the engine cancels the step at
  // it, and the client stops the call there too.
  req.timeout_ms = AttemptTimeoutMs(FindNodeType("http"), *ctx.data);

  // The client does not follow redirects (HttpRequest::follow_redirects is off): each hop comes
  // back here and is checked like the first URL before anything is sent to it. timeout_ms
  // bounds all hops together, as it did when curl followed them.
  using Clock = std::chrono::steady_clock;
  const int64_t budget_ms = std::clamp<int64_t>(req.timeout_ms, 1, 1'000'000'000);
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(budget_ms);
  std::vector<std::pair<std::string, std::string>> all_headers = req.headers;
  HttpUrl hop_url = *first;
  // How errors name the hop: "url: " for the URL itself, "url: redirect N (from A to B): "
  // and "url: redirect N (from A to B) refused: " after.
  std::string where = "url: ";
  std::string refused = "url: ";
  for (int hop = 0;; ++hop) {
    auto pin = allow_.Check(hop_url, where, refused);
    if (!pin) return Err(pin.error());
    req.url = hop_url.url;
    req.pin = *pin;
    req.timeout_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (req.timeout_ms <= 0)
      return Err(DeadlineExceeded(where + "timeout_ms passed before this request was sent"));
    req.headers.clear();
    for (const auto& h : all_headers)
      if (SameOrigin(hop_url, *first) || !IsCredentialHeader(h.first)) req.headers.push_back(h);

    auto resp = http_->Send(req, *ctx.cancel);
    if (!resp) return Err(resp.error());
    const std::string location = resp->Header("location");
    if (!IsRedirect(resp->status) || location.empty()) {
      if (resp->status < 200 || resp->status >= 300) return Err(StatusFromHttp("http", *resp));
      NodeResult r;
      auto parsed = ParseJsonText(resp->body);
      r.output = {
          {"status", resp->status}, {"body", resp->body}, {"json", parsed ? *parsed : Json()}};
      return r;
    }

    const std::string from = RedactUrl(hop_url.url);
    if (hop == kMaxRedirects) {
      return Err(InvalidArgument("url: more than " + std::to_string(kMaxRedirects) +
                                 " redirects; redirect " + std::to_string(hop + 1) + " (from " +
                                 from + " to " + RedactUrl(location) + ") not followed"));
    }
    auto next = ResolveHttpUrl(hop_url.url, location);
    if (!next) {
      std::string why = next.error().message();
      if (why.rfind("url: ", 0) == 0) why = why.substr(5);
      return Err(Status(next.error().code(), "url: redirect " + std::to_string(hop + 1) +
                                                 " (from " + from + "): " + why));
    }
    const std::string hop_name = "url: redirect " + std::to_string(hop + 1) + " (from " + from +
                                 " to " + RedactUrl(next->url) + ")";
    where = hop_name + ": ";
    refused = hop_name + " refused: ";
    // As curl and browsers do: 303 always, and 301/302 after a POST, continue with a GET and no
    // body; 307 and 308 repeat the request as it was.
    if (resp->status == 303 ||
        ((resp->status == 301 || resp->status == 302) && req.method == "POST")) {
      req.method = "GET";
      req.body.clear();
      std::erase_if(all_headers, [](const auto& h) {
        const std::string n = Lower(h.first);
        return n == "content-type" || n == "content-length";
      });
    }
    hop_url = *next;
  }
}

void RegisterHttpNode(NodeRegistry* registry, std::shared_ptr<HttpClient> http,
                      std::vector<std::string> allow_hosts,
                      std::shared_ptr<HostResolver> resolver) {
  registry->Add("http", std::make_shared<HttpNode>(std::move(http), std::move(allow_hosts),
                                                   std::move(resolver)));
}

}  // namespace atelier
