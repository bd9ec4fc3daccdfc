// An operator's list of the hosts outbound requests may go to (the configuration's
// "http": {"allow_hosts": [...]}), shared by every caller that sends a request to a URL it did not
// write itself (the `http` node, notification webhooks): a template cannot reach anything the
// operator did not allow.
//
// A URL (parsed by ParseHttpUrl, i.e. by curl's own parser) passes when its host and port are on
// the list; a host name is then resolved once, and the request is to be pinned to the addresses
// that passed (HttpRequest::pin), so DNS cannot change the answer between the check and the
// connect. A name may not lead to a loopback, link-local, unspecified or cloud-metadata address
// (InternalAddressKind) unless the list names that address itself: an operator who allows
// "hooks.example.com" has not allowed 169.254.169.254, whatever the DNS says.
// Immutable after construction; thread-safe as long as the resolver is.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "atelier/core/status.h"
#include "atelier/providers/http/host_resolver.h"
#include "atelier/providers/http/http_client.h"
#include "atelier/providers/http/http_url.h"

namespace atelier {

class HostAllowList {
 public:
  // Where an operator finds the list, for error messages.
  static constexpr const char* kWhereTheList =
      "(\"http\": {\"allow_hosts\": [...]} in the providers file)";

  // `entries`: "host", "host:port", "[v6]" or "[v6]:port" (a host alone allows every port; case
  // does not matter); an empty list allows nothing. `resolver` null: the system's
  // (SystemResolver).
  explicit HostAllowList(std::vector<std::string> entries,
                         std::shared_ptr<HostResolver> resolver = nullptr);

  // Whether the URL's host and port are on the list (no DNS lookup).
  bool Allows(const HttpUrl& u) const;

  // Everything a hop needs before anything is sent to it: the addresses to pin the request to.
  // PermissionDenied, starting with `refused`, for a host not on the list or a name resolving
  // only to internal addresses the list does not name; the resolver's error (Unavailable),
  // starting with `where`, for a name that does not resolve.
  Result<HttpRequest::Pin> Check(const HttpUrl& u, const std::string& where,
                                 const std::string& refused) const;

 private:
  struct Entry {
    std::string host;             // lower case, IPv6 without brackets
    int port = 0;                 // 0: any; -1: none (a malformed port)
    std::optional<IpAddress> ip;  // when the entry is an address literal
  };
  // Whether an entry is this very address (and allows this port).
  bool AddressNamed(const IpAddress& a, int port) const;

  std::vector<Entry> entries_;
  std::shared_ptr<HostResolver> resolver_;
};

// "host:port" as an operator writes it in allow_hosts ("[::1]:8080" for IPv6).
std::string HostPort(const std::string& host, int port);

}  // namespace atelier
