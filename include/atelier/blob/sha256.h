// SHA-256 of a byte string as 64 lower-case hex characters. Shared by the blob store and anyone
// who needs a content address (artifact ids, cache keys). Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace atelier {

std::string Sha256Hex(std::string_view bytes);

// True when `s` is exactly 64 lower-case hex characters, the only form a blob hash takes.
bool IsSha256Hex(std::string_view s);

}  // namespace atelier
