#include "atelier/providers/http/host_allow_list.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace atelier {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
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

}  // namespace

std::string HostPort(const std::string& host, int port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

HostAllowList::HostAllowList(std::vector<std::string> entries,
                             std::shared_ptr<HostResolver> resolver)
    : resolver_(resolver ? std::move(resolver) : std::make_shared<SystemResolver>()) {
  for (const std::string& raw : entries) {
    const std::string e = Lower(raw);
    Entry a;
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
    entries_.push_back(std::move(a));
  }
}

bool HostAllowList::Allows(const HttpUrl& u) const {
  const auto ip = IpAddress::Parse(u.host);
  return std::any_of(entries_.begin(), entries_.end(), [&](const Entry& a) {
    if (a.port != 0 && a.port != u.port) return false;
    return a.host == u.host || (a.ip && ip && *a.ip == *ip);
  });
}

bool HostAllowList::AddressNamed(const IpAddress& ip, int port) const {
  return std::any_of(entries_.begin(), entries_.end(), [&](const Entry& a) {
    return a.ip && *a.ip == ip && (a.port == 0 || a.port == port);
  });
}

Result<HttpRequest::Pin> HostAllowList::Check(const HttpUrl& u, const std::string& where,
                                              const std::string& refused) const {
  if (!Allows(u)) {
    return Err(Status(Code::kPermissionDenied, refused + "host '" + HostPort(u.host, u.port) +
                                                   "' is not on the allow-list " + kWhereTheList));
  }
  HttpRequest::Pin pin;
  pin.host = u.host;
  pin.port = u.port;
  if (auto literal = IpAddress::Parse(u.host)) {
    // The list named this address (Allows): nothing to resolve, nothing to doubt.
    pin.addresses.push_back(literal->ToString());
    return pin;
  }
  auto resolved = resolver_->Resolve(u.host, u.port);
  if (!resolved) return Err(Status(resolved.error().code(), where + resolved.error().message()));
  if (resolved->empty()) return Err(Unavailable(where + "'" + u.host + "' resolves to nothing"));
  std::string internal;  // the addresses refused, with why
  for (const IpAddress& ip : *resolved) {
    const char* kind = InternalAddressKind(ip);
    if (kind == nullptr || AddressNamed(ip, u.port)) {
      pin.addresses.push_back(ip.ToString());
    } else {
      internal += (internal.empty() ? "" : ", ") + ip.ToString() + " (" + kind + ")";
    }
  }
  if (pin.addresses.empty()) {
    const IpAddress& first = resolved->front();
    return Err(Status(Code::kPermissionDenied,
                      refused + "host '" + HostPort(u.host, u.port) + "' resolves only to " +
                          internal +
                          "; a name on the allow-list may not lead there. To allow it, "
                          "list the address itself, e.g. \"" +
                          HostPort(first.ToString(), u.port) + "\" " + kWhereTheList));
  }
  return pin;
}

}  // namespace atelier
