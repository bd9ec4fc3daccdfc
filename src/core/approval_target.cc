#include "atelier/core/approval_target.h"

#include <vector>

namespace atelier {

std::string ApprovalTarget(const Graph& g, int node) {
  if (node < 0 || node >= g.size()) return "";
  const Json& data = g.node(node).data;
  if (data.is_object())
    if (auto t = data.find("tweak_step"); t != data.end() && t->is_string() && !t->empty())
      return t->get<std::string>();
  std::vector<int> frontier = {node};
  std::vector<char> seen(g.size(), 0);
  while (!frontier.empty()) {
    std::vector<int> next;
    for (int n : frontier)
      for (const auto& e : g.in(n)) {
        if (seen[e.from]) continue;
        seen[e.from] = 1;
        if (g.spec(e.from).generative) return g.node(e.from).id;
        next.push_back(e.from);
      }
    frontier.swap(next);
  }
  return "";
}

}  // namespace atelier
