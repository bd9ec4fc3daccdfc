#include "lua_patterns.h"

#include <gtest/gtest.h>

#include <string>

#include "lua_patterns_compare.h"

namespace atelier::lua_patterns {
namespace {

// A full Lua state with `lib`, `counted` and compare() (lua_patterns_compare.h).
class LuaPatternsTest : public ::testing::Test {
 protected:
  void SetUp() override { L_ = comparison::NewComparisonState(); }
  void TearDown() override { lua_close(L_); }

  // Runs `chunk`; its string result, or the error.
  std::string Run(const std::string& chunk) {
    if (luaL_dostring(L_, chunk.c_str()) != LUA_OK) {
      std::string e = lua_tostring(L_, -1);
      lua_pop(L_, 1);
      return "error: " + e;
    }
    std::string out = lua_isstring(L_, -1) ? lua_tostring(L_, -1) : "(no string)";
    lua_settop(L_, 0);
    return out;
  }

  lua_State* L_ = nullptr;
};

TEST_F(LuaPatternsTest, MatchesLuaOnEveryFeatureAndError) {
  const std::string out = Run(R"lua(
local subjects = {'', 'hello world', '  trim me  ', 'key = value', 'THE (quick) [brown] fox',
  'a,b,,c', 'f(a(b)c)d', 'THE END', '2024-12-07', 'x\0y\0z', 'aaa', 'abcabc', 'über',
  'one two  three', '$100 and 50%', 'a.b.c'}
local patterns = {'', 'o', 'l+', 'l*', 'l-', 'l?', '^h', 'd$', '^$', '.', '%a+', '%A+', '%d+',
  '%s*(.-)%s*$', '(%w+)%s*=%s*(%w+)', '%b()', '%b[]', '%f[%a]%a+', '%f[%A]', '[aeiou]', '[^aeiou]+',
  '[a-c]+', '[%a-]', '[]]', '[^]]', '()a()', '(a)(b)', '(a*(.)%w(%s*))', '(.)%1', '(%a+) %1',
  '%.', '%%', '$', 'a$b', '%x+', '%p', '%c', '%u%l', '%S+', '%W', '%G', '%L+', '[%]]', '%z', '%Z+', '[%z]',
  -- malformed ones: each an error
  '%', '[a', '[', '(', ')', '%b', '%ba', '%f', '%fa', '%1', '(a%2)', '((a)', '[%', 'a)',
  ('(a)'):rep(33), '%0', '(()%1)'}
local failures = {}
for _, s in ipairs(subjects) do
  for _, p in ipairs(patterns) do
    for _, init in ipairs({1, 0, 3, -2, -100, 100}) do
      for _, fn in ipairs({'find', 'match', 'gmatch'}) do
        local d = compare(fn, 1e7, s, p, init)
        if d ~= '' then failures[#failures + 1] = d end
      end
      local d = compare('find', 1e7, s, p, init, true)
      if d ~= '' then failures[#failures + 1] = d end
    end
    for _, repl in ipairs({'<%0>', '%1-%2', '%%', '%', '%9', 'x%ay', 7,
                           {hello = 'HI', a = false, o = 1}, function(a, b) return b or a end,
                           function() return {} end, function() return nil end}) do
      for _, n in ipairs({nil, 0, 1, 2}) do
        local d = compare('gsub', 1e7, s, p, repl, n)
        if d ~= '' then failures[#failures + 1] = d end
      end
    end
  end
end
for _, bad in ipairs({{nil, 'a'}, {'a', nil}, {{}, 'a'}, {'a', 'a', 'x'}}) do
  for _, fn in ipairs({'find', 'match', 'gmatch', 'gsub'}) do
    local d = compare(fn, 1e7, bad[1], bad[2], bad[3])
    if d ~= '' then failures[#failures + 1] = d end
  end
end
local d = compare('gsub', 1e7, 'abc', '%w', true)
if d ~= '' then failures[#failures + 1] = d end
return #failures .. (failures[1] and (': ' .. table.concat(failures, '\n', 1, math.min(#failures, 5))) or '')
)lua");
  EXPECT_EQ(out, "0");
}

TEST_F(LuaPatternsTest, MatchesLuaOnRandomPatterns) {
  // Fixed seeds: the same 20,000 cases each run. A case whose counted run passes 200,000 units
  // is skipped (Lua's own would take as long); most are not.
  const std::string out = Run(R"lua(
math.randomseed(20261207, 12)
local atoms = {'a', 'b', '.', '%a', '%d', '[ab]', '[^a]', '%b()', '%f[%w]', '(', ')', '()', '%1',
  '^', '$', '%', '[', ']', '-', ' '}
local quant = {'', '', '', '*', '+', '-', '?'}
local chars = {'a', 'b', ' ', '(', ')', '1', 'x', '\0'}
local failures, skipped = {}, 0
for _ = 1, 20000 do
  local p = {}
  for _ = 1, math.random(0, 6) do p[#p + 1] = atoms[math.random(#atoms)] .. quant[math.random(#quant)] end
  local s = {}
  for _ = 1, math.random(0, 12) do s[#s + 1] = chars[math.random(#chars)] end
  local fn = ({'find', 'match', 'gmatch', 'gsub'})[math.random(4)]
  local d = compare(fn, 200000, table.concat(s), table.concat(p),
                    fn == 'gsub' and '[%0]' or math.random(-3, 4))
  if d == 'skip' then skipped = skipped + 1 elseif d ~= '' then failures[#failures + 1] = d end
end
return #failures .. ' ' .. tostring(skipped < 200) ..
       (failures[1] and (': ' .. table.concat(failures, '\n', 1, math.min(#failures, 5))) or '')
)lua");
  EXPECT_EQ(out, "0 true");
}

TEST_F(LuaPatternsTest, ChargesTheWorkOfBacktracking) {
  // Linear patterns cost about their subject; the exponential one is stopped at the limit.
  EXPECT_EQ(Run(R"lua(
reset_budget(math.maxinteger)
local s = ('a'):rep(10000)
assert(counted.find(s, '[b]') == nil)
local linear = used()
reset_budget(1000000)
local ok, err = pcall(counted.find, ('a'):rep(200), ('a-'):rep(8) .. 'b')
return tostring(linear > 10000 and linear < 100000) .. ' ' .. tostring(ok) .. ' ' .. err ..
       ' ' .. tostring(used() > 1000000)
)lua"),
            "true false instruction limit exceeded true");
}

TEST_F(LuaPatternsTest, ChargesPlainFindsAndLongSubjects) {
  EXPECT_EQ(Run(R"lua(
reset_budget(math.maxinteger)
local s = ('a'):rep(100000)
assert(counted.find(s, ('a'):rep(1000) .. 'b', 1, true) == nil)
local quadratic = used()
reset_budget(math.maxinteger)
assert(counted.find(s .. 'b', 'b', 1, true) == 100001)
local scan = used()
return tostring(quadratic > 100000 * 1000 / 32 / 2) .. ' ' .. tostring(scan < 10000)
)lua"),
            "true true");
}

}  // namespace
}  // namespace atelier::lua_patterns
