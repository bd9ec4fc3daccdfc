// The `http` node: calls an external URL with a templated body. Only hosts on the allow-list
// (the configuration's "http": {"allow_hosts": [...]}) may be called: a template cannot reach
// anything the operator did not allow. Stateless apart from its settings; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "atelier/engine/node_executor.h"
#include "providers/http/http_client.h"

namespace atelier {

class HttpNode final : public NodeExecutor {
 public:
  // `allow_hosts`: "host" or "host:port" entries; an empty list allows nothing.
  HttpNode(std::shared_ptr<HttpClient> http, std::vector<std::string> allow_hosts);
  bool inline_ok() const override { return false; }
  // PermissionDenied for a host not on the list; InvalidArgument for a bad URL or a 4xx answer;
  // Unavailable / DeadlineExceeded for 5xx, timeouts and dropped connections (retried).
  Result<NodeResult> Execute(const NodeContext& ctx) override;

 private:
  std::shared_ptr<HttpClient> http_;
  std::vector<std::string> allow_;
};

void RegisterHttpNode(NodeRegistry* registry, std::shared_ptr<HttpClient> http,
                      std::vector<std::string> allow_hosts);

}  // namespace atelier
