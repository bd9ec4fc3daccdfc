// Lua's pattern functions (string.find, match, gmatch, gsub) with their work counted.
//
// Lua's own string library runs a pattern inside one C call that no hook can interrupt, and its
// backtracking takes time exponential in the pattern's quantifiers:
// ("a"):rep(200):find(("a-"):rep(8) .. "b") runs for days. A script could so hold a worker
// forever, past its instruction limit and deaf to cancellation. These versions match exactly as
// Lua 5.4's do (same results, same errors; fuzz/fuzz_lua_patterns.cc compares them with the
// library's on every input) and report their work to `charge` as they go: one unit per pattern
// element tried, per subject byte a class or %b scans, per 32 bytes a plain find or a
// back-reference compares (about what a VM instruction costs). `charge` decides whether to go on;
// it stops the call by raising a Lua error (lua_error does not return).
#pragma once

#include <cstdint>
#include <lua5.4/lua.hpp>

namespace atelier::lua_patterns {

// Called with the work done since its last call, at least every kChargeEvery units and when a
// call ends. Runs on the calling script's lua_State; may raise.
using Charge = void (*)(lua_State* L, int64_t work);
inline constexpr int64_t kChargeEvery = 1000;

// Replaces find, match, gmatch and gsub in the table at `table_index` (the string library, which
// is also the strings' __index) with the counted versions.
void Install(lua_State* L, int table_index, Charge charge);

}  // namespace atelier::lua_patterns
