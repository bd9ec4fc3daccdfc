#include "atelier/providers/http/host_resolver.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace atelier {
namespace {

struct AddrInfoDeleter {
  void operator()(addrinfo* a) const { freeaddrinfo(a); }
};

IpAddress V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddress ip;
  ip.bytes = {a, b, c, d};
  return ip;
}

const char* V4Kind(const uint8_t* b) {
  if (b[0] == 127) return "loopback";
  if (b[0] == 0) return "unspecified";
  if (b[0] == 169 && b[1] == 254) return "link-local";
  IpAddress ip = V4(b[0], b[1], b[2], b[3]);
  if (ip == V4(100, 100, 100, 200) || ip == V4(168, 63, 129, 16)) return "cloud metadata";
  return nullptr;
}

}  // namespace

std::optional<IpAddress> IpAddress::Parse(const std::string& text) {
  std::string t = text;
  if (t.size() >= 2 && t.front() == '[' && t.back() == ']') t = t.substr(1, t.size() - 2);
  IpAddress ip;
  if (inet_pton(AF_INET, t.c_str(), ip.bytes.data()) == 1) return ip;
  ip.v6 = true;
  if (inet_pton(AF_INET6, t.c_str(), ip.bytes.data()) == 1) return ip;
  return std::nullopt;
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof(buf));
  return buf;
}

const char* InternalAddressKind(const IpAddress& a) {
  const uint8_t* b = a.bytes.data();
  if (!a.v6) return V4Kind(b);
  auto zero = [&](int from, int to) {
    return std::all_of(b + from, b + to, [](uint8_t x) { return x == 0; });
  };
  if (zero(0, 10) && b[10] == 0xff && b[11] == 0xff) return V4Kind(b + 12);  // ::ffff:a.b.c.d
  if (zero(0, 12)) {
    if (zero(12, 15) && b[15] == 1) return "loopback";  // ::1
    if (zero(12, 16)) return "unspecified";             // ::
    return V4Kind(b + 12);                              // ::a.b.c.d (deprecated form)
  }
  static const uint8_t kNat64[12] = {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(b, kNat64, 12) == 0) return V4Kind(b + 12);      // 64:ff9b::a.b.c.d
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return "link-local";  // fe80::/10
  if (a == *IpAddress::Parse("fd00:ec2::254")) return "cloud metadata";
  return nullptr;
}

Result<std::vector<IpAddress>> SystemResolver::Resolve(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw = nullptr;
  const std::string service = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &raw);
  std::unique_ptr<addrinfo, AddrInfoDeleter> list(raw);
  if (rc != 0) return Err(Unavailable("resolving '" + host + "': " + gai_strerror(rc)));
  std::vector<IpAddress> out;
  for (addrinfo* a = list.get(); a != nullptr; a = a->ai_next) {
    IpAddress ip;
    if (a->ai_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(a->ai_addr);
      std::memcpy(ip.bytes.data(), &sin->sin_addr, 4);
    } else if (a->ai_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(a->ai_addr);
      ip.v6 = true;
      std::memcpy(ip.bytes.data(), &sin6->sin6_addr, 16);
    } else {
      continue;
    }
    if (std::find(out.begin(), out.end(), ip) == out.end()) out.push_back(ip);
  }
  if (out.empty()) return Err(Unavailable("resolving '" + host + "': no IPv4 or IPv6 address"));
  return out;
}

}  // namespace atelier
