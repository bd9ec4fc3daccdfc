#include "atelier/nodes/code/code_node.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

namespace atelier {
namespace {

// Runs a code node with `source` plus the other fields in `data`, against `scope`.
class CodeNodeTest : public ::testing::Test {
 protected:
  Result<NodeResult> Run(const std::string& source, Json data = Json::object()) {
    data["source"] = source;
    data_ = std::move(data);
    NodeContext ctx;
    ctx.execution_id = "ex_1";
    ctx.step_id = "code";
    ctx.node_type = "code";
    ctx.data = &data_;
    ctx.scope = &scope_;
    ctx.cancel = &cancel_;
    return node_.Execute(ctx);
  }

  // The message of a failed run, after checking it failed with `code`.
  std::string ErrorOf(const Result<NodeResult>& r, Code code = Code::kInvalidArgument) {
    EXPECT_FALSE(r.has_value()) << (r ? r->output.dump() : "");
    if (r) return "";
    EXPECT_EQ(r.error().code(), code) << r.error().ToString();
    EXPECT_FALSE(IsRetryable(r.error()));
    return r.error().message();
  }

  // Runs `source` with an instruction budget it would take seconds to spend, cancelled from
  // another thread 50 ms in; the message of the Cancelled error, after checking it came within 5 s.
  std::string RunCancelledSoon(const std::string& source) {
    std::thread canceller([this] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      cancel_.Cancel("execution stopped");
    });
    auto start = std::chrono::steady_clock::now();
    std::string message =
        ErrorOf(Run(source, {{"max_instructions", 1000000000}}), Code::kCancelled);
    canceller.join();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    return message;
  }

  CodeNode node_;
  Json data_;
  Json scope_ = {{"inputs", Json::object()}, {"steps", Json::object()}};
  CancelToken cancel_;
};

TEST_F(CodeNodeTest, ReturnsAComputedObjectFromInput) {
  auto r = Run(R"(
local counts = {}
for word in input.text:gmatch("%a+") do
  counts[word] = (counts[word] or 0) + 1
end
return {counts = counts, total = #input.text}
)",
               {{"input", {{"text", "the cat saw the dog"}}}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["result"],
            Json({{"counts", {{"the", 2}, {"cat", 1}, {"saw", 1}, {"dog", 1}}}, {"total", 19}}));
  EXPECT_EQ(r->output["logs"], Json::array());
}

TEST_F(CodeNodeTest, ArraysObjectsAndNullRoundTrip) {
  Json input = {{"list", {1, 2.5, "three", nullptr, true, false}},
                {"nested", {{"a", {{"b", Json::array({Json::object()})}}}}},
                {"empty_list", Json::array()},
                {"empty_object", Json::object()},
                {"nothing", nullptr},
                {"big", 9007199254740993LL},
                {"unicode", "h\xC3\xA9llo \xE2\x9C\x93"}};
  auto r = Run("return input", {{"input", input}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["result"], input);
}

TEST_F(CodeNodeTest, NullIsAValueScriptsCanTestFor) {
  auto r = Run(R"(
return {is_null = input.x == null, printed = tostring(null), kind = type(input.y), n = #input.l}
)",
               {{"input", {{"x", nullptr}, {"y", 1}, {"l", {nullptr, nullptr}}}}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["result"],
            Json({{"is_null", true}, {"printed", "null"}, {"kind", "number"}, {"n", 2}}));
}

TEST_F(CodeNodeTest, EmptyTableIsAnEmptyObjectUnlessTaggedAsArray) {
  auto r = Run("return {plain = {}, tagged = as_array(), filled = as_array({1, 2})}");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["result"],
            Json({{"plain", Json::object()}, {"tagged", Json::array()}, {"filled", {1, 2}}}));
}

TEST_F(CodeNodeTest, MixedAndSparseTablesBecomeObjects) {
  auto r =
      Run("return {sparse = {[1] = 'a', [3] = 'c'}, mixed = {10, 20, name = 'x'}, "
          "neg = {[0] = 'z', [1] = 'a'}}");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["result"], Json({{"sparse", {{"1", "a"}, {"3", "c"}}},
                                       {"mixed", {{"1", 10}, {"2", 20}, {"name", "x"}}},
                                       {"neg", {{"0", "z"}, {"1", "a"}}}}));
}

TEST_F(CodeNodeTest, NoReturnIsNull) {
  auto r = Run("local x = 1");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(r->output["result"].is_null());
}

TEST_F(CodeNodeTest, PrintGoesToLogs) {
  auto r = Run("print('hello', 42, nil, true, null, 1.5)\nprint()\nreturn 1");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["logs"], Json({"hello\t42\tnil\ttrue\tnull\t1.5", ""}));
  EXPECT_EQ(r->output["result"], 1);
}

TEST_F(CodeNodeTest, LogsAreCappedInLinesAndBytes) {
  auto lines = Run("for i = 1, 5000 do print(i) end");
  ASSERT_TRUE(lines) << lines.error().ToString();
  const Json& logs = lines->output["logs"];
  ASSERT_EQ(logs.size(), 1000u);
  EXPECT_EQ(logs[0], "1");
  EXPECT_EQ(logs[998], "999");
  EXPECT_NE(logs[999].get<std::string>().find("logs truncated"), std::string::npos);

  auto bytes = Run("for i = 1, 100 do print(string.rep('x', 1000)) end");
  ASSERT_TRUE(bytes) << bytes.error().ToString();
  size_t total = 0;
  for (const auto& line : bytes->output["logs"]) total += line.get<std::string>().size();
  EXPECT_LE(total, 64u * 1024);
  EXPECT_GT(total, 60u * 1024);
  EXPECT_NE(bytes->output["logs"].back().get<std::string>().find("logs truncated"),
            std::string::npos);
}

TEST_F(CodeNodeTest, InvalidUtf8InLogsIsReplaced) {
  auto r = Run("print('a\\255b')");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["logs"][0],
            "a\xEF\xBF\xBD"
            "b");
}

TEST_F(CodeNodeTest, InputReferencesAreRenderedFromScope) {
  scope_ = {{"inputs", {{"topic", "owls"}}},
            {"steps", {{"draft", {{"tags", {"night", "bird"}}, {"text", "Hoo"}}}}}};
  auto r =
      Run("return {topic = input.topic, first = input.tags[1], n = #input.tags, "
          "line = input.line}",
          {{"input",
            {{"topic", "{{inputs.topic}}"},
             {"tags", "{{steps.draft.tags}}"},
             {"line", "{{steps.draft.text}} said the {{inputs.topic}}"}}}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["result"],
            Json({{"topic", "owls"}, {"first", "night"}, {"n", 2}, {"line", "Hoo said the owls"}}));
}

TEST_F(CodeNodeTest, BadReferenceInInputIsInvalidArgument) {
  std::string message = ErrorOf(Run("return 1", {{"input", "{{steps.missing.x}}"}}));
  EXPECT_NE(message.find("input"), std::string::npos) << message;
}

TEST_F(CodeNodeTest, SourceIsNotRendered) {
  auto r = Run("local t = {{inputs = 1}}\nreturn t[1].inputs");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["result"], 1);
}

TEST_F(CodeNodeTest, LimitsMayBeReferencesAndAreBounded) {
  scope_["inputs"] = {{"budget", "200000"}};
  auto r = Run("return 1", {{"max_instructions", "{{inputs.budget}}"}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_NE(ErrorOf(Run("return 1", {{"max_instructions", 10}})).find("max_instructions"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Run("return 1", {{"max_memory_kb", 2000000}})).find("max_memory_kb"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Run("return 1", {{"max_memory_kb", "lots"}})).find("max_memory_kb"),
            std::string::npos);
}

TEST_F(CodeNodeTest, MissingSourceIsInvalidArgument) {
  data_ = Json::object();
  NodeContext ctx;
  ctx.data = &data_;
  ctx.scope = &scope_;
  ctx.cancel = &cancel_;
  EXPECT_NE(ErrorOf(node_.Execute(ctx)).find("source"), std::string::npos);
}

// Each escape attempt fails with an error naming what is missing, and has no effect.
TEST_F(CodeNodeTest, SandboxEscapesFail) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("atelier_code_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string victim = (dir / "touched").string();

  struct Case {
    std::string source;
    std::string expected;  // a part of the message
  };
  const Case cases[] = {
      {"os.execute('touch " + victim + "')", "global 'os'"},
      {"io.open('" + victim + "', 'w'):write('x')", "global 'io'"},
      {"local os = require 'os'\nos.execute('touch " + victim + "')", "global 'require'"},
      {"return load('return 1')()", "global 'load'"},
      {"return loadstring('return 1')()", "global 'loadstring'"},
      {"dofile('" + victim + "')", "global 'dofile'"},
      {"loadfile('" + victim + "')", "global 'loadfile'"},
      {"return string.dump(function() end)", "field 'dump'"},
      {"return ('x'):dump()", "method 'dump'"},
      {"return debug.getinfo(1)", "global 'debug'"},
      {"return package.loadlib('libc.so.6', 'system')", "global 'package'"},
      {"return getmetatable('').__index.dump", "field '__index'"},
      {"return rawget(string, 'dump')(print)", "call a nil value"},
      {"return _G.os.execute('touch " + victim + "')", "field 'os'"},
      {"collectgarbage('stop')", "global 'collectgarbage'"},
      {"setmetatable(getmetatable(''), {})", "table expected"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.source);
    std::string message = ErrorOf(Run(c.source));
    EXPECT_EQ(message.rfind("code: code:", 0), 0u) << message;
    EXPECT_NE(message.find(c.expected), std::string::npos) << message;
  }
  EXPECT_FALSE(std::filesystem::exists(victim));
  std::filesystem::remove_all(dir);
}

TEST_F(CodeNodeTest, StringMetatableIsProtected) {
  auto r =
      Run("return {mt = getmetatable(''), upper = ('abc'):upper(), dump = string.dump == nil}");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["result"], Json({{"mt", "protected"}, {"upper", "ABC"}, {"dump", true}}));
}

TEST_F(CodeNodeTest, InfiniteLoopHitsTheInstructionLimit) {
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(ErrorOf(Run("while true do end", {{"max_instructions", 100000}})),
            "code: instruction limit of 100000 exceeded");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(CodeNodeTest, PcallCannotSwallowTheInstructionLimit) {
  EXPECT_EQ(ErrorOf(Run("while true do pcall(function() while true do end end) end",
                        {{"max_instructions", 100000}})),
            "code: instruction limit of 100000 exceeded");
  EXPECT_EQ(ErrorOf(Run("local co = coroutine.wrap(function() while true do end end)\n"
                        "while true do pcall(co) end",
                        {{"max_instructions", 100000}})),
            "code: instruction limit of 100000 exceeded");
}

// Lua's own matcher runs a pattern in one C call, exponential in its quantifiers: this one would
// run for days. The sandbox's pattern functions count their matching against the limit.
constexpr const char* kBacktrackingBomb = "return (('a'):rep(200)):find(('a-'):rep(8) .. 'b')";

TEST_F(CodeNodeTest, BacktrackingPatternsHitTheInstructionLimit) {
  for (const char* source :
       {kBacktrackingBomb, "return (('a'):rep(200)):match(('a*'):rep(8) .. 'b')",
        "for w in (('a'):rep(200)):gmatch(('a-'):rep(8) .. 'b') do end",
        "return (('a'):rep(200)):gsub(('a?'):rep(30) .. ('a'):rep(30) .. 'b', '')",
        "return (('a'):rep(1000000)):find(('a'):rep(100000) .. 'b', 1, true)"}) {
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(ErrorOf(Run(source, {{"max_instructions", 1000000}})),
              "code: instruction limit of 1000000 exceeded")
        << source;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5)) << source;
  }
  // pcall catches the first error; the next instruction raises it again.
  EXPECT_EQ(ErrorOf(Run(std::string("pcall(function() ") + kBacktrackingBomb +
                            " end)\nlocal n = 0 for i = 1, 10 do n = n + i end return n",
                        {{"max_instructions", 1000000}})),
            "code: instruction limit of 1000000 exceeded");
}

// One instruction can be a library call that works in proportion to the memory budget; ten
// million of these take hours. timeout_ms (else 60 s) bounds the script's time.
TEST_F(CodeNodeTest, LibraryCallsHeavyEnoughToOutlastTheInstructionsHitTheTimeLimit) {
  auto start = std::chrono::steady_clock::now();
  auto r = Run(R"(
local t = {}
for i = 1, 100000 do t[i] = i end
while true do table.insert(t, 1, 0) table.remove(t, 1) end
)",
               {{"max_instructions", 1000000000}, {"timeout_ms", 300}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kDeadlineExceeded);
  EXPECT_EQ(r.error().message(), "code: time limit of 300 ms exceeded");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // Caught by pcall, the error comes back at the next instruction.
  EXPECT_EQ(Run("pcall(function() local t = {} for i = 1, 100000 do t[i] = i end\n"
                "  while true do table.insert(t, 1, 0) end end)\nwhile true do end",
                {{"max_instructions", 1000000000}, {"timeout_ms", 300}})
                .error()
                .message(),
            "code: time limit of 300 ms exceeded");
}

TEST_F(CodeNodeTest, OrdinaryPatternsStillWork) {
  auto r = Run(R"lua(
local s = input.text
local words = {}
for w in s:gmatch("%a+") do words[#words + 1] = w end
local key, value = ("name = Ada"):match("^(%w+)%s*=%s*(%w+)$")
return {words = words, trimmed = ("  x  "):match("^%s*(.-)%s*$"), key = key, value = value,
        at = {s:find("fox", 1, true)}, swapped = (s:gsub("(%w+) (%w+)", "%2 %1", 1)),
        upper = (s:gsub("%a+", {quick = "QUICK"})), count = select(2, s:gsub("o", "0"))}
)lua",
               {{"input", {{"text", "the quick brown fox"}}}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["result"], Json({{"words", {"the", "quick", "brown", "fox"}},
                                       {"trimmed", "x"},
                                       {"key", "name"},
                                       {"value", "Ada"},
                                       {"at", {17, 19}},
                                       {"swapped", "quick the brown fox"},
                                       {"upper", "the QUICK brown fox"},
                                       {"count", 2}}));
}

TEST_F(CodeNodeTest, CancellationStopsABacktrackingPattern) {
  EXPECT_EQ(RunCancelledSoon(kBacktrackingBomb), "code: cancelled: execution stopped");
}

// Lua runs finalizers with hooks off, out of the limits' reach, so the sandbox has none.
TEST_F(CodeNodeTest, FinalizersAreRefused) {
  std::string message =
      ErrorOf(Run("setmetatable({}, {__gc = function() while true do end end})\nreturn 7",
                  {{"max_instructions", 100000}}));
  EXPECT_NE(message.find("__gc metamethods are not allowed"), std::string::npos) << message;
  // __gc added after setmetatable never marks the object for finalization.
  auto r =
      Run("local mt = {}\nsetmetatable({}, mt)\nmt.__gc = function() while true do end end\n"
          "return 7",
          {{"max_instructions", 100000}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["result"], 7);
  // The array tag cannot be reached to smuggle a __gc in.
  auto tag = Run("return getmetatable(input.list)", {{"input", {{"list", {1}}}}});
  ASSERT_TRUE(tag) << tag.error().ToString();
  EXPECT_EQ(tag->output["result"], "json.array");
}

TEST_F(CodeNodeTest, SetmetatableStillWorks) {
  auto r =
      Run("local v = setmetatable({}, {__index = function(_, k) return k .. '!' end})\n"
          "return v.hi");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["result"], "hi!");
}

TEST_F(CodeNodeTest, MemoryBombsHitTheMemoryLimit) {
  EXPECT_EQ(ErrorOf(Run("local s = 'x'\nwhile true do s = s .. s end", {{"max_memory_kb", 256}})),
            "code: memory limit of 256 KiB exceeded");
  EXPECT_EQ(
      ErrorOf(Run("local t = {}\nfor i = 1, 1e9 do t[i] = {i} end", {{"max_memory_kb", 256}})),
      "code: memory limit of 256 KiB exceeded");
  EXPECT_EQ(ErrorOf(Run("return string.rep('x', 1 << 26)", {{"max_memory_kb", 256}})),
            "code: memory limit of 256 KiB exceeded");
  EXPECT_EQ(ErrorOf(Run("local ok, e = pcall(string.rep, 'x', 1 << 30)\nerror(e)",
                        {{"max_memory_kb", 256}})),
            "code: memory limit of 256 KiB exceeded");
}

TEST_F(CodeNodeTest, InputLargerThanTheMemoryLimitFails) {
  auto r = Run("return #input", {{"input", std::string(200 * 1024, 'x')}, {"max_memory_kb", 64}});
  EXPECT_EQ(ErrorOf(r), "code: memory limit of 64 KiB exceeded");
}

TEST_F(CodeNodeTest, ScriptsMayRecoverFromAMemoryError) {
  auto r = Run("local ok = pcall(string.rep, 'x', 1 << 26)\nreturn ok", {{"max_memory_kb", 256}});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["result"], false);
}

TEST_F(CodeNodeTest, DeeplyNestedInputIsRefused) {
  Json input = 1;
  for (int i = 0; i < 110; ++i) input = Json::array({input});
  std::string message = ErrorOf(Run("return 1", {{"input", input}}));
  EXPECT_EQ(message, "code: input: nested deeper than 100 levels");
  // Past the limit of every rendered value, rendering refuses it first.
  for (int i = 110; i < 150; ++i) input = Json::array({input});
  message = ErrorOf(Run("return 1", {{"input", input}}));
  EXPECT_EQ(message, "input: the rendered value is nested deeper than 128 levels");
}

TEST_F(CodeNodeTest, LongErrorMessagesAreClipped) {
  std::string message = ErrorOf(Run("error(string.rep('x', 100000))"));
  EXPECT_LT(message.size(), 5000u);
  EXPECT_EQ(message.substr(message.size() - 3), "...");
}

TEST_F(CodeNodeTest, SyntaxErrorReportsTheLine) {
  std::string message = ErrorOf(Run("local x = 1\nlocal y = = 2\nreturn y"));
  EXPECT_EQ(message.rfind("code: code:2:", 0), 0u) << message;
}

TEST_F(CodeNodeTest, RuntimeErrorsReportTheLine) {
  EXPECT_EQ(ErrorOf(Run("local x = 1\nerror('boom')")), "code: code:2: boom");
  std::string message = ErrorOf(Run("local t = nil\n\nreturn t.x + 1"));
  EXPECT_NE(message.find("code:3:"), std::string::npos) << message;
  EXPECT_NE(message.find("attempt to index a nil value"), std::string::npos) << message;
  EXPECT_EQ(ErrorOf(Run("error({})")), "code: error object is a table value");
  EXPECT_EQ(ErrorOf(Run("error(42)")), "code: 42");
}

TEST_F(CodeNodeTest, BytecodeIsRefused) {
  std::string message = ErrorOf(Run(std::string("\x1bLua\x54\x00\x19\x93\r\n\x1a\n", 12)));
  EXPECT_NE(message.find("binary chunk"), std::string::npos) << message;
}

TEST_F(CodeNodeTest, UnconvertibleResultsNameThePath) {
  struct Case {
    const char* source;
    const char* expected;
  };
  const Case cases[] = {
      {"return {a = {b = print}}", "code: result.a.b: a function value cannot be converted"},
      {"return {1, 2, coroutine.create(print)}", "code: result[3]: a thread value cannot"},
      {"local t = {}\nt.self = t\nreturn {x = t}",
       "code: result.x.self: the table contains itself"},
      {"return {v = 0/0}", "code: result.v: NaN"},
      {"return {v = math.huge}", "code: result.v: infinity"},
      {"return {[true] = 1}",
       "code: result: table keys must be strings or integers, found a boolean"},
      {"return {[1.5] = 1}", "code: result: table key 1.5 is not a string or an integer"},
      {"return {[1] = 'a', ['1'] = 'b'}", "code: result[\"1\"]: the key is used both"},
      {"return {s = 'a\\255'}", "code: result.s: string is not valid UTF-8"},
      {"local t = {}\nlocal cur = t\nfor i = 1, 150 do cur.n = {}\ncur = cur.n end\nreturn t",
       "nested deeper than 100 levels"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.source);
    std::string message = ErrorOf(Run(c.source));
    EXPECT_NE(message.find(c.expected), std::string::npos) << message;
  }
}

// A script can build a table of any depth, or one that holds itself; converting it to JSON must
// end in a clean step failure, not recurse until the stack runs out.
TEST_F(CodeNodeTest, ResultsNestedAMillionDeepOrHoldingThemselvesFailCleanly) {
  auto deep = Run(R"(
local t = {}
local cur = t
for i = 1, 1000000 do
  local n = {}
  cur[1] = n
  cur = n
end
return t
)",
                  {{"max_memory_kb", 262144}, {"max_instructions", 100000000}});
  std::string message = ErrorOf(deep);
  EXPECT_EQ(message.rfind("code: result[1][1][1]", 0), 0u) << message;
  EXPECT_NE(message.find(": nested deeper than 100 levels"), std::string::npos) << message;

  EXPECT_EQ(ErrorOf(Run("local t = {}\nt[1] = t\nreturn t")),
            "code: result[1]: the table contains itself (a cycle)");
  EXPECT_EQ(ErrorOf(Run("local t = {}\nt.next = {prev = t}\nreturn t")),
            "code: result.next.prev: the table contains itself (a cycle)");
  // Shared, not cyclic, but 2^60 paths: the memory limit ends the conversion.
  EXPECT_NE(ErrorOf(Run("local t = {}\nfor i = 1, 60 do t = {t, t} end\nreturn t"))
                .find("larger than the memory limit"),
            std::string::npos);
}

TEST_F(CodeNodeTest, SharedTablesThatAreNotCyclesConvert) {
  auto r = Run("local shared = {1}\nreturn {a = shared, b = shared}");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["result"], Json({{"a", {1}}, {"b", {1}}}));
}

TEST_F(CodeNodeTest, ResultsThatShareTablesCannotExplode) {
  std::string message =
      ErrorOf(Run("local t = {string.rep('x', 1000)}\nfor i = 1, 40 do t = {t, t} end\nreturn t",
                  {{"max_memory_kb", 1024}}));
  EXPECT_EQ(message, "code: the result is larger than the memory limit of 1024 KiB");
}

TEST_F(CodeNodeTest, ResultMetatablesAreIgnored) {
  auto r =
      Run("return setmetatable({x = 1}, {__index = function() error('no') end, "
          "__pairs = function() error('no') end, __len = function() error('no') end})");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["result"], Json({{"x", 1}}));
}

TEST_F(CodeNodeTest, CancellationFromAnotherThreadStopsALongLoop) {
  EXPECT_EQ(RunCancelledSoon("local n = 0\nwhile true do n = n + 1 end"),
            "code: cancelled: execution stopped");
}

TEST_F(CodeNodeTest, AlreadyCancelledDoesNotRun) {
  cancel_.Cancel("shutdown");
  ErrorOf(Run("return 1"), Code::kCancelled);
}

TEST_F(CodeNodeTest, SafeLibrariesAreAvailable) {
  auto r = Run(R"(
local t = {3, 1, 2}
table.sort(t)
local co = coroutine.wrap(function() coroutine.yield(5) end)
return {sorted = t, floor = math.floor(2.7), len = utf8.len("h\u{E9}"), fmt = string.format("%03d", 7),
        co = co(), int_div = 7 // 2, float = 7 / 2}
)");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->output["result"], Json({{"sorted", {1, 2, 3}},
                                       {"floor", 2},
                                       {"len", 2},
                                       {"fmt", "007"},
                                       {"co", 5},
                                       {"int_div", 3},
                                       {"float", 3.5}}));
}

TEST_F(CodeNodeTest, RegistersUnderCode) {
  NodeRegistry registry;
  RegisterCodeNode(&registry);
  NodeExecutor* e = registry.Find("code");
  ASSERT_NE(e, nullptr);
  EXPECT_FALSE(e->inline_ok());
}

}  // namespace
}  // namespace atelier
