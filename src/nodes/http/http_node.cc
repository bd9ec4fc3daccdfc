#include "nodes/http/http_node.h"

#include <algorithm>
#include <cctype>

#include "atelier/core/validation.h"
#include "nodes/node_support.h"

namespace atelier {
namespace {

struct UrlParts {
  std::string scheme, host;
  int port = 0;
};

Result<UrlParts> ParseUrl(const std::string& url) {
  UrlParts u;
  auto colon = url.find("://");
  if (colon == std::string::npos) return Err(InvalidArgument("url: '" + url + "' has no scheme"));
  u.scheme = url.substr(0, colon);
  std::transform(u.scheme.begin(), u.scheme.end(), u.scheme.begin(), ::tolower);
  if (u.scheme != "http" && u.scheme != "https")
    return Err(InvalidArgument("url: only http and https are allowed, not '" + u.scheme + "'"));
  std::string rest = url.substr(colon + 3);
  std::string authority = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string::npos)
    return Err(InvalidArgument("url: credentials in the URL are not allowed; use headers"));
  u.port = u.scheme == "https" ? 443 : 80;
  if (!authority.empty() && authority[0] == '[') {  // [::1]:8080
    auto close = authority.find(']');
    if (close == std::string::npos) return Err(InvalidArgument("url: bad IPv6 host"));
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      u.port = std::atoi(authority.c_str() + close + 2);
  } else if (auto c = authority.rfind(':'); c != std::string::npos) {
    u.host = authority.substr(0, c);
    u.port = std::atoi(authority.c_str() + c + 1);
  } else {
    u.host = authority;
  }
  std::transform(u.host.begin(), u.host.end(), u.host.begin(), ::tolower);
  if (u.host.empty() || u.port <= 0 || u.port > 65535)
    return Err(InvalidArgument("url: '" + url + "' has no valid host and port"));
  return u;
}

}  // namespace

HttpNode::HttpNode(std::shared_ptr<HttpClient> http, std::vector<std::string> allow_hosts)
    : http_(std::move(http)), allow_(std::move(allow_hosts)) {
  for (auto& h : allow_) std::transform(h.begin(), h.end(), h.begin(), ::tolower);
}

Result<NodeResult> HttpNode::Execute(const NodeContext& ctx) {
  auto url = nodes::RenderText(ctx, "url", "");
  if (!url) return Err(url.error());
  auto parts = ParseUrl(*url);
  if (!parts) return Err(parts.error());
  const std::string with_port = parts->host + ":" + std::to_string(parts->port);
  bool allowed = std::find(allow_.begin(), allow_.end(), parts->host) != allow_.end() ||
                 std::find(allow_.begin(), allow_.end(), with_port) != allow_.end();
  if (!allowed)
    return Err(Status(Code::kPermissionDenied,
                      "url: host '" + with_port +
                          "' is not on the allow-list (\"http\": {\"allow_hosts\": [...]} in the "
                          "providers file)"));
  HttpRequest req;
  req.url = *url;
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
      for (const auto& [k, v] : req.headers) {
        std::string lower = k;
        std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
        typed |= lower == "content-type";
      }
      if (!typed) req.headers.emplace_back("Content-Type", "application/json");
    }
  }
  if (auto t = ctx.data->find("timeout_ms"); t != ctx.data->end() && t->is_number_integer())
    req.timeout_ms = t->get<int64_t>();
  auto resp = http_->Send(req, *ctx.cancel);
  if (!resp) return Err(resp.error());
  if (resp->status < 200 || resp->status >= 300) return Err(StatusFromHttp("http", *resp));
  NodeResult r;
  auto parsed = ParseJsonText(resp->body);
  r.output = {{"status", resp->status},
              {"body", resp->body},
              {"json", parsed ? *parsed : Json()}};
  return r;
}

void RegisterHttpNode(NodeRegistry* registry, std::shared_ptr<HttpClient> http,
                      std::vector<std::string> allow_hosts) {
  registry->Add("http", std::make_shared<HttpNode>(std::move(http), std::move(allow_hosts)));
}

}  // namespace atelier
