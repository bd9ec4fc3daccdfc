#include "sessions.h"

#include "atelier/server/api_keys.h"

namespace atelier::api {

void SessionStore::Sweep(int64_t now_ms) {
  for (auto* m : {&sessions_, &links_})
    for (auto it = m->begin(); it != m->end();)
      it = it->second.expires_at <= now_ms ? m->erase(it) : std::next(it);
}

std::string SessionStore::Open(const std::string& key_hash, int64_t now_ms) {
  std::string token = "ses_" + RandomHex(24);
  std::lock_guard<std::mutex> l(mu_);
  Sweep(now_ms);
  sessions_[Sha256Hex(token)] = {key_hash, now_ms + kLifetimeMs};
  return token;
}

std::optional<std::string> SessionStore::Find(const std::string& token, int64_t now_ms) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = sessions_.find(Sha256Hex(token));
  if (it == sessions_.end() || it->second.expires_at <= now_ms) return std::nullopt;
  return it->second.key_hash;
}

void SessionStore::Close(const std::string& token) {
  std::lock_guard<std::mutex> l(mu_);
  sessions_.erase(Sha256Hex(token));
}

std::string SessionStore::CreateLink(const std::string& key_hash, int64_t now_ms) {
  std::string token = "lnk_" + RandomHex(24);
  std::lock_guard<std::mutex> l(mu_);
  links_[Sha256Hex(token)] = {key_hash, now_ms + kLinkLifetimeMs};
  return token;
}

std::optional<std::string> SessionStore::RedeemLink(const std::string& token, int64_t now_ms) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = links_.find(Sha256Hex(token));
  if (it == links_.end()) return std::nullopt;
  Entry e = it->second;
  links_.erase(it);
  if (e.expires_at <= now_ms) return std::nullopt;
  return e.key_hash;
}

std::string CookieValue(const std::string& header, const std::string& name) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string part = header.substr(pos, end - pos);
    size_t b = part.find_first_not_of(' ');
    if (b != std::string::npos) part = part.substr(b);
    if (part.size() > name.size() && part.compare(0, name.size(), name) == 0 &&
        part[name.size()] == '=')
      return part.substr(name.size() + 1);
    pos = end + 1;
  }
  return "";
}

}  // namespace atelier::api
