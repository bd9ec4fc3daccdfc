#include "atelier/nodes/code/code_node.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <lua5.4/lua.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "atelier/core/node_types.h"
#include "atelier/core/render.h"
#include "atelier/nodes/node_support.h"
#include "lua_patterns.h"

// Lua reports errors with longjmp. Every Lua call that can raise runs in protected mode
// (lua_pcall, luaL_loadbufferx); the C functions Lua calls back (Setup, PushJson, Print, the hook)
// keep no object with a destructor alive across a raising call. The result conversion runs
// unprotected and so uses only calls that never raise (lua_next, lua_rawgeti, lua_checkstack...).

namespace atelier {
namespace {

constexpr int kHookEvery = 1000;  // instructions between two hook calls
constexpr int kMaxDepth = 100;
constexpr size_t kMaxLogLines = 1000;
constexpr size_t kMaxLogBytes = 64 * 1024;
constexpr size_t kMaxErrorBytes = 4096;
constexpr std::string_view kLogsTruncated = "[logs truncated: over 1000 lines or 64 KiB]";

// Their addresses identify JSON null (a light userdata) and the array tag in the registry.
const char kNullSentinel = 0;
const char kArrayTagKey = 0;

void* NullSentinel() { return const_cast<char*>(&kNullSentinel); }

// ---- UTF-8 ----

// Length of the valid UTF-8 sequence at p (n bytes available), or 0 when it is invalid.
size_t Utf8SequenceLength(const unsigned char* p, size_t n) {
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  size_t len;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (n < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

bool IsUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  while (i < s.size()) {
    size_t len = Utf8SequenceLength(p + i, s.size() - i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

// Replaces each invalid byte with U+FFFD, reading at most `max_in` bytes of s.
std::string SanitizeUtf8(std::string_view s, size_t max_in) {
  s = s.substr(0, max_in);
  std::string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  while (i < s.size()) {
    size_t len = Utf8SequenceLength(p + i, s.size() - i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.data() + i, len);
      i += len;
    }
  }
  return out;
}

// The longest prefix of valid UTF-8 `s` that has at most n bytes and ends on a character boundary.
std::string_view Utf8Prefix(std::string_view s, size_t n) {
  if (n >= s.size()) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

// ---- the per-execution sandbox state, reached from Lua through the allocator's ud ----

struct Sandbox {
  // Memory.
  size_t memory_limit = 0;  // bytes
  size_t memory_used = 0;
  bool limit_enabled = true;
  int64_t memory_refusals = 0;
  // Instructions, time and cancellation.
  int64_t max_instructions = 0;
  int64_t instructions = 0;
  bool instruction_limit_hit = false;
  std::chrono::steady_clock::time_point deadline;
  bool time_limit_hit = false;
  CancelToken* cancel = nullptr;
  bool cancelled = false;
  // print.
  std::vector<std::string> logs;
  size_t log_bytes = 0;
  bool logs_truncated = false;
  // Setup.
  const Json* input = nullptr;

  void AddLog(std::string_view raw) {
    if (logs_truncated) return;
    std::string line = SanitizeUtf8(raw, kMaxLogBytes + 4);
    if (logs.size() < kMaxLogLines && log_bytes + line.size() <= kMaxLogBytes) {
      log_bytes += line.size();
      logs.push_back(std::move(line));
      return;
    }
    logs_truncated = true;
    if (logs.size() < kMaxLogLines) {
      std::string_view part = Utf8Prefix(line, kMaxLogBytes - log_bytes);
      if (!part.empty()) {
        log_bytes += part.size();
        logs.emplace_back(part);
      }
    }
    // Make room for the marker within both caps.
    while (logs.size() > kMaxLogLines - 1) {
      log_bytes -= logs.back().size();
      logs.pop_back();
    }
    while (!logs.empty() && log_bytes + kLogsTruncated.size() > kMaxLogBytes) {
      std::string& last = logs.back();
      size_t excess = log_bytes + kLogsTruncated.size() - kMaxLogBytes;
      log_bytes -= last.size();
      if (last.size() <= excess) {
        logs.pop_back();
      } else {
        last = std::string(Utf8Prefix(last, last.size() - excess));
        log_bytes += last.size();
      }
    }
    logs.emplace_back(kLogsTruncated);
    log_bytes += kLogsTruncated.size();
  }
};

Sandbox* SandboxOf(lua_State* L) {
  void* ud = nullptr;
  lua_getallocf(L, &ud);
  return static_cast<Sandbox*>(ud);
}

// Refuses growth past the budget; Lua then collects garbage, retries, and raises a memory error.
// Shrinking never fails, as Lua requires.
void* Allocate(void* ud, void* ptr, size_t osize, size_t nsize) {
  auto* sb = static_cast<Sandbox*>(ud);
  if (ptr == nullptr) osize = 0;  // osize then encodes the object's type
  if (nsize == 0) {
    std::free(ptr);
    sb->memory_used -= osize;
    return nullptr;
  }
  if (nsize > osize && sb->limit_enabled) {
    size_t growth = nsize - osize;
    if (growth > sb->memory_limit || sb->memory_used > sb->memory_limit - growth) {
      ++sb->memory_refusals;
      return nullptr;
    }
  }
  void* p = std::realloc(ptr, nsize);
  if (p == nullptr) return nullptr;
  sb->memory_used = sb->memory_used - osize + nsize;
  return p;
}

void CountHook(lua_State* L, lua_Debug*);

// Counts `work` against the instruction limit, checks the time limit and polls cancellation.
// Once one fires it fires again at every instruction, so a script that catches the error with
// pcall still cannot go on. (The time limit is there because one instruction can be a library
// call doing work in proportion to the memory budget: table.insert(t, 1, v) on a table of a
// million items, string.rep into 16 MB. Ten million such instructions take hours.)
// The count hook charges the VM's instructions; the pattern functions (lua_patterns.h) the work
// of their matching, which runs inside one C call the hook cannot see into.
void ChargeWork(lua_State* L, int64_t work) {
  Sandbox* sb = SandboxOf(L);
  sb->instructions += work;
  if (!sb->cancelled && sb->cancel != nullptr && sb->cancel->cancelled()) sb->cancelled = true;
  if (sb->instructions > sb->max_instructions) sb->instruction_limit_hit = true;
  if (std::chrono::steady_clock::now() > sb->deadline) sb->time_limit_hit = true;
  if (sb->cancelled || sb->instruction_limit_hit || sb->time_limit_hit) {
    lua_sethook(L, CountHook, LUA_MASKCOUNT, 1);
    luaL_error(L, sb->cancelled               ? "cancelled"
                  : sb->instruction_limit_hit ? "instruction limit exceeded"
                                              : "time limit exceeded");
  }
}

void CountHook(lua_State* L, lua_Debug*) { ChargeWork(L, kHookEvery); }

// print(...): tostring each argument, join with tabs, append to the logs.
int Print(lua_State* L) {
  Sandbox* sb = SandboxOf(L);
  if (sb->logs_truncated) return 0;
  int n = lua_gettop(L);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 1; i <= n; ++i) {
    if (i > 1) luaL_addchar(&b, '\t');
    luaL_tolstring(L, i, nullptr);
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  size_t len = 0;
  const char* p = lua_tolstring(L, -1, &len);
  bool failed = false;
  try {
    sb->AddLog(std::string_view(p, len));
  } catch (...) {
    failed = true;
  }
  if (failed) return luaL_error(L, "print: out of memory");
  return 0;
}

// as_array([t]): tags t (or a new table) so that it converts to a JSON array even when empty.
int AsArray(lua_State* L) {
  if (lua_isnoneornil(L, 1)) {
    lua_settop(L, 0);
    lua_newtable(L);
  } else {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
  }
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kArrayTagKey);
  lua_setmetatable(L, 1);
  return 1;
}

// setmetatable without finalizers: Lua runs __gc with debug hooks off, so a finalizer would escape
// the instruction limit and cancellation. An object is marked for finalization only when its
// metatable already has __gc as setmetatable runs, so refusing that here is enough.
int SetMetatable(lua_State* L) {
  int t = lua_type(L, 2);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
  if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL) {
    return luaL_error(L, "cannot change a protected metatable");
  }
  if (t == LUA_TTABLE) {
    lua_pushliteral(L, "__gc");
    if (lua_rawget(L, 2) != LUA_TNIL) {
      return luaL_error(L, "__gc metamethods are not allowed in the sandbox");
    }
    lua_pop(L, 1);
  }
  lua_settop(L, 2);
  lua_setmetatable(L, 1);
  return 1;
}

int NullToString(lua_State* L) {
  lua_pushliteral(L, "null");
  return 1;
}

// Pushes `value` converted to Lua. Raises (we run under lua_pcall) on nesting past kMaxDepth.
void PushJson(lua_State* L, const Json& value, int depth) {
  if (depth > kMaxDepth) luaL_error(L, "input: nested deeper than %d levels", kMaxDepth);
  luaL_checkstack(L, 4, "input: nested too deeply");
  switch (value.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      lua_pushlightuserdata(L, NullSentinel());
      return;
    case Json::value_t::boolean:
      lua_pushboolean(L, value.get<bool>() ? 1 : 0);
      return;
    case Json::value_t::number_integer:
      lua_pushinteger(L, static_cast<lua_Integer>(value.get<int64_t>()));
      return;
    case Json::value_t::number_unsigned: {
      uint64_t u = value.get<uint64_t>();
      if (u <= static_cast<uint64_t>(INT64_MAX)) {
        lua_pushinteger(L, static_cast<lua_Integer>(u));
      } else {
        lua_pushnumber(L, static_cast<lua_Number>(u));
      }
      return;
    }
    case Json::value_t::number_float:
      lua_pushnumber(L, value.get<double>());
      return;
    case Json::value_t::string: {
      const std::string& s = value.get_ref<const std::string&>();
      lua_pushlstring(L, s.data(), s.size());
      return;
    }
    case Json::value_t::array: {
      const auto& array = value.get_ref<const Json::array_t&>();
      lua_createtable(L, static_cast<int>(std::min<size_t>(array.size(), INT_MAX)), 0);
      lua_Integer i = 0;
      for (const Json& item : array) {
        PushJson(L, item, depth + 1);
        lua_rawseti(L, -2, ++i);
      }
      lua_rawgetp(L, LUA_REGISTRYINDEX, &kArrayTagKey);
      lua_setmetatable(L, -2);
      return;
    }
    case Json::value_t::object: {
      const auto& object = value.get_ref<const Json::object_t&>();
      lua_createtable(L, 0, static_cast<int>(std::min<size_t>(object.size(), INT_MAX)));
      for (const auto& [key, item] : object) {
        lua_pushlstring(L, key.data(), key.size());
        PushJson(L, item, depth + 1);
        lua_rawset(L, -3);
      }
      return;
    }
    case Json::value_t::binary:
      luaL_error(L, "input: binary values are not supported");
      return;
  }
}

// Builds the sandboxed globals and `input`. Runs under lua_pcall, inside the memory budget.
int Setup(lua_State* L) {
  Sandbox* sb = SandboxOf(L);
  const luaL_Reg libs[] = {{LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string},
                           {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
                           {LUA_UTF8LIBNAME, luaopen_utf8}, {LUA_COLIBNAME, luaopen_coroutine}};
  for (const luaL_Reg& lib : libs) {
    luaL_requiref(L, lib.name, lib.func, 1);
    lua_pop(L, 1);
  }
  for (const char* name :
       {"dofile", "loadfile", "load", "loadstring", "require", "collectgarbage", "warn"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
  lua_pushcfunction(L, Print);
  lua_setglobal(L, "print");
  lua_pushcfunction(L, AsArray);
  lua_setglobal(L, "as_array");
  lua_pushcfunction(L, SetMetatable);
  lua_setglobal(L, "setmetatable");

  // string.dump would hand out bytecode; the string table is also the strings' __index. Its
  // pattern functions are replaced by ones whose matching counts against the instruction limit.
  lua_getglobal(L, LUA_STRLIBNAME);
  lua_pushnil(L);
  lua_setfield(L, -2, "dump");
  lua_patterns::Install(L, -1, ChargeWork);
  lua_pop(L, 1);
  // getmetatable("") returns this string instead of the real metatable.
  lua_pushliteral(L, "");
  lua_getmetatable(L, -1);
  lua_pushliteral(L, "protected");
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 2);

  // null: one light userdata; all light userdata share this (protected) metatable.
  lua_pushlightuserdata(L, NullSentinel());
  lua_createtable(L, 0, 3);
  lua_pushcfunction(L, NullToString);
  lua_setfield(L, -2, "__tostring");
  lua_pushliteral(L, "null");
  lua_setfield(L, -2, "__name");
  lua_pushliteral(L, "protected");
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_setglobal(L, "null");

  // The array tag is protected too: a script that could reach it could add __gc to it.
  lua_createtable(L, 0, 2);
  lua_pushliteral(L, "json.array");
  lua_setfield(L, -2, "__name");
  lua_pushliteral(L, "json.array");
  lua_setfield(L, -2, "__metatable");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kArrayTagKey);

  PushJson(L, *sb->input, 0);
  lua_setglobal(L, "input");
  return 0;
}

// The error object at idx as text. Never calls metamethods or converts in place.
std::string ErrorText(lua_State* L, int idx) {
  switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* p = lua_tolstring(L, idx, &len);
      std::string text = SanitizeUtf8(std::string_view(p, len), kMaxErrorBytes + 4);
      if (text.size() > kMaxErrorBytes)
        text = std::string(Utf8Prefix(text, kMaxErrorBytes)) + "...";
      return text;
    }
    case LUA_TNUMBER: {
      if (lua_isinteger(L, idx)) return std::to_string(lua_tointeger(L, idx));
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.14g", lua_tonumber(L, idx));
      return buf;
    }
    default:
      return std::string("error object is a ") + luaL_typename(L, idx) + " value";
  }
}

// Lua -> JSON for the script's result; runs unprotected, so it calls only non-raising Lua APIs.
class ResultConverter {
 public:
  ResultConverter(lua_State* L, size_t max_bytes) : L_(L), max_bytes_(max_bytes) {}

  Status Convert(int idx, Json* out) {
    path_ = "result";
    return Value(lua_absindex(L_, idx), 0, out);
  }

 private:
  Status Fail(const std::string& what) const {
    return InvalidArgument("code: " + path_ + ": " + what);
  }

  Status Charge(size_t bytes) {
    used_ += bytes;
    if (used_ > max_bytes_) {
      return InvalidArgument("code: the result is larger than the memory limit of " +
                             std::to_string(max_bytes_ / 1024) + " KiB");
    }
    return Status::Ok();
  }

  Status Value(int idx, int depth, Json* out) {
    if (Status s = Charge(8); !s.ok()) return s;
    switch (lua_type(L_, idx)) {
      case LUA_TNIL:
        *out = nullptr;
        return Status::Ok();
      case LUA_TBOOLEAN:
        *out = lua_toboolean(L_, idx) != 0;
        return Status::Ok();
      case LUA_TNUMBER: {
        if (lua_isinteger(L_, idx)) {
          *out = static_cast<int64_t>(lua_tointeger(L_, idx));
          return Status::Ok();
        }
        double d = lua_tonumber(L_, idx);
        if (std::isnan(d)) return Fail("NaN cannot be converted to JSON");
        if (std::isinf(d)) return Fail("infinity cannot be converted to JSON");
        *out = d;
        return Status::Ok();
      }
      case LUA_TSTRING: {
        size_t len = 0;
        const char* p = lua_tolstring(L_, idx, &len);
        if (Status s = Charge(len); !s.ok()) return s;
        std::string_view text(p, len);
        if (!IsUtf8(text)) return Fail("string is not valid UTF-8");
        *out = std::string(text);
        return Status::Ok();
      }
      case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L_, idx) == NullSentinel()) {
          *out = nullptr;
          return Status::Ok();
        }
        return Fail("a userdata value cannot be converted to JSON");
      case LUA_TTABLE:
        return Table(idx, depth, out);
      default:
        return Fail(std::string("a ") + luaL_typename(L_, idx) +
                    " value cannot be converted to JSON");
    }
  }

  bool HasArrayTag(int idx) {
    if (!lua_getmetatable(L_, idx)) return false;
    lua_rawgetp(L_, LUA_REGISTRYINDEX, &kArrayTagKey);
    bool tagged = lua_rawequal(L_, -1, -2) != 0;
    lua_pop(L_, 2);
    return tagged;
  }

  // Appends a key to path_ as .name or ["key"] (Lua-like).
  void PushPath(const std::string& key) {
    bool identifier = !key.empty() && !std::isdigit(static_cast<unsigned char>(key[0]));
    for (char c : key) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') identifier = false;
    }
    path_ += identifier ? "." + key : "[" + Json(key).dump() + "]";
  }

  Status Table(int idx, int depth, Json* out) {
    if (depth >= kMaxDepth)
      return Fail("nested deeper than " + std::to_string(kMaxDepth) + " levels");
    const void* self = lua_topointer(L_, idx);
    if (std::find(ancestors_.begin(), ancestors_.end(), self) != ancestors_.end()) {
      return Fail("the table contains itself (a cycle)");
    }
    if (!lua_checkstack(L_, 4)) return Fail("out of stack space");

    // First pass: are the keys exactly 1..n? (Distinct integer keys >= 1 whose largest is their
    // count.)
    lua_Integer count = 0;
    lua_Integer largest = 0;
    bool sequence = true;
    lua_pushnil(L_);
    while (lua_next(L_, idx) != 0) {
      ++count;
      if (lua_type(L_, -2) == LUA_TNUMBER) {
        if (!lua_isinteger(L_, -2)) {
          char buf[64];
          std::snprintf(buf, sizeof buf, "%.14g", lua_tonumber(L_, -2));
          return Fail(std::string("table key ") + buf + " is not a string or an integer");
        }
        lua_Integer k = lua_tointeger(L_, -2);
        if (k < 1) sequence = false;
        largest = std::max(largest, k);
      } else if (lua_type(L_, -2) == LUA_TSTRING) {
        sequence = false;
      } else {
        return Fail(std::string("table keys must be strings or integers, found a ") +
                    luaL_typename(L_, -2) + " key");
      }
      lua_pop(L_, 1);
    }
    sequence = sequence && largest == count;

    ancestors_.push_back(self);
    size_t path_length = path_.size();
    if (count == 0) {
      *out = HasArrayTag(idx) ? Json::array() : Json::object();
    } else if (sequence) {
      *out = Json::array();
      for (lua_Integer i = 1; i <= count; ++i) {
        lua_rawgeti(L_, idx, i);
        path_ += "[" + std::to_string(i) + "]";
        Json item;
        Status s = Value(lua_gettop(L_), depth + 1, &item);
        if (!s.ok()) return s;
        path_.resize(path_length);
        lua_pop(L_, 1);
        out->push_back(std::move(item));
      }
    } else {
      *out = Json::object();
      lua_pushnil(L_);
      while (lua_next(L_, idx) != 0) {
        std::string key;
        if (lua_type(L_, -2) == LUA_TNUMBER) {
          key = std::to_string(lua_tointeger(L_, -2));
        } else {
          size_t len = 0;
          const char* p = lua_tolstring(L_, -2, &len);  // a string already: no conversion
          key.assign(p, len);
          if (!IsUtf8(key)) return Fail("a table key is not valid UTF-8");
        }
        if (Status s = Charge(key.size()); !s.ok()) return s;
        PushPath(key);
        if (out->contains(key)) return Fail("the key is used both as a number and as a string");
        Json item;
        Status s = Value(lua_gettop(L_), depth + 1, &item);
        if (!s.ok()) return s;
        path_.resize(path_length);
        (*out)[key] = std::move(item);
        lua_pop(L_, 1);
      }
    }
    ancestors_.pop_back();
    return Status::Ok();
  }

  lua_State* L_;
  size_t max_bytes_;
  size_t used_ = 0;
  std::string path_;
  std::vector<const void*> ancestors_;
};

// Owns the lua_State. Closing runs the script's pending finalizers, still under the hook and with
// the memory limit back on, so a __gc that loops or allocates stays bounded.
class LuaState {
 public:
  explicit LuaState(Sandbox* sb) : sb_(sb), L_(lua_newstate(Allocate, sb)) {}
  ~LuaState() {
    if (L_ == nullptr) return;
    sb_->limit_enabled = true;
    lua_close(L_);
  }
  LuaState(const LuaState&) = delete;
  LuaState& operator=(const LuaState&) = delete;
  lua_State* get() const { return L_; }

 private:
  Sandbox* sb_;
  lua_State* L_;
};

// One of the code type's integer fields (a reference that renders to one is fine), its default
// and bounds as its descriptor declares them (src/core/node_types/code.cc).
Result<int64_t> RenderBoundedInt(const NodeContext& ctx, const char* key) {
  const NodeTypeSpec* spec = FindNodeType("code");
  const auto f = std::find_if(spec->fields.begin(), spec->fields.end(),
                              [&](const FieldSpec& field) { return field.name == key; });
  if (f == spec->fields.end() || !f->default_value.is_number_integer() || !f->min || !f->max)
    return Err(Internal(std::string("code: no bounded integer field ") + key));
  const auto min = static_cast<int64_t>(*f->min), max = static_cast<int64_t>(*f->max);
  auto n = nodes::RenderInt(ctx, key, f->default_value.get<int64_t>());
  if (!n) return Err(n.error());
  if (*n < min || *n > max) {
    return Err(InvalidArgument(std::string(key) + ": must be " + std::to_string(min) + ".." +
                               std::to_string(max) + ", got " + std::to_string(*n)));
  }
  return *n;
}

Status CancelledStatus(const NodeContext& ctx) {
  std::string reason = ctx.cancel != nullptr ? ctx.cancel->reason() : std::string();
  return Cancelled(reason.empty() ? "code: cancelled" : "code: cancelled: " + reason);
}

Result<NodeResult> Run(const NodeContext& ctx, const std::string& source, const Json& input,
                       int64_t max_instructions, int64_t max_memory_kb, int64_t time_limit_ms) {
  Sandbox sb;
  sb.memory_limit = static_cast<size_t>(max_memory_kb) * 1024;
  sb.max_instructions = max_instructions;
  sb.deadline = time_limit_ms > 0
                    ? std::chrono::steady_clock::now() + std::chrono::milliseconds(time_limit_ms)
                    : std::chrono::steady_clock::time_point::max();
  sb.cancel = ctx.cancel;
  sb.input = &input;
  const std::string memory_error =
      "code: memory limit of " + std::to_string(max_memory_kb) + " KiB exceeded";

  LuaState state(&sb);
  lua_State* L = state.get();
  if (L == nullptr) return Err(InvalidArgument(memory_error));

  lua_pushcfunction(L, Setup);
  int rc = lua_pcall(L, 0, 0, 0);
  if (rc == LUA_ERRMEM) return Err(InvalidArgument(memory_error));
  if (rc != LUA_OK) return Err(InvalidArgument("code: " + ErrorText(L, -1)));

  rc = luaL_loadbufferx(L, source.data(), source.size(), "=code", "t");
  if (rc == LUA_ERRMEM) return Err(InvalidArgument(memory_error));
  if (rc != LUA_OK) return Err(InvalidArgument("code: " + ErrorText(L, -1)));

  lua_sethook(L, CountHook, LUA_MASKCOUNT, kHookEvery);
  rc = lua_pcall(L, 0, 1, 0);
  if (sb.cancelled) return Err(CancelledStatus(ctx));
  if (sb.instruction_limit_hit) {
    return Err(InvalidArgument("code: instruction limit of " + std::to_string(max_instructions) +
                               " exceeded"));
  }
  if (sb.time_limit_hit) {
    return Err(
        DeadlineExceeded("code: time limit of " + std::to_string(time_limit_ms) + " ms exceeded"));
  }
  if (rc == LUA_ERRMEM) return Err(InvalidArgument(memory_error));
  if (rc != LUA_OK) {
    std::string text = ErrorText(L, -1);
    // A memory error caught by the script's pcall and raised again with error(e).
    constexpr std::string_view kNoMemory = "not enough memory";
    if (sb.memory_refusals > 0 && text.size() >= kNoMemory.size() &&
        text.compare(text.size() - kNoMemory.size(), kNoMemory.size(), kNoMemory) == 0) {
      return Err(InvalidArgument(memory_error));
    }
    return Err(InvalidArgument("code: " + text));
  }

  // No Lua code runs from here on; lift the limit so stack growth cannot fail.
  sb.limit_enabled = false;
  NodeResult r;
  Json result;
  int top = lua_gettop(L);
  Status s = ResultConverter(L, sb.memory_limit).Convert(-1, &result);
  lua_settop(L, top);
  if (!s.ok()) return Err(s);
  Json logs = Json::array();
  for (std::string& line : sb.logs) logs.push_back(std::move(line));
  r.output = {{"result", std::move(result)}, {"logs", std::move(logs)}};
  return r;
}

}  // namespace

Result<NodeResult> CodeNode::Execute(const NodeContext& ctx) {
  if (ctx.cancel != nullptr && ctx.cancel->cancelled()) return Err(CancelledStatus(ctx));
  auto source = ctx.data->find("source");
  if (source == ctx.data->end() || !source->is_string()) {
    return Err(InvalidArgument("source: required, the Lua code to run"));
  }
  auto input = nodes::RenderField(ctx, "input");
  if (!input) return Err(input.error());
  auto max_instructions = RenderBoundedInt(ctx, "max_instructions");
  if (!max_instructions) return Err(max_instructions.error());
  auto max_memory_kb = RenderBoundedInt(ctx, "max_memory_kb");
  if (!max_memory_kb) return Err(max_memory_kb.error());
  // The engine cancels the step at this limit (timeout_ms, else the type's default) and the
  // script stops on cancellation; it checks the limit itself too, so the step fails with the
  // script's own message, and a script run outside the engine is bounded as well.
  const int64_t time_limit_ms = AttemptTimeoutMs(FindNodeType("code"), *ctx.data);
  try {
    return Run(ctx, source->get<std::string>(), *input, *max_instructions, *max_memory_kb,
               time_limit_ms);
  } catch (const std::exception& e) {
    return Err(Internal(std::string("code: ") + e.what()));
  }
}

void RegisterCodeNode(NodeRegistry* registry) {
  registry->Add("code", std::make_shared<CodeNode>());
}

}  // namespace atelier
