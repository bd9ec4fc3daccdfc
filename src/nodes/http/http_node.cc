#include "atelier/nodes/http/http_node.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>

#include "atelier/core/validation.h"
#include "atelier/nodes/node_support.h"

namespace atelier {
namespace {

constexpr const char* kWhereTheList = "(\"http\": {\"allow_hosts\": [...]} in the providers file)";

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// "host:port" as an operator writes it in allow_hosts ("[::1]:8080" for IPv6).
std::string HostPort(const std::string& host, int port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// A port from allow_hosts; -1 (matches nothing) for anything but 1..65535, so that a typo
// narrows the list instead of widening it to every port.
int EntryPort(const std::string& text) {
  if (text.empty() || text.size() > 5 ||
      !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }))
    return -1;
  int p = std::atoi(text.c_str());
  return p >= 1 && p <= 65535 ? p : -1;
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
    : http_(std::move(http)),
      resolver_(resolver ? std::move(resolver) : std::make_shared<SystemResolver>()) {
  for (const std::string& raw : allow_hosts) {
    const std::string e = Lower(raw);
    Allowed a;
    if (!e.empty() && e[0] == '[') {  // [v6] or [v6]:port
      size_t close = e.find(']');
      if (close == std::string::npos) continue;
      a.host = e.substr(1, close - 1);
      if (close + 1 < e.size()) a.port = e[close + 1] == ':' ? EntryPort(e.substr(close + 2)) : -1;
    } else if (std::count(e.begin(), e.end(), ':') == 1) {  // host:port
      size_t c = e.find(':');
      a.host = e.substr(0, c);
      a.port = EntryPort(e.substr(c + 1));
    } else {  // a name, an IPv4 address or a bare IPv6 address
      a.host = e;
    }
    a.ip = IpAddress::Parse(a.host);
    allow_.push_back(std::move(a));
  }
}

bool HttpNode::HostAllowed(const HttpUrl& u) const {
  const auto ip = IpAddress::Parse(u.host);
  return std::any_of(allow_.begin(), allow_.end(), [&](const Allowed& a) {
    if (a.port != 0 && a.port != u.port) return false;
    return a.host == u.host || (a.ip && ip && *a.ip == *ip);
  });
}

bool HttpNode::AddressNamed(const IpAddress& ip, int port) const {
  return std::any_of(allow_.begin(), allow_.end(), [&](const Allowed& a) {
    return a.ip && *a.ip == ip && (a.port == 0 || a.port == port);
  });
}

Result<HttpRequest::Pin> HttpNode::PinFor(const HttpUrl& u, const std::string& where,
                                          const std::string& refused_prefix) const {
  HttpRequest::Pin pin;
  pin.host = u.host;
  pin.port = u.port;
  if (auto literal = IpAddress::Parse(u.host)) {
    // The allow-list named this address (HostAllowed): nothing to resolve, nothing to doubt.
    pin.addresses.push_back(literal->ToString());
    return pin;
  }
  auto resolved = resolver_->Resolve(u.host, u.port);
  if (!resolved) return Err(Status(resolved.error().code(), where + resolved.error().message()));
  if (resolved->empty()) return Err(Unavailable(where + "'" + u.host + "' resolves to nothing"));
  std::string refused;
  for (const IpAddress& ip : *resolved) {
    const char* kind = InternalAddressKind(ip);
    if (kind == nullptr || AddressNamed(ip, u.port)) {
      pin.addresses.push_back(ip.ToString());
    } else {
      refused += (refused.empty() ? "" : ", ") + ip.ToString() + " (" + kind + ")";
    }
  }
  if (pin.addresses.empty()) {
    const IpAddress& first = resolved->front();
    return Err(Status(Code::kPermissionDenied,
                      refused_prefix + "host '" + HostPort(u.host, u.port) + "' resolves only to " +
                          refused +
                          "; a name on the allow-list may not lead there. To allow it, "
                          "list the address itself, e.g. \"" +
                          HostPort(first.ToString(), u.port) + "\" " + kWhereTheList));
  }
  return pin;
}

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
  if (auto t = ctx.data->find("timeout_ms"); t != ctx.data->end() && t->is_number_integer())
    req.timeout_ms = t->get<int64_t>();

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
    if (!HostAllowed(hop_url)) {
      return Err(Status(Code::kPermissionDenied,
                        refused + "host '" + HostPort(hop_url.host, hop_url.port) +
                            "' is not on the allow-list " + kWhereTheList));
    }
    auto pin = PinFor(hop_url, where, refused);
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
