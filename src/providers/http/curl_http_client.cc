#include "atelier/providers/http/curl_http_client.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include "atelier/providers/http/host_resolver.h"
#include "atelier/providers/http/http_url.h"

namespace atelier {
namespace {

constexpr int kPollIntervalMs = 100;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct MultiDeleter {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct MimeDeleter {
  void operator()(curl_mime* m) const { curl_mime_free(m); }
};

// Detaches the easy handle from the multi handle before either is cleaned up.
struct MultiAttachment {
  CURLM* multi;
  CURL* easy;
  ~MultiAttachment() { curl_multi_remove_handle(multi, easy); }
};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string TrimSpace(const std::string& s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

struct BodySink {
  std::string* body;
  const std::function<void(std::string_view)>* on_body;  // may be empty
};

size_t WriteBody(char* data, size_t size, size_t nmemb, void* userdata) {
  auto* sink = static_cast<BodySink*>(userdata);
  sink->body->append(data, size * nmemb);
  if (*sink->on_body) (*sink->on_body)(std::string_view(data, size * nmemb));
  return size * nmemb;
}

size_t WriteHeader(char* data, size_t size, size_t nmemb, void* userdata) {
  auto* headers = static_cast<std::vector<std::pair<std::string, std::string>>*>(userdata);
  std::string line(data, size * nmemb);
  // A new status line starts a new header block (a redirect, or "100 Continue"): keep only the
  // final response's headers.
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();
    return size * nmemb;
  }
  size_t colon = line.find(':');
  if (colon != std::string::npos && colon > 0) {
    headers->emplace_back(Lower(TrimSpace(line.substr(0, colon))),
                          TrimSpace(line.substr(colon + 1)));
  }
  return size * nmemb;
}

int OnProgress(void* clientp, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<CancelToken*>(clientp)->cancelled() ? 1 : 0;
}

// A pinned request's socket factory: every connection curl opens (first address, fallbacks,
// redirects) must go to one of the pinned addresses. CURLOPT_RESOLVE already makes curl use
// them; this is the check that holds even if curl and the caller disagree about the URL's host.
struct PinGuard {
  std::vector<IpAddress> allowed;
  int port = 0;
  std::string refused;  // the first address refused, for the error
};

curl_socket_t OpenPinnedSocket(void* clientp, curlsocktype, curl_sockaddr* a) {
  auto* guard = static_cast<PinGuard*>(clientp);
  IpAddress ip;
  int port = 0;
  if (a->family == AF_INET && a->addrlen >= sizeof(sockaddr_in)) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&a->addr);
    std::memcpy(ip.bytes.data(), &sin->sin_addr, 4);
    port = ntohs(sin->sin_port);
  } else if (a->family == AF_INET6 && a->addrlen >= sizeof(sockaddr_in6)) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&a->addr);
    ip.v6 = true;
    std::memcpy(ip.bytes.data(), &sin6->sin6_addr, 16);
    port = ntohs(sin6->sin6_port);
  } else {
    if (guard->refused.empty())
      guard->refused = "an address of family " + std::to_string(a->family);
    return CURL_SOCKET_BAD;
  }
  if (port != guard->port ||
      std::find(guard->allowed.begin(), guard->allowed.end(), ip) == guard->allowed.end()) {
    if (guard->refused.empty()) {
      guard->refused =
          (ip.v6 ? "[" + ip.ToString() + "]" : ip.ToString()) + ":" + std::to_string(port);
    }
    return CURL_SOCKET_BAD;
  }
  return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

Status StatusFromCurl(CURLcode rc, const std::string& what, const char* errbuf) {
  std::string text = (errbuf != nullptr && errbuf[0] != '\0') ? errbuf : curl_easy_strerror(rc);
  std::string message = what + ": " + text;
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return DeadlineExceeded(std::move(message));
    case CURLE_ABORTED_BY_CALLBACK:
      return Cancelled(what + ": cancelled");
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return InvalidArgument(std::move(message));
    default:
      // Refused, reset, closed mid-answer, empty reply, DNS and TLS failures: the far side or the
      // path to it; a retry may get through.
      return Unavailable(std::move(message));
  }
}

}  // namespace

CurlHttpClient::CurlHttpClient() { GlobalInitOnce(); }

Result<HttpResponse> CurlHttpClient::Send(const HttpRequest& req, CancelToken& cancel) {
  GlobalInitOnce();
  const std::string what = "http: " + req.method + " " + RedactUrl(req.url);
  if (cancel.cancelled()) return Err(Cancelled(what + ": cancelled"));

  // Declared before the handles so that they outlive them: the easy handle points at them all.
  char errbuf[CURL_ERROR_SIZE] = {0};
  HttpResponse resp;
  BodySink body_sink{&resp.body, &req.on_body};
  std::unique_ptr<curl_slist, SlistDeleter> header_list;
  std::unique_ptr<curl_slist, SlistDeleter> resolve_list;
  PinGuard guard;
  std::unique_ptr<curl_mime, MimeDeleter> mime;
  std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  std::unique_ptr<CURLM, MultiDeleter> multi(curl_multi_init());
  if (!easy || !multi) return Err(Internal(what + ": curl initialisation failed"));
  CURL* h = easy.get();

  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // worker threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(req.timeout_ms, 1)));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max<int64_t>(req.connect_timeout_ms, 1)));
  // Only HTTP(S), also after redirects: a URL taken from a provider's answer must not read
  // local files (file://) or reach other protocols.
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  if (req.follow_redirects) {
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
  }
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body_sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &resp.headers);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &cancel);

  if (req.pin) {
    auto url = ParseHttpUrl(req.url);
    if (!url) return Err(InvalidArgument(what + ": " + url.error().message()));
    if (url->host != req.pin->host || url->port != req.pin->port) {
      return Err(InvalidArgument(what + ": pinned to '" + req.pin->host + ":" +
                                 std::to_string(req.pin->port) + "', not the URL's '" + url->host +
                                 ":" + std::to_string(url->port) + "'"));
    }
    std::string entry;
    for (const std::string& text : req.pin->addresses) {
      auto ip = IpAddress::Parse(text);
      if (!ip) return Err(InvalidArgument(what + ": pinned address '" + text + "' is not an IP"));
      guard.allowed.push_back(*ip);
      entry += (entry.empty() ? "" : ",") + (ip->v6 ? "[" + ip->ToString() + "]" : ip->ToString());
    }
    if (guard.allowed.empty()) return Err(InvalidArgument(what + ": pinned to no address"));
    guard.port = url->port;
    // An address literal needs no lookup; a name gets the pinned addresses instead of DNS.
    if (!IpAddress::Parse(url->host)) {
      const std::string line = url->host + ":" + std::to_string(url->port) + ":" + entry;
      resolve_list.reset(curl_slist_append(nullptr, line.c_str()));
      curl_easy_setopt(h, CURLOPT_RESOLVE, resolve_list.get());
    }
    curl_easy_setopt(h, CURLOPT_PROXY, "");  // a proxy would make the connection, elsewhere
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, OpenPinnedSocket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &guard);
  }

  curl_slist* raw_headers = nullptr;
  for (const auto& [name, value] : req.headers) {
    // "Name;" is curl's way to send a header with an empty value.
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    raw_headers = curl_slist_append(raw_headers, line.c_str());
  }
  // Without this curl waits up to a second for "100 Continue" before sending a large body.
  raw_headers = curl_slist_append(raw_headers, "Expect:");
  header_list.reset(raw_headers);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());

  if (req.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (!req.form.empty()) {
    mime.reset(curl_mime_init(h));
    for (const HttpPart& p : req.form) {
      curl_mimepart* part = curl_mime_addpart(mime.get());
      curl_mime_name(part, p.name.c_str());
      curl_mime_data(part, p.data.data(), p.data.size());
      if (!p.filename.empty()) curl_mime_filename(part, p.filename.c_str());
      if (!p.content_type.empty()) curl_mime_type(part, p.content_type.c_str());
    }
    curl_easy_setopt(h, CURLOPT_MIMEPOST, mime.get());
    if (req.method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  } else {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
    if (req.method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }

  // Driving the transfer through a multi handle lets this thread wake every kPollIntervalMs to
  // look at the token, however quiet the connection is (the progress callback alone can go a
  // second between calls on an idle connection).
  if (curl_multi_add_handle(multi.get(), h) != CURLM_OK) {
    return Err(Internal(what + ": curl_multi_add_handle failed"));
  }
  MultiAttachment attached{multi.get(), h};
  CURLcode result = CURLE_OK;
  bool done = false;
  while (!done) {
    int running = 0;
    CURLMcode mc = curl_multi_perform(multi.get(), &running);
    if (mc != CURLM_OK) return Err(Internal(what + ": " + curl_multi_strerror(mc)));
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi.get(), &queued)) {
      if (msg->msg == CURLMSG_DONE && msg->easy_handle == h) {
        result = msg->data.result;
        done = true;
      }
    }
    if (done) break;
    if (running == 0) {
      // Finished without a DONE message: should not happen; treat as a dropped transfer.
      return Err(Unavailable(what + ": transfer ended without a result"));
    }
    if (cancel.cancelled()) return Err(Cancelled(what + ": cancelled"));
    mc = curl_multi_poll(multi.get(), nullptr, 0, kPollIntervalMs, nullptr);
    if (mc != CURLM_OK) return Err(Internal(what + ": " + curl_multi_strerror(mc)));
    if (cancel.cancelled()) return Err(Cancelled(what + ": cancelled"));
  }

  if (!guard.refused.empty()) {
    std::string pinned;
    for (const IpAddress& ip : guard.allowed)
      pinned += (pinned.empty() ? "" : ", ") + ip.ToString();
    return Err(Status(Code::kPermissionDenied, what + ": connection to " + guard.refused +
                                                   " refused: the request is pinned to " + pinned +
                                                   " port " + std::to_string(guard.port)));
  }
  if (result != CURLE_OK) return Err(StatusFromCurl(result, what, errbuf));
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  resp.status = static_cast<int>(code);
  return resp;
}

}  // namespace atelier
