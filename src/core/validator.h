// The template validator's private side, internal to core: class Validator, which turns a
// template document into a Template while collecting every error with its location, and the few
// message helpers its parts share (Quoted, Join, Describe, FindField). The public entry points are
// in atelier/core/validation.h. Validator's members are defined by concern: validation.cc (the
// entry points, the top level), validation_inputs.cc (input specs, launch inputs),
// validation_nodes.cc (node ids and per-node-type data), validation_graph.cc (edges, handles,
// reachability, cycles) and validation_references.cc (Mustache references between nodes).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "atelier/core/node_types.h"
#include "atelier/core/template.h"
#include "atelier/core/validation.h"
#include "mustache_scan.h"
#include "string_index.h"

namespace atelier {
namespace internal {

std::string Quoted(std::string_view s);

std::string Join(const std::vector<std::string>& items);

// "a string ('abc')", "an integer (42)", "a list", "null": for "got ..." in messages.
std::string Describe(const Json& v);

const FieldSpec* FindField(const std::vector<FieldSpec>& fields, std::string_view name);

// Adjacency in compressed-row form: the targets of node v are adj[begin[v] .. begin[v+1]).
struct Csr {
  std::vector<int> begin;
  std::vector<int> adj;
  // Edges from[j] -> to[j], skipping unresolved ones (-1).
  void Build(int n, const std::vector<int>& from, const std::vector<int>& to) {
    begin.assign(n + 1, 0);
    for (size_t j = 0; j < from.size(); ++j)
      if (from[j] >= 0 && to[j] >= 0) ++begin[from[j] + 1];
    for (int v = 0; v < n; ++v) begin[v + 1] += begin[v];
    adj.resize(begin[n]);
    std::vector<int> fill(begin.begin(), begin.end() - 1);
    for (size_t j = 0; j < from.size(); ++j)
      if (from[j] >= 0 && to[j] >= 0) adj[fill[from[j]]++] = to[j];
  }
};

// One validation of one template document (a fresh Validator per document; inline subworkflows
// get one of their own, with `depth` one deeper).
class Validator {
 public:
  // `owned_doc`, when given, is `doc` itself, owned by the caller and not needed afterwards: node
  // data is moved out of it instead of copied. `depth` counts enclosing inline subworkflows.
  Validator(const Json& doc, std::vector<ValidationError>* errors, Json* owned_doc = nullptr,
            int depth = 0)
      : doc_(doc), errors_(errors), owned_doc_(owned_doc), depth_(depth) {}

  Result<Template> Run();

 private:
  void Add(std::string where, std::string message) {
    errors_->push_back({std::move(where), std::move(message)});
  }

  Result<Template> Fail(size_t before);

  std::string NodeWhere(int i) const {
    std::string w = "nodes[" + std::to_string(i) + "]";
    if (node_has_id_[i]) w += " (id " + Quoted(t_.nodes[i].id) + ")";
    return w;
  }

  std::string EdgeWhere(int j) const {
    std::string w = "edges[" + std::to_string(j) + "]";
    if (edge_has_id_[j]) w += " (id " + Quoted(t_.edges[j].id) + ")";
    return w;
  }

  // ---- top level (validation.cc) ----------------------------------------------------------------

  void ParseTopLevel();
  void ParseOptionalString(const char* key, std::string* out);

  // ---- inputs (validation_inputs.cc) ------------------------------------------------------------

  void ParseInputs(const Json& inputs);
  bool InputDeclared(std::string_view name) const;
  std::string DeclaredInputs() const;

  // ---- nodes (validation_nodes.cc) --------------------------------------------------------------

  void ParseNodes(const Json& nodes);
  void ParseNode(int i, const Json& jn);
  void ParsePosition(int i, const Json& pos);
  void CheckData(int i, const Json& data, const NodeTypeSpec& spec, const std::string& prefix);
  void CheckSubworkflow(int i, const Json& data, const std::string& prefix);
  void CheckField(int i, const FieldSpec& f, const Json& v, const std::string& prefix,
                  bool allow_reference);
  template <class W>
  void CheckBounds(const FieldSpec& f, const Json& v, const W& where);
  void CheckNodeSpec(int i, const Json& v, const std::string& at);
  void CheckRetry(int i, const Json& v, const std::string& at);

  // ---- edges (validation_graph.cc) --------------------------------------------------------------

  void ParseEdges(const Json& edges);
  void CheckDuplicateEdges();
  int ParseEndpoint(int j, const Json* value, const char* key, std::string* out);
  void CheckHandle(int j, int from);

  // ---- graph (validation_graph.cc) --------------------------------------------------------------

  void CheckGraph();
  void CheckReachable(int start);
  void CheckCycles();
  void ReportCycle(const std::vector<int>& comp, int c, const std::vector<int>& comp_of,
                   std::vector<int>& parent);

  // ---- references (validation_references.cc) ----------------------------------------------------

  enum class Pass { kCheck, kReportNotUpstream };

  void CheckReferences(bool check_upstream);
  static bool Verbatim(const NodeTypeSpec* spec, const std::string& key);
  void WalkNodeStrings(int i, Pass pass);
  template <class W>
  void CheckString(int i, const std::string& s, Pass pass, bool per_item, const W& where);
  template <class W>
  void CheckName(int i, const std::string& s, const Tag& tag, bool in_section, bool per_item,
                 Pass pass, const W& where);
  void MarkParents(int i);
  bool FindAncestors(int i);
  bool HasOutput(int k, std::string_view field) const;
  std::string OutputsClause(int k) const;

  // ---- state -------------------------------------------------------------------------------

  const Json& doc_;
  std::vector<ValidationError>* errors_;
  Json* owned_doc_;
  int depth_ = 0;
  Template t_;
  std::vector<bool> node_has_id_, edge_has_id_;
  std::vector<const NodeTypeSpec*> specs_;
  internal::StringIndex index_;  // views of t_.nodes[i].id
  std::vector<bool> edge_handle_ok_;
  std::vector<int> edge_from_, edge_to_;
  Csr out_, in_;
  bool ids_ok_ = true;
  bool edges_ok_ = true;

  // Reference checking state, reused across nodes.
  bool check_upstream_ = false;
  int epoch_ = 0;
  bool parents_marked_ = false;
  std::vector<int> visited_, target_mark_, parent_mark_, pending_, queue_;
  std::vector<Tag> tags_;
};

}  // namespace internal
}  // namespace atelier
