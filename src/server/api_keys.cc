#include "atelier/server/api_keys.h"

namespace atelier {

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
