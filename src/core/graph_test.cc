#include "atelier/core/graph.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "atelier/core/validation.h"

namespace atelier {
namespace {

Template Parse(const Json& doc) {
  std::vector<ValidationError> errors;
  Result<Template> t = ParseTemplate(doc, &errors);
  std::string all;
  for (const auto& e : errors) all += e.ToString() + "\n";
  EXPECT_TRUE(t.has_value()) << all;
  return t.has_value() ? *t : Template{};
}

// start -> a -> (b, c) -> d -> end
Json Diamond() {
  return Json::parse(R"({
    "name": "diamond",
    "inputs": {"topic": {"type": "string", "default": "tea"}},
    "nodes": [
      {"id": "end", "type": "end", "data": {"output": {"result": "{{steps.d.text}}"}}},
      {"id": "d", "type": "generate_text", "data": {"prompt": "{{steps.b.text}} / {{steps.c.text}} / {{steps.b.model}}"}},
      {"id": "c", "type": "generate_text", "data": {"prompt": "{{steps.a.text}}"}},
      {"id": "b", "type": "generate_text", "data": {"prompt": "{{steps.a.text}} {{inputs.topic}}"}},
      {"id": "a", "type": "generate_text", "data": {"prompt": "About {{inputs.topic}}"}},
      {"id": "start", "type": "start"}
    ],
    "edges": [
      {"id": "e1", "source": "start", "target": "a"},
      {"id": "e2", "source": "a", "target": "b"},
      {"id": "e3", "source": "a", "target": "c"},
      {"id": "e4", "source": "b", "target": "d"},
      {"id": "e5", "source": "c", "target": "d"},
      {"id": "e6", "source": "d", "target": "end"}
    ]
  })");
}

TEST(Graph, StagesCountWorkNodesFromStart) {
  auto g = Graph::Build(Parse(Diamond()));
  EXPECT_EQ(g->stage(g->IndexOf("start")), 0);
  EXPECT_EQ(g->stage(g->IndexOf("a")), 1);
  EXPECT_EQ(g->stage(g->IndexOf("b")), 2);
  EXPECT_EQ(g->stage(g->IndexOf("c")), 2);
  EXPECT_EQ(g->stage(g->IndexOf("d")), 3);
  EXPECT_EQ(g->stage(g->IndexOf("end")), 0);
}

TEST(Graph, StageUsesTheLongestPath) {
  Json doc = Diamond();
  // A shortcut a -> d does not make d shallower.
  doc["edges"].push_back({{"id", "e7"}, {"source", "a"}, {"target", "d"}});
  auto g = Graph::Build(Parse(doc));
  EXPECT_EQ(g->stage(g->IndexOf("d")), 3);
}

TEST(Graph, TopologicalOrderStartsWithStartAndRespectsEdges) {
  auto g = Graph::Build(Parse(Diamond()));
  const auto& order = g->topo_order();
  ASSERT_EQ(order.size(), 6u);
  EXPECT_EQ(order.front(), g->start());
  EXPECT_EQ(g->node(g->start()).id, "start");
  std::vector<int> position(g->size());
  for (size_t k = 0; k < order.size(); ++k) position[order[k]] = static_cast<int>(k);
  for (int i = 0; i < g->size(); ++i)
    for (const GraphEdge& e : g->out(i)) EXPECT_LT(position[e.from], position[e.to]);
}

TEST(Graph, IndexesNodesAndAdjacency) {
  auto g = Graph::Build(Parse(Diamond()));
  EXPECT_EQ(g->size(), 6);
  EXPECT_EQ(g->IndexOf("a"), 4);
  EXPECT_EQ(g->IndexOf("nope"), -1);
  EXPECT_EQ(g->spec(g->IndexOf("end")).name, "end");
  const int a = g->IndexOf("a");
  ASSERT_EQ(g->out(a).size(), 2u);
  EXPECT_EQ(g->in(g->IndexOf("d")).size(), 2u);
  EXPECT_EQ(g->in(a).size(), 1u);
  EXPECT_EQ(g->in(a)[0].from, g->start());
  EXPECT_EQ(g->tmpl().name, "diamond");
}

TEST(Graph, KeepsEdgeHandles) {
  Json doc = Json::parse(R"({
    "name": "branch",
    "nodes": [
      {"id": "start", "type": "start"},
      {"id": "check", "type": "condition", "data": {"value": 1, "operator": "truthy"}},
      {"id": "yes", "type": "end"},
      {"id": "no", "type": "end"}
    ],
    "edges": [
      {"id": "e0", "source": "start", "target": "check"},
      {"id": "e1", "source": "check", "target": "yes", "sourceHandle": "true"},
      {"id": "e2", "source": "check", "target": "no", "sourceHandle": "false"}
    ]
  })");
  auto g = Graph::Build(Parse(doc));
  const int check = g->IndexOf("check");
  ASSERT_EQ(g->out(check).size(), 2u);
  EXPECT_EQ(g->out(check)[0].handle, "true");
  EXPECT_EQ(g->out(check)[1].handle, "false");
  EXPECT_EQ(g->in(g->IndexOf("no"))[0].handle, "false");
  EXPECT_EQ(g->out(g->start())[0].handle, "");
  EXPECT_EQ(g->stage(check), 1);
}

TEST(Graph, ReferencedStepsAreDistinctAndIncludeMapNodeData) {
  auto g = Graph::Build(Parse(Diamond()));
  EXPECT_EQ(g->referenced_steps(g->IndexOf("d")), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(g->referenced_steps(g->IndexOf("a")), std::vector<std::string>{});
  EXPECT_EQ(g->referenced_steps(g->IndexOf("end")), std::vector<std::string>{"d"});

  Json doc = Json::parse(R"({
    "name": "map",
    "nodes": [
      {"id": "start", "type": "start"},
      {"id": "list", "type": "transform", "data": {"output": {"items": [1, 2], "style": "ink"}}},
      {"id": "each", "type": "map", "data": {"items": "{{steps.list.items}}",
        "node": {"type": "generate_image", "data": {"prompt": "{{item}} in {{steps.list.style}}"}}}}
    ],
    "edges": [
      {"id": "e0", "source": "start", "target": "list"},
      {"id": "e1", "source": "list", "target": "each"}
    ]
  })");
  auto m = Graph::Build(Parse(doc));
  EXPECT_EQ(m->referenced_steps(m->IndexOf("each")), std::vector<std::string>{"list"});
}

}  // namespace
}  // namespace atelier
