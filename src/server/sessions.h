// Private to the server: browser sessions. A person signs in with an API key once; the server
// keeps the key's hash under a random session token, which the browser holds in an HttpOnly,
// SameSite=Strict cookie (so EventSource works and the key never sits in a URL, a log or
// localStorage). Every request made with the cookie checks the key again, so revoking the key
// ends its sessions. One-time sign-in links (printed by `atelier serve` on a fresh start) carry a
// token that opens one session and then stops working.
//
// Sessions live in this process's memory: a restart signs browsers out. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace atelier::api {

class SessionStore {
 public:
  static constexpr const char* kCookie = "atelier_session";
  static constexpr int64_t kLifetimeMs = int64_t{12} * 3600 * 1000;  // a working day
  static constexpr int64_t kLinkLifetimeMs = int64_t{24} * 3600 * 1000;

  // A new session for the key whose secret hashes to `key_hash`; returns its token.
  std::string Open(const std::string& key_hash, int64_t now_ms);
  // The key hash of a live session, nullopt when unknown or expired.
  std::optional<std::string> Find(const std::string& token, int64_t now_ms);
  // Ends a session (unknown tokens are ignored).
  void Close(const std::string& token);

  // A one-time sign-in token for the key whose secret hashes to `key_hash`.
  std::string CreateLink(const std::string& key_hash, int64_t now_ms);
  // Spends a link token: its key hash the first time, nullopt after (or when expired).
  std::optional<std::string> RedeemLink(const std::string& token, int64_t now_ms);

 private:
  struct Entry {
    std::string key_hash;
    int64_t expires_at = 0;
  };
  void Sweep(int64_t now_ms);  // mu_ held

  std::mutex mu_;
  std::map<std::string, Entry> sessions_;  // by SHA-256 of the token
  std::map<std::string, Entry> links_;     // by SHA-256 of the token
};

// The value of cookie `name` in a Cookie header ("" when absent).
std::string CookieValue(const std::string& header, const std::string& name);

}  // namespace atelier::api
