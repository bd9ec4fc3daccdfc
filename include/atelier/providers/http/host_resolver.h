// Host names to addresses, for callers that check where a request goes before it is sent (the
// `http` node): resolve once, check those addresses, then pin the request to them
// (HttpRequest::pin) so that DNS cannot answer differently between the check and the connect.
// The resolver is an interface so that tests can map names to loopback without touching DNS.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "atelier/core/status.h"

namespace atelier {

// An IPv4 or IPv6 address in binary form (IPv4 in the first four bytes).
struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};

  // "192.0.2.1", "2001:db8::1", "[2001:db8::1]"; nullopt for anything else (a host name).
  static std::optional<IpAddress> Parse(const std::string& text);
  std::string ToString() const;  // dotted IPv4, RFC 5952 IPv6 (no brackets)
  bool operator==(const IpAddress&) const = default;
};

// Why an address must not be reached through a host *name*, or nullptr for an ordinary (public
// or private-network) address. These are the addresses a request forged by a template or a
// redirect would want: the machine itself and the cloud metadata services.
//   "loopback"        127.0.0.0/8, ::1
//   "unspecified"     0.0.0.0/8, :: (Linux connects 0.0.0.0 to the local machine)
//   "link-local"      169.254.0.0/16 (169.254.169.254 is the AWS/GCP/Azure metadata service),
//                     fe80::/10
//   "cloud metadata"  fd00:ec2::254 (AWS, IPv6), 100.100.100.200 (Alibaba),
//                     168.63.129.16 (Azure WireServer)
// IPv4 addresses embedded in IPv6 (::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d) are judged as
// the IPv4 address. Private ranges (10/8, 172.16/12, 192.168/16, fc00::/7) are not on the list:
// internal services are a legitimate thing for an operator to allow by name.
const char* InternalAddressKind(const IpAddress& a);

class HostResolver {
 public:
  virtual ~HostResolver() = default;
  // The addresses `host` (a name, not an address literal) resolves to for TCP on `port`, in the
  // system's order of preference, without duplicates. Unavailable when the name does not
  // resolve (a retry may succeed).
  virtual Result<std::vector<IpAddress>> Resolve(const std::string& host, int port) = 0;
};

// getaddrinfo(3). Blocks for as long as the system resolver takes (resolv.conf's timeouts).
class SystemResolver final : public HostResolver {
 public:
  Result<std::vector<IpAddress>> Resolve(const std::string& host, int port) override;
};

}  // namespace atelier
