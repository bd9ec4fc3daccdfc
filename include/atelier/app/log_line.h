// The processes' log format: one JSON object per line, {"ts", "level", "msg", ...extra}, as
// `atelier serve` and `atelier worker` write it.
#pragma once

#include <cstdint>
#include <string>

#include "atelier/core/template.h"  // Json

namespace atelier {

// The line (without its newline). Invalid UTF-8 in `msg` or `extra` (bytes a client or a provider
// sent, echoed in a message) is replaced, never thrown on.
std::string LogLine(int64_t now_ms, const std::string& level, const std::string& msg,
                    const Json& extra = Json::object());

}  // namespace atelier
