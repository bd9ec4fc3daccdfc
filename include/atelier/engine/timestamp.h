// How the engine writes a time into an event payload or a message, and clients read it: ISO-8601
// UTC with milliseconds. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace atelier {

// "2026-11-21T06:03:27.123Z"; "" for 0.
std::string FormatTimestamp(int64_t ms);

}  // namespace atelier
