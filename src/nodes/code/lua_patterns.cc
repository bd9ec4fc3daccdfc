#include "lua_patterns.h"

#include <cctype>
#include <cstddef>
#include <cstring>

// The matcher follows Lua 5.4's lstrlib.c step by step (its backtracking, its limits, its error
// messages), so that scripts see no difference but the counted work. Lua raises errors with
// longjmp: nothing here holds an object with a destructor, and every string it reads comes from
// Lua, which keeps a NUL byte after each string's end (the matcher, like Lua's, reads it).

namespace atelier::lua_patterns {
namespace {

constexpr int kMaxCaptures = 32;  // LUA_MAXCAPTURES
constexpr int kMaxCalls = 200;    // MAXCCALLS: how deep match may recurse
constexpr ptrdiff_t kCapUnfinished = -1;
constexpr ptrdiff_t kCapPosition = -2;
constexpr char kEsc = '%';
constexpr const char* kSpecials = "^$*+?.([%-";
constexpr int64_t kBytesPerUnit = 32;  // bytes a bulk compare or scan does for one unit of work

struct MatchState {
  const char* src_init;
  const char* src_end;
  const char* p_end;
  lua_State* L;
  int matchdepth;
  unsigned char level;
  struct {
    const char* init;
    ptrdiff_t len;
  } capture[kMaxCaptures];
  Charge charge;
  int64_t pending;  // work not yet charged
};

void Work(MatchState* ms, int64_t units) {
  ms->pending += units;
  if (ms->pending >= kChargeEvery) {
    const int64_t w = ms->pending;
    ms->pending = 0;
    ms->charge(ms->L, w);
  }
}

void Flush(MatchState* ms) {
  if (ms->pending == 0) return;
  const int64_t w = ms->pending;
  ms->pending = 0;
  ms->charge(ms->L, w);
}

int64_t BulkUnits(size_t bytes) { return static_cast<int64_t>(bytes) / kBytesPerUnit + 1; }

unsigned char U(char c) { return static_cast<unsigned char>(c); }

const char* Match(MatchState* ms, const char* s, const char* p);

int CheckCapture(MatchState* ms, int l) {
  l -= '1';
  if (l < 0 || l >= ms->level || ms->capture[l].len == kCapUnfinished)
    return luaL_error(ms->L, "invalid capture index %%%d", l + 1);
  return l;
}

int CaptureToClose(MatchState* ms) {
  int level = ms->level;
  for (level--; level >= 0; level--)
    if (ms->capture[level].len == kCapUnfinished) return level;
  return luaL_error(ms->L, "invalid pattern capture");
}

const char* ClassEnd(MatchState* ms, const char* p) {
  switch (*p++) {
    case kEsc:
      if (p == ms->p_end) luaL_error(ms->L, "malformed pattern (ends with '%%')");
      return p + 1;
    case '[':
      if (*p == '^') p++;
      do {  // look for a ']'
        if (p == ms->p_end) luaL_error(ms->L, "malformed pattern (missing ']')");
        if (*(p++) == kEsc && p < ms->p_end) p++;  // skip escapes (e.g. '%]')
      } while (*p != ']');
      return p + 1;
    default:
      return p;
  }
}

bool MatchClass(int c, int cl) {
  int res;
  switch (std::tolower(cl)) {
    case 'a':
      res = std::isalpha(c);
      break;
    case 'c':
      res = std::iscntrl(c);
      break;
    case 'd':
      res = std::isdigit(c);
      break;
    case 'g':
      res = std::isgraph(c);
      break;
    case 'l':
      res = std::islower(c);
      break;
    case 'p':
      res = std::ispunct(c);
      break;
    case 's':
      res = std::isspace(c);
      break;
    case 'u':
      res = std::isupper(c);
      break;
    case 'w':
      res = std::isalnum(c);
      break;
    case 'x':
      res = std::isxdigit(c);
      break;
    case 'z':  // Lua 5.1's class of the NUL byte, still accepted
      res = (c == 0);
      break;
    default:
      return cl == c;
  }
  if (std::isupper(cl)) res = !res;
  return res != 0;
}

// `p` at the '[', `ec` at the closing ']'.
bool MatchBracketClass(int c, const char* p, const char* ec) {
  bool sig = true;
  if (*(p + 1) == '^') {
    sig = false;
    p++;  // skip the '^'
  }
  while (++p < ec) {
    if (*p == kEsc) {
      p++;
      if (MatchClass(c, U(*p))) return sig;
    } else if (*(p + 1) == '-' && (p + 2 < ec)) {
      p += 2;
      if (U(*(p - 2)) <= c && c <= U(*p)) return sig;
    } else if (U(*p) == c) {
      return sig;
    }
  }
  return !sig;
}

bool SingleMatch(MatchState* ms, const char* s, const char* p, const char* ep) {
  Work(ms, 1);
  if (s >= ms->src_end) return false;
  const int c = U(*s);
  switch (*p) {
    case '.':
      return true;
    case kEsc:
      return MatchClass(c, U(*(p + 1)));
    case '[':
      return MatchBracketClass(c, p, ep - 1);
    default:
      return U(*p) == c;
  }
}

const char* MatchBalance(MatchState* ms, const char* s, const char* p) {
  if (p >= ms->p_end - 1) luaL_error(ms->L, "malformed pattern (missing arguments to '%%b')");
  if (*s != *p) return nullptr;  // at the subject's end, *s is its NUL
  const int b = *p;
  const int e = *(p + 1);
  int cont = 1;
  while (++s < ms->src_end) {
    Work(ms, 1);
    if (*s == e) {
      if (--cont == 0) return s + 1;
    } else if (*s == b) {
      cont++;
    }
  }
  return nullptr;
}

const char* MaxExpand(MatchState* ms, const char* s, const char* p, const char* ep) {
  ptrdiff_t i = 0;  // counts maximum expand for item
  while (SingleMatch(ms, s + i, p, ep)) i++;
  // Tries with the maximum repetitions, then one fewer...
  while (i >= 0) {
    const char* res = Match(ms, s + i, ep + 1);
    if (res) return res;
    i--;
  }
  return nullptr;
}

const char* MinExpand(MatchState* ms, const char* s, const char* p, const char* ep) {
  for (;;) {
    const char* res = Match(ms, s, ep + 1);
    if (res != nullptr) return res;
    if (SingleMatch(ms, s, p, ep))
      s++;  // try with one more repetition
    else
      return nullptr;
  }
}

const char* StartCapture(MatchState* ms, const char* s, const char* p, ptrdiff_t what) {
  int level = ms->level;
  if (level >= kMaxCaptures) luaL_error(ms->L, "too many captures");
  ms->capture[level].init = s;
  ms->capture[level].len = what;
  ms->level = static_cast<unsigned char>(level + 1);
  const char* res = Match(ms, s, p);
  if (res == nullptr) ms->level--;  // undo capture
  return res;
}

const char* EndCapture(MatchState* ms, const char* s, const char* p) {
  int l = CaptureToClose(ms);
  ms->capture[l].len = s - ms->capture[l].init;  // close capture
  const char* res = Match(ms, s, p);
  if (res == nullptr) ms->capture[l].len = kCapUnfinished;  // undo capture
  return res;
}

const char* MatchCapture(MatchState* ms, const char* s, int l) {
  l = CheckCapture(ms, l);
  const auto len = static_cast<size_t>(ms->capture[l].len);
  Work(ms, BulkUnits(len));
  if (static_cast<size_t>(ms->src_end - s) >= len && std::memcmp(ms->capture[l].init, s, len) == 0)
    return s + len;
  return nullptr;
}

const char* Match(MatchState* ms, const char* s, const char* p) {
  if (ms->matchdepth-- == 0) luaL_error(ms->L, "pattern too complex");
init:  // tail calls loop back here
  Work(ms, 1);
  if (p != ms->p_end) {
    switch (*p) {
      case '(':
        if (*(p + 1) == ')')  // position capture
          s = StartCapture(ms, s, p + 2, kCapPosition);
        else
          s = StartCapture(ms, s, p + 1, kCapUnfinished);
        break;
      case ')':
        s = EndCapture(ms, s, p + 1);
        break;
      case '$':
        if ((p + 1) != ms->p_end) goto dflt;  // not the pattern's end: a plain '$'
        s = (s == ms->src_end) ? s : nullptr;
        break;
      case kEsc:
        switch (*(p + 1)) {
          case 'b':
            s = MatchBalance(ms, s, p + 2);
            if (s != nullptr) {
              p += 4;
              goto init;
            }
            break;
          case 'f': {
            p += 2;
            if (*p != '[') luaL_error(ms->L, "missing '[' after '%%f' in pattern");
            const char* ep = ClassEnd(ms, p);
            const char previous = (s == ms->src_init) ? '\0' : *(s - 1);
            if (!MatchBracketClass(U(previous), p, ep - 1) && MatchBracketClass(U(*s), p, ep - 1)) {
              p = ep;
              goto init;
            }
            s = nullptr;
            break;
          }
          case '0':
          case '1':
          case '2':
          case '3':
          case '4':
          case '5':
          case '6':
          case '7':
          case '8':
          case '9':
            s = MatchCapture(ms, s, U(*(p + 1)));
            if (s != nullptr) {
              p += 2;
              goto init;
            }
            break;
          default:
            goto dflt;
        }
        break;
      default:
      dflt : {
        const char* ep = ClassEnd(ms, p);  // points to the optional suffix
        if (!SingleMatch(ms, s, p, ep)) {
          if (*ep == '*' || *ep == '?' || *ep == '-') {  // accept empty?
            p = ep + 1;
            goto init;
          }
          s = nullptr;
        } else {
          switch (*ep) {
            case '?': {
              const char* res = Match(ms, s + 1, ep + 1);
              if (res != nullptr) {
                s = res;
              } else {
                p = ep + 1;
                goto init;
              }
              break;
            }
            case '+':
              s = MaxExpand(ms, s + 1, p, ep);
              break;
            case '*':
              s = MaxExpand(ms, s, p, ep);
              break;
            case '-':
              s = MinExpand(ms, s, p, ep);
              break;
            default:
              s++;
              p = ep;
              goto init;
          }
        }
        break;
      }
    }
  }
  ms->matchdepth++;
  return s;
}

// Returns the capture's length (or kCapPosition, having pushed the position) and its start.
ptrdiff_t GetOneCapture(MatchState* ms, int i, const char* s, const char* e, const char** cap) {
  if (i >= ms->level) {
    if (i != 0) luaL_error(ms->L, "invalid capture index %%%d", i + 1);
    *cap = s;  // no captures: the whole match
    return e - s;
  }
  const ptrdiff_t capl = ms->capture[i].len;
  *cap = ms->capture[i].init;
  if (capl == kCapUnfinished)
    luaL_error(ms->L, "unfinished capture");
  else if (capl == kCapPosition)
    lua_pushinteger(ms->L, (ms->capture[i].init - ms->src_init) + 1);
  return capl;
}

void PushOneCapture(MatchState* ms, int i, const char* s, const char* e) {
  const char* cap;
  const ptrdiff_t l = GetOneCapture(ms, i, s, e, &cap);
  if (l != kCapPosition) lua_pushlstring(ms->L, cap, static_cast<size_t>(l));
}

int PushCaptures(MatchState* ms, const char* s, const char* e) {
  const int nlevels = (ms->level == 0 && s) ? 1 : ms->level;
  luaL_checkstack(ms->L, nlevels, "too many captures");
  for (int i = 0; i < nlevels; i++) PushOneCapture(ms, i, s, e);
  return nlevels;
}

void PrepState(MatchState* ms, lua_State* L, const char* s, size_t ls, const char* p, size_t lp,
               Charge charge) {
  ms->L = L;
  ms->matchdepth = kMaxCalls;
  ms->src_init = s;
  ms->src_end = s + ls;
  ms->p_end = p + lp;
  ms->level = 0;
  ms->charge = charge;
  ms->pending = 0;
}

void RePrepState(MatchState* ms) { ms->level = 0; }

// The Charge installed with the functions: upvalue 1, a full userdata holding it.
Charge ChargeOf(lua_State* L) {
  return *static_cast<Charge*>(lua_touserdata(L, lua_upvalueindex(1)));
}

size_t PosRelatI(lua_Integer pos, size_t len) {
  if (pos > 0) return static_cast<size_t>(pos);
  if (pos == 0) return 1;
  if (pos < -static_cast<lua_Integer>(len)) return 1;  // clip to 1
  return len + static_cast<size_t>(pos) + 1;
}

bool NoSpecials(const char* p, size_t l) {
  size_t upto = 0;
  do {
    if (std::strpbrk(p + upto, kSpecials) != nullptr) return false;
    upto += std::strlen(p + upto) + 1;  // may have more after a NUL
  } while (upto <= l);
  return true;
}

const char* MemFind(MatchState* ms, const char* s1, size_t l1, const char* s2, size_t l2) {
  if (l2 == 0) return s1;  // the empty string is everywhere
  if (l2 > l1) return nullptr;
  l2--;          // the first char is checked by memchr
  l1 = l1 - l2;  // s2 cannot be found after that
  const char* init;
  while (l1 > 0 && (init = static_cast<const char*>(std::memchr(s1, *s2, l1))) != nullptr) {
    init++;  // the first char matched
    Work(ms, BulkUnits(static_cast<size_t>(init - s1)) + BulkUnits(l2));
    if (std::memcmp(init, s2 + 1, l2) == 0) return init - 1;
    l1 -= static_cast<size_t>(init - s1);
    s1 = init;
  }
  Work(ms, BulkUnits(l1));
  return nullptr;
}

int FindAux(lua_State* L, bool find) {
  size_t ls, lp;
  const char* s = luaL_checklstring(L, 1, &ls);
  const char* p = luaL_checklstring(L, 2, &lp);
  const size_t init = PosRelatI(luaL_optinteger(L, 3, 1), ls) - 1;
  if (init > ls) {  // the start is after the string's end
    luaL_pushfail(L);
    return 1;
  }
  MatchState ms;
  PrepState(&ms, L, s, ls, p, lp, ChargeOf(L));
  Work(&ms, BulkUnits(lp));
  if (find && (lua_toboolean(L, 4) || NoSpecials(p, lp))) {
    const char* s2 = MemFind(&ms, s + init, ls - init, p, lp);
    Flush(&ms);
    if (s2) {
      lua_pushinteger(L, (s2 - s) + 1);
      lua_pushinteger(L, static_cast<lua_Integer>((s2 - s) + lp));
      return 2;
    }
  } else {
    const char* s1 = s + init;
    const bool anchor = (*p == '^');
    if (anchor) {
      p++;
      lp--;
      ms.p_end = p + lp;
    }
    do {
      RePrepState(&ms);
      const char* res = Match(&ms, s1, p);
      if (res != nullptr) {
        Flush(&ms);
        if (find) {
          lua_pushinteger(L, (s1 - s) + 1);  // start
          lua_pushinteger(L, res - s);       // end
          return PushCaptures(&ms, nullptr, nullptr) + 2;
        }
        return PushCaptures(&ms, s1, res);
      }
    } while (s1++ < ms.src_end && !anchor);
    Flush(&ms);
  }
  luaL_pushfail(L);
  return 1;
}

int Find(lua_State* L) { return FindAux(L, true); }
int MatchFn(lua_State* L) { return FindAux(L, false); }

struct GMatchState {
  const char* src;        // the current position
  const char* p;          // the pattern
  const char* lastmatch;  // the end of the last match
  MatchState ms;
};

int GMatchAux(lua_State* L) {
  auto* gm = static_cast<GMatchState*>(lua_touserdata(L, lua_upvalueindex(3)));
  gm->ms.L = L;
  for (const char* src = gm->src; src <= gm->ms.src_end; src++) {
    RePrepState(&gm->ms);
    const char* e = Match(&gm->ms, src, gm->p);
    if (e != nullptr && e != gm->lastmatch) {
      Flush(&gm->ms);
      gm->src = gm->lastmatch = e;
      return PushCaptures(&gm->ms, src, e);
    }
  }
  Flush(&gm->ms);
  return 0;  // not found
}

int GMatch(lua_State* L) {
  size_t ls, lp;
  const char* s = luaL_checklstring(L, 1, &ls);
  const char* p = luaL_checklstring(L, 2, &lp);
  size_t init = PosRelatI(luaL_optinteger(L, 3, 1), ls) - 1;
  const Charge charge = ChargeOf(L);
  lua_settop(L, 2);  // keeps the strings on the closure, so they are not collected
  auto* gm = static_cast<GMatchState*>(lua_newuserdatauv(L, sizeof(GMatchState), 0));
  if (init > ls) init = ls + 1;  // the start is after the string's end
  PrepState(&gm->ms, L, s, ls, p, lp, charge);
  gm->src = s + init;
  gm->p = p;
  gm->lastmatch = nullptr;
  lua_pushcclosure(L, GMatchAux, 3);
  return 1;
}

void AddS(MatchState* ms, luaL_Buffer* b, const char* s, const char* e) {
  size_t l;
  lua_State* L = ms->L;
  const char* news = lua_tolstring(L, 3, &l);
  Work(ms, BulkUnits(l));
  const char* p;
  while ((p = static_cast<const char*>(std::memchr(news, kEsc, l))) != nullptr) {
    luaL_addlstring(b, news, static_cast<size_t>(p - news));
    p++;               // skip the escape
    if (*p == kEsc) {  // %%
      luaL_addchar(b, *p);
    } else if (*p == '0') {  // %0
      luaL_addlstring(b, s, static_cast<size_t>(e - s));
      Work(ms, BulkUnits(static_cast<size_t>(e - s)));
    } else if (std::isdigit(U(*p))) {  // %n
      const char* cap;
      const ptrdiff_t resl = GetOneCapture(ms, *p - '1', s, e, &cap);
      if (resl == kCapPosition) {
        luaL_addvalue(b);  // the position
      } else {
        luaL_addlstring(b, cap, static_cast<size_t>(resl));
        Work(ms, BulkUnits(static_cast<size_t>(resl)));
      }
    } else {
      luaL_error(L, "invalid use of '%c' in replacement string", kEsc);
    }
    l -= static_cast<size_t>(p + 1 - news);
    news = p + 1;
  }
  luaL_addlstring(b, news, l);
}

// Adds the replacement of the match s..e to `b`; whether it changed anything.
bool AddValue(MatchState* ms, luaL_Buffer* b, const char* s, const char* e, int tr) {
  lua_State* L = ms->L;
  switch (tr) {
    case LUA_TFUNCTION: {
      Flush(ms);  // the function's own instructions are counted by the hook
      lua_pushvalue(L, 3);
      const int n = PushCaptures(ms, s, e);
      lua_call(L, n, 1);
      break;
    }
    case LUA_TTABLE:
      PushOneCapture(ms, 0, s, e);
      lua_gettable(L, 3);
      break;
    default:  // LUA_TNUMBER or LUA_TSTRING
      AddS(ms, b, s, e);
      return true;
  }
  if (!lua_toboolean(L, -1)) {  // nil or false: keep the original text
    lua_pop(L, 1);
    luaL_addlstring(b, s, static_cast<size_t>(e - s));
    return false;
  }
  if (!lua_isstring(L, -1))
    return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1)) != 0;
  luaL_addvalue(b);
  return true;
}

int GSub(lua_State* L) {
  size_t srcl, lp;
  const char* src = luaL_checklstring(L, 1, &srcl);
  const char* p = luaL_checklstring(L, 2, &lp);
  const char* lastmatch = nullptr;
  const int tr = lua_type(L, 3);
  const lua_Integer max_s = luaL_optinteger(L, 4, static_cast<lua_Integer>(srcl) + 1);
  const bool anchor = (*p == '^');
  lua_Integer n = 0;
  bool changed = false;
  MatchState ms;
  luaL_Buffer b;
  luaL_argexpected(
      L, tr == LUA_TNUMBER || tr == LUA_TSTRING || tr == LUA_TFUNCTION || tr == LUA_TTABLE, 3,
      "string/function/table");
  luaL_buffinit(L, &b);
  if (anchor) {
    p++;
    lp--;
  }
  PrepState(&ms, L, src, srcl, p, lp, ChargeOf(L));
  while (n < max_s) {
    RePrepState(&ms);
    const char* e = Match(&ms, src, p);
    if (e != nullptr && e != lastmatch) {  // a match
      n++;
      changed = AddValue(&ms, &b, src, e, tr) || changed;
      src = lastmatch = e;
    } else if (src < ms.src_end) {  // otherwise, skip one character
      luaL_addchar(&b, *src++);
    } else {
      break;  // the end of the subject
    }
    if (anchor) break;
  }
  if (!changed) {  // no changes: return the original string
    lua_pushvalue(L, 1);
  } else {
    luaL_addlstring(&b, src, static_cast<size_t>(ms.src_end - src));
    Work(&ms, BulkUnits(static_cast<size_t>(ms.src_end - src)));
    luaL_pushresult(&b);
  }
  Flush(&ms);
  lua_pushinteger(L, n);
  return 2;
}

}  // namespace

void Install(lua_State* L, int table_index, Charge charge) {
  table_index = lua_absindex(L, table_index);
  const luaL_Reg functions[] = {
      {"find", Find}, {"match", MatchFn}, {"gmatch", GMatch}, {"gsub", GSub}, {nullptr, nullptr}};
  *static_cast<Charge*>(lua_newuserdatauv(L, sizeof(Charge), 0)) = charge;
  lua_pushvalue(L, table_index);
  lua_insert(L, -2);  // the table below the charge
  luaL_setfuncs(L, functions, 1);
  lua_pop(L, 1);
}

}  // namespace atelier::lua_patterns
