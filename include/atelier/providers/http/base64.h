// Base64 (RFC 4648, standard alphabet with padding) for provider adapters: images travel as
// base64 in JSON bodies and data URLs. Pure functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "atelier/core/status.h"

namespace atelier {

// Encodes `bytes` with the standard alphabet and '=' padding.
std::string Base64Encode(std::string_view bytes);

// Decodes standard or URL-safe base64; padding is optional and ASCII whitespace (line breaks in
// wrapped output) is skipped. InvalidArgument for any other character or a truncated input.
Result<std::string> Base64Decode(std::string_view text);

}  // namespace atelier
