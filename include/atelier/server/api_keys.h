// API keys: secrets "atl_" + 40 hex characters from the OS's random source. Only the SHA-256 of a
// secret is stored; the secret itself is shown once, when the key is made. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "atelier/app/app.h"
#include "atelier/store/accounts.h"
#include "atelier/blob/sha256.h"  // Sha256Hex: how secrets are stored; RandomHex makes them

namespace atelier {

struct NewApiKey {
  ApiKeyRecord record;
  std::string secret;  // shown once, never stored
};

// Makes a key for workspace `ws` (which must exist: NotFound otherwise).
Result<NewApiKey> CreateApiKey(AccountStore& accounts, const std::string& ws, Role role,
                               const std::string& name, int64_t now_ms);

// The first start: when the database holds no API key at all, makes an admin key for the default
// workspace and returns it (nullopt when keys exist already).
Result<std::optional<NewApiKey>> BootstrapAdminKey(App& app, int64_t now_ms);

}  // namespace atelier
