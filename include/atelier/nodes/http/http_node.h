// The `http` node: calls an external URL with a templated body. Only hosts on the allow-list
// (the configuration's "http": {"allow_hosts": [...]}) may be called: a template cannot reach
// anything the operator did not allow, neither directly nor through a redirect.
//
// Every hop (the URL, then each redirect, at most kMaxRedirects) is checked the same way before
// anything is sent to it: parsed by curl's own parser (http and https only, no credentials); its
// host and port must be on the allow-list; a host name is resolved once, and the request is
// pinned to the addresses that passed, so DNS cannot change the answer between the check and
// the connect. A name may not lead to a loopback, link-local, unspecified or cloud-metadata
// address (InternalAddressKind) unless the allow-list names that address itself: an operator
// who allows "hooks.example.com" has not allowed 169.254.169.254, whatever the DNS says.
// Stateless apart from its settings; thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "atelier/engine/node_executor.h"
#include "atelier/providers/http/host_resolver.h"
#include "atelier/providers/http/http_client.h"
#include "atelier/providers/http/http_url.h"

namespace atelier {

class HttpNode final : public NodeExecutor {
 public:
  static constexpr int kMaxRedirects = 5;

  // `allow_hosts`: "host", "host:port", "[v6]" or "[v6]:port" entries (a host alone allows
  // every port); an empty list allows nothing. `resolver` null: the system's (getaddrinfo).
  HttpNode(std::shared_ptr<HttpClient> http, std::vector<std::string> allow_hosts,
           std::shared_ptr<HostResolver> resolver = nullptr);
  bool inline_ok() const override { return false; }
  // PermissionDenied for a host not on the list, or a name resolving only to internal
  // addresses, at any hop; InvalidArgument for a bad URL or Location (another scheme), more
  // than kMaxRedirects redirects, or a 4xx answer; Unavailable / DeadlineExceeded for 5xx,
  // timeouts, names that do not resolve and dropped connections (retried).
  Result<NodeResult> Execute(const NodeContext& ctx) override;

 private:
  struct Allowed {
    std::string host;             // lower case, IPv6 without brackets
    int port = 0;                 // 0: any
    std::optional<IpAddress> ip;  // when the entry is an address literal
  };
  bool HostAllowed(const HttpUrl& u) const;
  // Whether an allow-list entry is this very address (and allows this port).
  bool AddressNamed(const IpAddress& a, int port) const;
  // The addresses this hop may connect to, resolved once and checked. Errors start with
  // `refused` (PermissionDenied) or `where` (a name that does not resolve).
  Result<HttpRequest::Pin> PinFor(const HttpUrl& u, const std::string& where,
                                  const std::string& refused) const;

  std::shared_ptr<HttpClient> http_;
  std::shared_ptr<HostResolver> resolver_;
  std::vector<Allowed> allow_;
};

void RegisterHttpNode(NodeRegistry* registry, std::shared_ptr<HttpClient> http,
                      std::vector<std::string> allow_hosts,
                      std::shared_ptr<HostResolver> resolver = nullptr);

}  // namespace atelier
