// The code node's counted pattern functions (src/nodes/code/lua_patterns.h) against Lua 5.4's own
// string.find, match, gmatch and gsub (compare() of src/nodes/code/lua_patterns_compare.h): the
// same arguments to both must give the same results, or the same error. The counted version runs
// first with a budget of 200,000 units; a case that passes it is not run through Lua's (which
// would take as long). Input: byte 0 picks the function (and for gsub the replacement, for find
// whether plain), byte 1 the start position (-8..7, or none), then the pattern up to the first
// newline, then the subject (NUL bytes and newlines allowed in it). Checks: no crash, UB, leak or
// hang; identical results and error messages (an argument error's function name aside: Lua names
// its own function "string.find", ours "?").
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "nodes/code/lua_patterns_compare.h"

namespace {

constexpr int64_t kBudget = 200000;

// The replacements gsub is given, picked by the input's first byte.
constexpr const char* kReplacements = R"lua(
replacements = {'<%0>', '%1-%2', '%%', {a = 'A', b = false, ['1'] = 1},
                function(a, b) return b or a end, function() return false end, 42, '%'}
)lua";

lua_State* State() {
  static lua_State* L = [] {
    lua_State* s = atelier::lua_patterns::comparison::NewComparisonState();
    if (luaL_dostring(s, kReplacements) != LUA_OK) std::abort();
    return s;
  }();
  return L;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  lua_State* L = State();
  const int op = data[0];
  const int init = static_cast<int8_t>(data[1]) >> 4;  // -8..7
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  const size_t nl = rest.find('\n');
  const std::string_view pattern = rest.substr(0, nl);
  const std::string_view subject =
      nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  static constexpr const char* kFunctions[] = {"find", "match", "gmatch", "gsub"};
  const char* fn = kFunctions[op % 4];

  lua_getglobal(L, "compare");
  lua_pushstring(L, fn);
  lua_pushinteger(L, kBudget);
  lua_pushlstring(L, subject.data(), subject.size());
  lua_pushlstring(L, pattern.data(), pattern.size());
  int args = 4;
  if (op % 4 == 3) {  // gsub: a replacement, and sometimes a count
    lua_getglobal(L, "replacements");
    lua_rawgeti(L, -1, (op / 4) % 8 + 1);
    lua_remove(L, -2);
    ++args;
    if (op & 0x80) {
      lua_pushinteger(L, init);
      ++args;
    }
  } else if ((data[1] & 0x0f) != 0) {  // a start position
    lua_pushinteger(L, init);
    ++args;
    if (op % 4 == 0 && (op & 0x10)) {  // find, plain
      lua_pushboolean(L, 1);
      ++args;
    }
  }
  if (lua_pcall(L, args, 1, 0) != LUA_OK) {
    std::cerr << "the comparison failed: " << lua_tostring(L, -1) << "\n";
    std::abort();
  }
  size_t len = 0;
  const char* out = lua_tolstring(L, -1, &len);
  const std::string_view result(out, len);
  if (result != "" && result != "skip") {
    std::cerr << result << "\n";
    std::abort();
  }
  lua_settop(L, 0);
  return 0;
}
