#include "atelier/core/graph.h"

#include <algorithm>

#include "mustache_scan.h"

namespace atelier {
namespace {

bool IsStartOrEnd(const NodeTypeSpec& spec) {
  return spec.kind == NodeKind::kStart || spec.kind == NodeKind::kEnd;
}

// Distinct step ids named by {{steps.ID...}} tags anywhere in `data`, in order of appearance.
std::vector<std::string> ReferencedSteps(const Json& data, std::vector<internal::Tag>* tags) {
  std::vector<std::string> ids;
  internal::WalkStrings(data, [&](const std::string& s, const auto& /*path*/) {
    if (s.find("{{") == std::string::npos) return;
    if (!internal::ScanTags(s, tags).ok()) return;
    for (const internal::Tag& tag : *tags) {
      if (!internal::NamesValue(tag.kind) || tag.kind == internal::TagKind::kSectionEnd) continue;
      if (internal::NameRoot(tag.name) != "steps" || tag.name.size() <= 6) continue;
      std::string_view rest = tag.name.substr(6);
      std::string_view id = rest.substr(0, rest.find('.'));
      if (id.empty()) continue;
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.emplace_back(id);
    }
  });
  return ids;
}

}  // namespace

std::shared_ptr<const Graph> Graph::Build(Template t) {
  auto g = std::make_shared<Graph>();
  g->tmpl_ = std::move(t);
  const int n = g->size();
  ATELIER_CHECK(n > 0);

  g->specs_.resize(n);
  g->index_.reserve(n);
  for (int i = 0; i < n; ++i) {
    const Node& node = g->tmpl_.nodes[i];
    g->specs_[i] = FindNodeType(node.type);
    ATELIER_CHECK(g->specs_[i] != nullptr);
    ATELIER_CHECK(g->index_.emplace(node.id, i).second);
    if (g->specs_[i]->kind == NodeKind::kStart) {
      ATELIER_CHECK(g->start_ == -1);
      g->start_ = i;
    }
  }
  ATELIER_CHECK(g->start_ >= 0);

  g->out_.resize(n);
  g->in_.resize(n);
  for (const Edge& e : g->tmpl_.edges) {
    const int from = g->IndexOf(e.source);
    const int to = g->IndexOf(e.target);
    ATELIER_CHECK(from >= 0 && to >= 0);
    g->out_[from].push_back({from, to, e.source_handle});
    g->in_[to].push_back({from, to, e.source_handle});
  }

  // Kahn's algorithm, first-in first-out, with start first.
  std::vector<int> indegree(n, 0);
  for (int i = 0; i < n; ++i) indegree[i] = static_cast<int>(g->in_[i].size());
  ATELIER_CHECK(indegree[g->start_] == 0);
  g->topo_.reserve(n);
  g->topo_.push_back(g->start_);
  for (int i = 0; i < n; ++i)
    if (i != g->start_ && indegree[i] == 0) g->topo_.push_back(i);
  for (size_t q = 0; q < g->topo_.size(); ++q) {
    for (const GraphEdge& e : g->out_[g->topo_[q]])
      if (--indegree[e.to] == 0) g->topo_.push_back(e.to);
  }
  ATELIER_CHECK(static_cast<int>(g->topo_.size()) == n);  // acyclic

  g->stage_.assign(n, 0);
  for (int v : g->topo_) {
    if (IsStartOrEnd(*g->specs_[v])) continue;
    int deepest = 0;
    for (const GraphEdge& e : g->in_[v])
      if (!IsStartOrEnd(*g->specs_[e.from])) deepest = std::max(deepest, g->stage_[e.from]);
    g->stage_[v] = deepest + 1;
  }

  g->refs_.resize(n);
  std::vector<internal::Tag> tags;
  for (int i = 0; i < n; ++i) g->refs_[i] = ReferencedSteps(g->tmpl_.nodes[i].data, &tags);
  return g;
}

std::vector<char> Graph::Reach(std::vector<int> from, bool down) const {
  std::vector<char> seen(size(), 0);
  while (!from.empty()) {
    const int n = from.back();
    from.pop_back();
    if (n < 0) continue;
    for (const auto& e : down ? out_[n] : in_[n]) {
      const int next = down ? e.to : e.from;
      if (!seen[next]) {
        seen[next] = 1;
        from.push_back(next);
      }
    }
  }
  return seen;
}

int Graph::IndexOf(const std::string& id) const {
  auto it = index_.find(id);
  return it == index_.end() ? -1 : it->second;
}

}  // namespace atelier
