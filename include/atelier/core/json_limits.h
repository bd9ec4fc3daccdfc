// How deeply JSON may nest, and the checks that hold every value to it. Pure functions,
// thread-safe.
//
// Why a limit: nlohmann's parser and destructor are iterative, but copying a value, dump(),
// operator== and our own walkers (rendering, schema checks, the Lua bridge) recurse once per
// level. A few hundred bytes of stack per level means tens of thousands of levels overflow a
// thread's stack: 50,000 nested arrays in a 200 KB template killed the server with SIGSEGV.
//
// The reasoning that makes every recursion over JSON safe, so that each one need not guard itself:
//  - JSON text that enters (API bodies, template and config files, provider and HTTP answers, a
//    model's structured output) is parsed by ParseJsonText, which refuses more than
//    kMaxJsonDepth levels before anything recurses.
//  - JSON built at run time is checked where it is built: a rendered value (RenderValue) within
//    kMaxJsonDepth, a Lua result by the code node (its own, lower limit), and every step's
//    output and session by the engine within kMaxStepOutputDepth, whichever executor made them.
//  - Rows read back from the store are checked before they are parsed (kMaxStoredJsonDepth), so
//    a row written by an older version, or by hand, fails the read instead of the process.
// The larger limits leave room for the few levels a step or the engine wraps around a value
// (an executor's {"json": ...}, a subworkflow's {"output": ...}), so nothing this engine writes
// is refused on the way back; all of them stay far below the depth where recursion overflows.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string_view>

#include "atelier/core/status.h"

namespace atelier {

using Json = nlohmann::json;

// Real templates, inputs and provider answers nest under 20 levels; 128 leaves room for any
// honest document and keeps the deepest recursion to a few tens of kilobytes of stack.
inline constexpr int kMaxJsonDepth = 128;
// A step's output or session: a value within kMaxJsonDepth plus the levels an executor adds.
inline constexpr int kMaxStepOutputDepth = 2 * kMaxJsonDepth;
// A JSON column read back from the store: a step output plus the levels a row adds.
inline constexpr int kMaxStoredJsonDepth = 4 * kMaxJsonDepth;

// Ok, or InvalidArgument "JSON nested deeper than 128 levels (line 1, column 130)" naming the
// bracket that goes past `max_depth`. Counts [ and { outside strings ([] is one level, a scalar
// none) in one pass over the text, without allocating; does not otherwise check the syntax.
Status CheckJsonTextDepth(std::string_view text, int max_depth = kMaxJsonDepth);

// Whether `value` nests deeper than `max_depth` levels (counted as above). Iterative, so safe at
// any depth; stops at the first container past the limit.
bool JsonDeeperThan(const Json& value, int max_depth);

}  // namespace atelier
