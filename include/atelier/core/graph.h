// A validated template indexed for execution: node indices, adjacency with edge handles,
// topological order and stage depth. Built once per template version and shared read-only by all
// executions of it (thread-safe after construction).
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "atelier/core/node_types.h"
#include "atelier/core/template.h"

namespace atelier {

struct GraphEdge {
  int from = -1;
  int to = -1;
  std::string handle;  // empty = unconditional
};

class Graph {
 public:
  // `t` must have passed ParseTemplate (a DAG with one start); CHECKs otherwise.
  static std::shared_ptr<const Graph> Build(Template t);

  const Template& tmpl() const { return tmpl_; }
  int size() const { return static_cast<int>(tmpl_.nodes.size()); }
  const Node& node(int i) const { return tmpl_.nodes[i]; }
  const NodeTypeSpec& spec(int i) const { return *specs_[i]; }
  // -1 when no such node.
  int IndexOf(const std::string& id) const;
  // The nodes reachable from `from` along the edges (Downstream) or against them (Upstream), one
  // flag per node index; a node of `from` is flagged only when another one reaches it.
  std::vector<char> Downstream(std::vector<int> from) const { return Reach(std::move(from), true); }
  std::vector<char> Upstream(std::vector<int> from) const { return Reach(std::move(from), false); }
  int start() const { return start_; }
  const std::vector<GraphEdge>& out(int i) const { return out_[i]; }
  const std::vector<GraphEdge>& in(int i) const { return in_[i]; }
  // All node indices in a topological order (start first).
  const std::vector<int>& topo_order() const { return topo_; }
  // Stage of a node: 0 for start and end nodes, else 1 + the longest path (in work nodes) from
  // start. Stages are the unit of "stage N of M".
  int stage(int i) const { return stage_[i]; }
  // Step ids referenced by node i's data ({{steps.ID...}}), for building its scope cheaply.
  const std::vector<std::string>& referenced_steps(int i) const { return refs_[i]; }

 private:
  std::vector<char> Reach(std::vector<int> from, bool down) const;

  Template tmpl_;
  std::vector<const NodeTypeSpec*> specs_;
  std::unordered_map<std::string, int> index_;
  std::vector<std::vector<GraphEdge>> out_, in_;
  std::vector<int> topo_, stage_;
  std::vector<std::vector<std::string>> refs_;
  int start_ = -1;
};

}  // namespace atelier
