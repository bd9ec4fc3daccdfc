// Graph-shape checks: edges (ids, endpoints, source handles, duplicates), then the graph they
// form: exactly one start node, every node reachable from it, no cycles (each reported once,
// naming one cycle), and the reference checks that need a sound graph.
#include <algorithm>
#include <string>
#include <vector>

#include "validator.h"

namespace atelier {
namespace internal {

void Validator::ParseEdges(const Json& edges) {
  const int m = static_cast<int>(edges.size());
  t_.edges.resize(m);
  edge_has_id_.assign(m, false);
  edge_from_.assign(m, -1);
  edge_to_.assign(m, -1);
  edge_handle_ok_.assign(m, false);
  internal::StringIndex ids;
  ids.Reset(m);
  for (int j = 0; j < m; ++j) {
    const Json& je = edges[j];
    Edge& e = t_.edges[j];
    if (!je.is_object()) {
      Add(EdgeWhere(j), "an edge must be an object, got " + Describe(je));
      edges_ok_ = false;
      continue;
    }
    const Json* id = nullptr;
    const Json* source = nullptr;
    const Json* target = nullptr;
    const Json* handle = nullptr;
    std::vector<const std::string*> unknown;
    for (auto it = je.cbegin(); it != je.cend(); ++it) {
      const std::string_view key = it.key();
      if (key == "id") {
        id = &*it;
      } else if (key == "source") {
        source = &*it;
      } else if (key == "target") {
        target = &*it;
      } else if (key == "sourceHandle") {
        handle = &*it;
      } else if (key != "targetHandle" && key != "type" && key != "animated" && key != "label" &&
                 key != "style" && key != "data" && key != "markerEnd") {
        unknown.push_back(&it.key());
      }
    }
    if (id == nullptr) {
      Add(EdgeWhere(j), "missing required key 'id'");
    } else if (!id->is_string() || id->get_ref<const std::string&>().empty()) {
      Add(EdgeWhere(j), "id must be a non-empty string, got " + Describe(*id));
    } else {
      e.id = id->get_ref<const std::string&>();
      edge_has_id_[j] = true;
      const int first = ids.Insert(e.id, j);
      if (first >= 0) {
        Add(EdgeWhere(j),
            "duplicate edge id " + Quoted(e.id) + " (first used by " + EdgeWhere(first) + ")");
      }
    }
    edge_from_[j] = ParseEndpoint(j, source, "source", &e.source);
    edge_to_[j] = ParseEndpoint(j, target, "target", &e.target);
    if (edge_from_[j] < 0 || edge_to_[j] < 0) edges_ok_ = false;

    for (const std::string* key : unknown) {
      Add(EdgeWhere(j), "unknown key " + Quoted(*key) +
                            "; allowed keys: id, source, target, sourceHandle (React Flow's "
                            "targetHandle, type, animated, label, style, data and markerEnd are "
                            "ignored)");
    }

    bool handle_ok = true;
    if (handle != nullptr && !handle->is_null()) {
      if (!handle->is_string()) {
        Add(EdgeWhere(j), "sourceHandle must be a string or null, got " + Describe(*handle));
        handle_ok = false;
      } else {
        e.source_handle = handle->get_ref<const std::string&>();
      }
    }

    const int from = edge_from_[j];
    const int to = edge_to_[j];
    if (from >= 0 && handle_ok) CheckHandle(j, from);
    if (to >= 0 && specs_[to] != nullptr && specs_[to]->kind == NodeKind::kStart) {
      Add(EdgeWhere(j), "an edge may not lead into the start node " + Quoted(t_.nodes[to].id) +
                            " (start is the entry point)");
    }
    edge_handle_ok_[j] = handle_ok;
  }
  CheckDuplicateEdges();
}

// Groups edges by source (a counting sort), then finds repeats of (target, handle) per source
// with a last-edge-per-target table: linear, no hashing.
void Validator::CheckDuplicateEdges() {
  const int n = static_cast<int>(t_.nodes.size());
  const int m = static_cast<int>(t_.edges.size());
  std::vector<int> begin(n + 1, 0);
  for (int j = 0; j < m; ++j)
    if (edge_from_[j] >= 0 && edge_to_[j] >= 0) ++begin[edge_from_[j] + 1];
  for (int v = 0; v < n; ++v) begin[v + 1] += begin[v];
  std::vector<int> by_source(begin[n]);
  {
    std::vector<int> fill(begin.begin(), begin.end() - 1);
    for (int j = 0; j < m; ++j)
      if (edge_from_[j] >= 0 && edge_to_[j] >= 0) by_source[fill[edge_from_[j]]++] = j;
  }
  std::vector<int> last_to(n, -1);   // latest edge from the current source to each target
  std::vector<int> previous(m, -1);  // earlier edge with the same source and target
  std::vector<std::pair<int, int>> duplicates;  // (edge, the edge it repeats)
  for (int v = 0; v < n; ++v) {
    for (int k = begin[v]; k < begin[v + 1]; ++k) {
      const int j = by_source[k];
      const int to = edge_to_[j];
      const int latest = last_to[to];
      if (latest >= 0 && edge_from_[latest] == v) {
        previous[j] = latest;
        if (edge_handle_ok_[j]) {
          for (int p = latest; p >= 0; p = previous[p]) {
            if (edge_handle_ok_[p] && t_.edges[p].source_handle == t_.edges[j].source_handle) {
              duplicates.emplace_back(j, p);
              break;
            }
          }
        }
      }
      last_to[to] = j;
    }
  }
  std::sort(duplicates.begin(), duplicates.end());
  for (const auto& [j, p] : duplicates) {
    const Edge& e = t_.edges[j];
    std::string message = "duplicate edge: " + EdgeWhere(p) + " already connects " +
                          Quoted(e.source) + " to " + Quoted(e.target);
    if (!e.source_handle.empty()) message += " with sourceHandle " + Quoted(e.source_handle);
    Add(EdgeWhere(j), std::move(message));
  }
}

int Validator::ParseEndpoint(int j, const Json* value, const char* key, std::string* out) {
  if (value == nullptr) {
    Add(EdgeWhere(j), std::string("missing required key '") + key + "' (a node id)");
    return -1;
  }
  if (!value->is_string()) {
    Add(EdgeWhere(j), std::string(key) + " must be a node id (a string), got " + Describe(*value));
    return -1;
  }
  *out = value->get_ref<const std::string&>();
  const int found = index_.Find(*out);
  if (found < 0) {
    Add(EdgeWhere(j), std::string(key) + " " + Quoted(*out) + " is not the id of any node");
  }
  return found;
}

void Validator::CheckHandle(int j, int from) {
  const NodeTypeSpec* spec = specs_[from];
  if (spec == nullptr) return;
  const std::string& handle = t_.edges[j].source_handle;
  const auto node = [&] {
    return Quoted(t_.nodes[from].id) + " (type " + Quoted(spec->name) + ")";
  };
  if (spec->handles.empty()) {
    if (!handle.empty()) {
      Add(EdgeWhere(j), "sourceHandle " + Quoted(handle) + " is not allowed: node " + node() +
                            " has a single output; remove sourceHandle");
    }
    return;
  }
  if (handle.empty()) {
    if (spec->handle_required) {
      Add(EdgeWhere(j), "edges leaving node " + node() +
                            " must set sourceHandle to one of: " + Join(spec->handles));
    }
    return;
  }
  if (std::find(spec->handles.begin(), spec->handles.end(), handle) == spec->handles.end()) {
    Add(EdgeWhere(j), "sourceHandle " + Quoted(handle) + " is not valid for node " + node() +
                          "; allowed: " + Join(spec->handles));
  }
}

void Validator::CheckGraph() {
  const int n = static_cast<int>(t_.nodes.size());
  std::vector<int> starts;
  for (int i = 0; i < n; ++i)
    if (specs_[i] != nullptr && specs_[i]->kind == NodeKind::kStart) starts.push_back(i);
  if (starts.empty()) {
    Add("template", "no node of type 'start'; a template needs exactly one start node");
  }
  for (size_t k = 1; k < starts.size(); ++k) {
    Add(NodeWhere(starts[k]), "a template has exactly one node of type 'start', and " +
                                  NodeWhere(starts[0]) + " is already one");
  }

  edge_from_.resize(t_.edges.size(), -1);
  edge_to_.resize(t_.edges.size(), -1);
  out_.Build(n, edge_from_, edge_to_);
  in_.Build(n, edge_to_, edge_from_);

  if (ids_ok_) CheckCycles();
  if (ids_ok_ && edges_ok_ && starts.size() == 1) CheckReachable(starts[0]);
  CheckReferences(/*check_upstream=*/ids_ok_ && edges_ok_);
}

void Validator::CheckReachable(int start) {
  const int n = static_cast<int>(t_.nodes.size());
  std::vector<char> seen(n, 0);
  std::vector<int> queue;
  queue.reserve(n);
  queue.push_back(start);
  seen[start] = 1;
  for (size_t q = 0; q < queue.size(); ++q) {
    const int v = queue[q];
    for (int e = out_.begin[v]; e < out_.begin[v + 1]; ++e) {
      const int w = out_.adj[e];
      if (!seen[w]) {
        seen[w] = 1;
        queue.push_back(w);
      }
    }
  }
  for (int i = 0; i < n; ++i) {
    if (!seen[i]) {
      Add(NodeWhere(i), "not reachable from start; connect it with an edge from " +
                            Quoted(t_.nodes[start].id) + " or from an upstream node, or remove it");
    }
  }
}

// Tarjan's strongly connected components, iteratively; each component with a cycle is reported
// once, naming one cycle through its lowest-indexed node.
void Validator::CheckCycles() {
  const int n = static_cast<int>(t_.nodes.size());
  std::vector<int> index(n, -1), low(n, 0);
  std::vector<char> on_stack(n, 0);
  std::vector<int> stack;
  struct Frame {
    int v;
    int next;
  };
  std::vector<Frame> calls;
  std::vector<std::vector<int>> cyclic;
  int counter = 0;
  for (int s = 0; s < n; ++s) {
    if (index[s] != -1) continue;
    index[s] = low[s] = counter++;
    stack.push_back(s);
    on_stack[s] = 1;
    calls.push_back({s, out_.begin[s]});
    while (!calls.empty()) {
      const int v = calls.back().v;
      if (calls.back().next < out_.begin[v + 1]) {
        const int w = out_.adj[calls.back().next++];
        if (index[w] == -1) {
          index[w] = low[w] = counter++;
          stack.push_back(w);
          on_stack[w] = 1;
          calls.push_back({w, out_.begin[w]});
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], index[w]);
        }
        continue;
      }
      if (low[v] == index[v]) {
        std::vector<int> comp;
        int w;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack[w] = 0;
          comp.push_back(w);
        } while (w != v);
        bool cycle = comp.size() > 1;
        if (!cycle) {
          for (int e = out_.begin[v]; e < out_.begin[v + 1]; ++e) cycle |= out_.adj[e] == v;
        }
        if (cycle) cyclic.push_back(std::move(comp));
      }
      calls.pop_back();
      if (!calls.empty()) {
        const int u = calls.back().v;
        low[u] = std::min(low[u], low[v]);
      }
    }
  }
  for (auto& comp : cyclic) std::sort(comp.begin(), comp.end());
  std::sort(cyclic.begin(), cyclic.end());
  std::vector<int> comp_of(n, -1), parent(n, -1);
  for (size_t c = 0; c < cyclic.size(); ++c)
    for (int v : cyclic[c]) comp_of[v] = static_cast<int>(c);
  for (size_t c = 0; c < cyclic.size(); ++c)
    ReportCycle(cyclic[c], static_cast<int>(c), comp_of, parent);
}

void Validator::ReportCycle(const std::vector<int>& comp, int c, const std::vector<int>& comp_of,
                            std::vector<int>& parent) {
  // Shortest cycle through s = the component's first node: BFS inside the component until an
  // edge leads back to s.
  const int s = comp.front();
  std::vector<int> queue = {s};
  parent[s] = s;
  int last = -1;
  for (size_t q = 0; q < queue.size() && last < 0; ++q) {
    const int u = queue[q];
    for (int e = out_.begin[u]; e < out_.begin[u + 1]; ++e) {
      const int w = out_.adj[e];
      if (w == s) {
        last = u;
        break;
      }
      if (comp_of[w] == c && parent[w] == -1) {
        parent[w] = u;
        queue.push_back(w);
      }
    }
  }
  std::vector<int> path;
  for (int v = last; v != s; v = parent[v]) path.push_back(v);
  path.push_back(s);
  std::reverse(path.begin(), path.end());
  path.push_back(s);

  constexpr size_t kShown = 12;
  std::string m = "cycle ";
  for (size_t k = 0; k < path.size(); ++k) {
    if (path.size() > 2 * kShown + 1 && k == kShown) {
      m += " -> ... (" + std::to_string(path.size() - 2 * kShown - 1) + " more) ...";
      k = path.size() - kShown - 1;
    }
    if (k > 0) m += " -> ";
    m += t_.nodes[path[k]].id;
  }
  if (comp.size() + 1 > path.size()) {
    m += "; " + std::to_string(comp.size()) + " nodes are caught in this loop: ";
    for (size_t k = 0; k < comp.size() && k < 20; ++k) {
      if (k > 0) m += ", ";
      m += t_.nodes[comp[k]].id;
    }
    if (comp.size() > 20) m += ", ...";
  }
  m += " (templates must be acyclic; use a map node to repeat work)";
  Add("template", std::move(m));
}

}  // namespace internal
}  // namespace atelier
