#include "atelier/server/api_keys.h"

#include <openssl/rand.h>

#include <vector>

namespace atelier {
namespace {

std::string ToHex(const unsigned char* data, size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

}  // namespace

std::string RandomHex(int bytes) {
  std::vector<unsigned char> buf(static_cast<size_t>(bytes));
  ATELIER_CHECK(RAND_bytes(buf.data(), bytes) == 1);
  return ToHex(buf.data(), buf.size());
}

Result<NewApiKey> CreateApiKey(AccountStore& accounts, const std::string& ws, Role role,
                               const std::string& name, int64_t now_ms) {
  NewApiKey k;
  k.secret = "atl_" + RandomHex(20);
  k.record.id = "key_" + RandomHex(8);
  k.record.workspace_id = ws;
  k.record.role = role;
  k.record.name = name;
  k.record.prefix = k.secret.substr(0, 12);
  k.record.secret_hash = Sha256Hex(k.secret);
  k.record.created_at = now_ms;
  if (Status s = accounts.InsertApiKey(k.record); !s.ok()) return Err(s);
  return k;
}

Result<std::optional<NewApiKey>> BootstrapAdminKey(App& app, int64_t now_ms) {
  auto count = app.accounts().CountApiKeys();
  if (!count) return Err(count.error());
  if (*count > 0) return std::optional<NewApiKey>();
  auto key = CreateApiKey(app.accounts(), App::kWorkspace, Role::kAdmin, "bootstrap admin", now_ms);
  if (!key) return Err(key.error());
  return std::optional<NewApiKey>(std::move(*key));
}

}  // namespace atelier
