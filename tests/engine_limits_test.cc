// The engine holds every value it builds to the JSON depth limits (atelier/core/json_limits.h):
// steps cannot nest values deeper from one to the next, and an executor whose output nests too
// deep fails its step instead of the process that stores, copies or sends that output.
#include "atelier/core/json_limits.h"
#include "tests/test_env.h"

namespace atelier::testing {
namespace {

// `levels` nested arrays around `inner`, as template text.
std::string Wrapped(int levels, const std::string& inner) {
  return std::string(levels, '[') + inner + std::string(levels, ']');
}

TEST(EngineLimits, StepsCannotNestValuesDeeperFromOneToTheNext) {
  // Each step puts the previous one's value 60 levels down: a chain of 1,000 such steps would
  // have reached 60,000 levels. The third goes past 128 and fails; nothing is retried.
  Harness h;
  auto ex = h.Run(R"({"name": "Deeper", "inputs": {"x": {"type": "string", "default": "x"}},
    "nodes": [{"id": "start", "type": "start"},
      {"id": "a", "type": "transform", "data": {"output": {"v": )" +
                  Wrapped(60, R"("{{inputs.x}}")") + R"(}}},
      {"id": "b", "type": "transform", "data": {"output": {"v": )" +
                  Wrapped(60, R"("{{steps.a.v}}")") + R"(}}},
      {"id": "c", "type": "transform", "data": {"output": {"v": )" +
                  Wrapped(60, R"("{{steps.b.v}}")") + R"(}}}],
    "edges": [{"id": "1", "source": "start", "target": "a"}, {"id": "2", "source": "a", "target": "b"},
              {"id": "3", "source": "b", "target": "c"}]})");
  EXPECT_EQ(ex.status, ExecStatus::kFailed);
  EXPECT_EQ(h.Step(ex.id, "b").status, StepStatus::kSucceeded);
  StepRecord c = h.Step(ex.id, "c");
  EXPECT_EQ(c.status, StepStatus::kFailed);
  EXPECT_EQ(c.attempt, 1);
  EXPECT_EQ(c.error.value("code", ""), "invalid_argument");
  EXPECT_NE(c.error.value("message", "").find("nested deeper than 128 levels"), std::string::npos)
      << c.error.dump();
}

// Stands in for a future node type whose output nests as deep as it likes.
class DeepOutputNode : public NodeExecutor {
 public:
  explicit DeepOutputNode(bool inline_ok) : inline_ok_(inline_ok) {}
  bool inline_ok() const override { return inline_ok_; }
  Result<NodeResult> Execute(const NodeContext&) override {
    Json v = 1;
    for (int i = 0; i < 100000; ++i) {  // by moving: Json::array({v}) would copy, recursively
      Json outer = Json::array();
      outer.push_back(std::move(v));
      v = std::move(outer);
    }
    NodeResult r;
    r.output["v"] = std::move(v);
    return r;
  }

 private:
  bool inline_ok_;
};

const char* kOneTransform = R"({"name": "Deep output", "nodes": [{"id": "start", "type": "start"},
    {"id": "g", "type": "transform", "data": {"output": {"v": 1}}}],
  "edges": [{"id": "1", "source": "start", "target": "g"}]})";

TEST(EngineLimits, AnOutputNestedTooDeepFailsItsStepInlineOrOnAWorker) {
  for (bool inline_ok : {true, false}) {
    SCOPED_TRACE(inline_ok ? "inline" : "on a worker");
    TempDir dir;
    auto store = SqliteStore::Open(dir / "atelier.db");
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    ASSERT_TRUE((*store)->EnsureWorkspace(Harness::kWs, "Default").ok());
    auto blobs = LocalBlobStore::Open(dir / "blobs");
    ASSERT_TRUE(blobs.has_value());
    NodeRegistry nodes;
    RegisterBuiltinNodes(&nodes);
    nodes.Add("transform", std::make_shared<DeepOutputNode>(inline_ok));
    ProviderRegistry providers;
    SystemClock clock;
    RandomIdGenerator ids;
    EngineOptions opts;
    opts.owner = "test:" + std::to_string(getpid()) + ":limits";
    opts.poll_ms = 20;
    Engine engine(store->get(), blobs->get(), &nodes, &providers, &clock, &ids, opts);

    std::vector<ValidationError> errors;
    auto t = ParseTemplateText(kOneTransform, &errors);
    ASSERT_TRUE(t.has_value());
    auto rec = engine.RegisterTemplate(Harness::kWs, *t);
    ASSERT_TRUE(rec.has_value()) << rec.error().ToString();
    auto ex = engine.Launch(Harness::kWs, *rec, Json::object());
    ASSERT_TRUE(ex.has_value()) << ex.error().ToString();
    ASSERT_TRUE(engine.Drive(Harness::kWs, ex->id).ok());
    auto done = engine.WaitUntilRest(Harness::kWs, ex->id);
    ASSERT_TRUE(done.has_value()) << done.error().ToString();
    EXPECT_EQ(done->status, ExecStatus::kFailed);
    auto steps = (*store)->GetSteps(Harness::kWs, ex->id);
    ASSERT_TRUE(steps.has_value()) << steps.error().ToString();
    for (const StepRecord& s : *steps) {
      if (s.step_id != "g") continue;
      EXPECT_EQ(s.status, StepStatus::kFailed);
      EXPECT_EQ(s.error, Json({{"code", "invalid_argument"},
                               {"message", "the step's output is nested deeper than 256 levels"}}));
    }
    engine.Shutdown(1000);
  }
}

}  // namespace
}  // namespace atelier::testing
