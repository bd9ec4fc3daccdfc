// SHA-256 of a byte string as 64 lower-case hex characters. Shared by the blob store and anyone
// who needs a content address (artifact ids, cache keys); HMAC-SHA256 for signed webhooks; random
// hex for secrets. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace atelier {

std::string Sha256Hex(std::string_view bytes);

// True when `s` is exactly 64 lower-case hex characters, the only form a blob hash takes.
bool IsSha256Hex(std::string_view s);

// `bytes` bytes from OpenSSL's random source (RAND_bytes) as lower-case hex (2 * bytes
// characters): secrets, tokens and ids that must not be guessed.
std::string RandomHex(int bytes);

// HMAC-SHA256 of `data` under `key`, as 64 lower-case hex characters.
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// Whether two strings are equal, in time that depends only on their lengths (for comparing a
// signature an attacker sent with the expected one).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace atelier
