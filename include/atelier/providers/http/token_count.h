// TokenCount: a token count read from a provider's answer ("usage": {"prompt_tokens": 12}), for
// every provider that reports usage. Pure, thread-safe.
#pragma once

#include <cstdint>

#include "atelier/core/json_limits.h"  // Json

namespace atelier {

// More tokens than any call can use: a count above it is not believed.
inline constexpr int64_t kMaxTokenCount = 1'000'000'000'000'000;

// The whole number at `obj[key]`, or 0 when `obj` is not an object, the field is missing, not a
// number, negative or above kMaxTokenCount (a fractional one is truncated). A broken or hostile
// answer ("prompt_tokens": 3.7e44) must neither overflow the conversion (undefined behaviour,
// found by fuzz_providers) nor make the credits of a call negative or absurd.
int64_t TokenCount(const Json& obj, const char* key);

}  // namespace atelier
