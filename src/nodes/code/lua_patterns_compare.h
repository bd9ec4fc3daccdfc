// For tests and the fuzzer (not linked into the product): a Lua state where `lib` is Lua 5.4's
// own string library and `counted` the counted pattern functions (lua_patterns.h), with
//   compare(fn, limit, ...)  "" when lib[fn](...) and counted[fn](...) return the same values or
//                            raise the same error (gmatch: its first 1,000 matches, as a list;
//                            an argument error's function name aside: Lua names its own function
//                            "string.find", ours "?"); "skip" when the counted one passed `limit`
//                            units of work (Lua's would take as long); otherwise both results.
//   reset_budget(limit), used()  the counted functions' work since the last reset.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <lua5.4/lua.hpp>

#include "lua_patterns.h"

namespace atelier::lua_patterns::comparison {

inline int64_t g_used = 0;
inline int64_t g_limit = INT64_MAX;

inline void Charge(lua_State* L, int64_t work) {
  g_used += work;
  if (g_used > g_limit) luaL_error(L, "instruction limit exceeded");
}

inline int ResetBudget(lua_State* L) {
  g_used = 0;
  g_limit = luaL_checkinteger(L, 1);
  return 0;
}

inline int Used(lua_State* L) {
  lua_pushinteger(L, g_used);
  return 1;
}

inline constexpr const char* kCompare = R"lua(
local function pack(ok, ...) return {ok = ok, n = select('#', ...), ...} end
local function call(t, fn, limit, ...)
  reset_budget(limit)
  local f = t[fn]
  if fn == 'gmatch' then
    local args = table.pack(...)
    return pack(pcall(function()
      local all, count = {}, 0
      for a, b, c in f(table.unpack(args, 1, args.n)) do
        all[#all + 1] = tostring(a) .. '|' .. tostring(b) .. '|' .. tostring(c)
        count = count + 1
        if count == 1000 then break end
      end
      return table.concat(all, ',')
    end))
  end
  return pack(pcall(f, ...))
end
local function norm(v)
  if type(v) == 'string' then return (lib.gsub(v, "to '[^']*'", "to '?'")) end
  return v
end
function compare(fn, limit, ...)
  local c = call(counted, fn, limit, ...)
  -- (raised in a gmatch loop, the message starts with the loop's line)
  if not c.ok and lib.find(tostring(c[1]), 'instruction limit exceeded', 1, true) then
    return 'skip'
  end
  local l = call(lib, fn, math.maxinteger, ...)
  local same = c.ok == l.ok and c.n == l.n
  for i = 1, math.max(c.n, l.n) do
    if norm(c[i]) ~= norm(l[i]) or math.type(c[i]) ~= math.type(l[i]) then same = false end
  end
  if same then return '' end
  local function show(r)
    local parts = {}
    for i = 1, r.n do parts[#parts + 1] = lib.format('%q', tostring(r[i])) end
    return tostring(r.ok) .. ' ' .. table.concat(parts, ' ')
  end
  return fn .. ': counted ' .. show(c) .. ' / lib ' .. show(l)
end
)lua";

// The state described above; aborts when it cannot be built (kCompare does not load).
inline lua_State* NewComparisonState() {
  lua_State* L = luaL_newstate();
  luaL_openlibs(L);
  lua_getglobal(L, "string");
  lua_setglobal(L, "lib");
  lua_createtable(L, 0, 4);
  Install(L, -1, Charge);
  lua_setglobal(L, "counted");
  lua_register(L, "reset_budget", ResetBudget);
  lua_register(L, "used", Used);
  if (luaL_dostring(L, kCompare) != LUA_OK) {
    std::fprintf(stderr, "the comparison does not load: %s\n", lua_tostring(L, -1));
    std::abort();
  }
  return L;
}

}  // namespace atelier::lua_patterns::comparison
