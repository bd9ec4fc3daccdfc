// CodeNode: the `code` node type. Runs the node's Lua 5.4 `source` in a sandbox and returns
// {"result": <the chunk's first return value as JSON>, "logs": [<lines the script printed>]}.
//
// The sandbox, built fresh for every execution:
//   - libraries: base (without dofile, loadfile, load, require, collectgarbage, warn), string
//     (without string.dump), table, math, utf8, coroutine. No io, os, package or debug. The string
//     metatable is protected, so getmetatable("") returns a fixed string, not the real table.
//   - `input` is data.input, rendered against the scope and converted JSON -> Lua: objects become
//     tables with string keys, arrays sequences 1..n (tagged so that an empty one returns as []),
//     null the light userdata `null` (tostring(null) == "null"), numbers integers or floats.
//   - `print` appends its arguments, tostring'd and joined by tabs, to the logs (at most 1000
//     lines and 64 KiB; past that the last line is a "[logs truncated ...]" marker).
//   - `as_array(t)` tags t (or a new table when called without one) as a JSON array, the only
//     way to return an empty array: an untagged empty table returns as the empty object {}.
//   - max_instructions (default 10,000,000) is counted by a count hook every 1000 VM
//     instructions, and by string.find, match, gmatch and gsub as they match (lua_patterns.h:
//     Lua's own run a pattern in one uninterruptible C call, exponential in its quantifiers);
//     max_memory_kb (default 16384) is enforced by the allocator; timeout_ms (default 60,000)
//     is checked with the instructions, since one instruction can be a library call working in
//     proportion to the memory budget. Once a limit is hit every further instruction fails, so
//     pcall cannot swallow it.
//   - source is compiled as text only ("\x1bLua" bytecode is refused) with chunk name "code", so
//     errors read "code:LINE: message".
//
// Result conversion Lua -> JSON: a table whose keys are exactly the integers 1..n becomes an
// array; any other table an object (integer keys written in decimal). Keys of other types,
// non-integral float keys, functions, coroutines, userdata other than null, NaN and infinities,
// strings that are not UTF-8, cycles and nesting deeper than 100 are InvalidArgument naming the
// path (e.g. "result.items[2].name", Lua's 1-based indices). Metatables are ignored (raw access).
//
// Errors: InvalidArgument (not retryable) for bad fields, syntax and runtime errors, the
// instruction limit, the memory limit and unconvertible results; DeadlineExceeded for the time
// limit (retryable, as the engine's timeout is); Cancelled when ctx.cancel fires
// (checked every 1000 instructions, and every 1000 units of matching; so is the time limit).
//
// Stateless and thread-safe: Execute may run concurrently; each call owns its own lua_State.
#pragma once

#include "atelier/engine/node_executor.h"

namespace atelier {

class CodeNode final : public NodeExecutor {
 public:
  // User code can be slow: never run it on the engine's own thread.
  bool inline_ok() const override { return false; }
  // Blocks while the script runs (bounded by max_instructions, or until ctx.cancel fires).
  Result<NodeResult> Execute(const NodeContext& ctx) override;
};

// Registers CodeNode under "code".
void RegisterCodeNode(NodeRegistry* registry);

}  // namespace atelier
