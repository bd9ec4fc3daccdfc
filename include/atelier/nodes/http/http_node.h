// The `http` node: calls an external URL with a templated body. Only hosts on the allow-list
// (the configuration's "http": {"allow_hosts": [...]}) may be called: a template cannot reach
// anything the operator did not allow, neither directly nor through a redirect.
//
// Every hop (the URL, then each redirect, at most kMaxRedirects) is checked the same way before
// anything is sent to it: parsed by curl's own parser (http and https only, no credentials), then
// checked by HostAllowList (host and port on the list; a name resolved once and the request
// pinned to the addresses that passed, none of them internal unless the list names it).
// Stateless apart from its settings; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "atelier/engine/node_executor.h"
#include "atelier/providers/http/host_allow_list.h"
#include "atelier/providers/http/host_resolver.h"
#include "atelier/providers/http/http_client.h"

namespace atelier {

class HttpNode final : public NodeExecutor {
 public:
  static constexpr int kMaxRedirects = 5;

  // `allow_hosts`: as HostAllowList's entries ("host", "host:port", "[v6]" or "[v6]:port"; an
  // empty list allows nothing). `resolver` null: the system's (getaddrinfo).
  HttpNode(std::shared_ptr<HttpClient> http, std::vector<std::string> allow_hosts,
           std::shared_ptr<HostResolver> resolver = nullptr);
  bool inline_ok() const override { return false; }
  // PermissionDenied for a host not on the list, or a name resolving only to internal
  // addresses, at any hop; InvalidArgument for a bad URL or Location (another scheme), more
  // than kMaxRedirects redirects, or a 4xx answer; Unavailable / DeadlineExceeded for 5xx,
  // timeouts, names that do not resolve and dropped connections (retried).
  Result<NodeResult> Execute(const NodeContext& ctx) override;

 private:
  std::shared_ptr<HttpClient> http_;
  HostAllowList allow_;
};

void RegisterHttpNode(NodeRegistry* registry, std::shared_ptr<HttpClient> http,
                      std::vector<std::string> allow_hosts,
                      std::shared_ptr<HostResolver> resolver = nullptr);

}  // namespace atelier
