// Reference checks: every Mustache tag in a node's data must parse (no partials) and, outside
// sections, name a declared input, an output of another node upstream of it, or a map's per-item
// `item` / `index`; verbatim fields are skipped. Upstream is decided per node from its direct
// parents first and otherwise by one backward search over the edges, and only for nodes that
// have such references.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "validator.h"

namespace atelier {
namespace internal {

void Validator::CheckReferences(bool check_upstream) {
  const int n = static_cast<int>(t_.nodes.size());
  check_upstream_ = check_upstream;
  visited_.assign(n, 0);
  target_mark_.assign(n, 0);
  parent_mark_.assign(n, 0);
  for (int i = 0; i < n; ++i) {
    const Json& data = t_.nodes[i].data;
    if (data.empty()) continue;
    ++epoch_;
    parents_marked_ = false;
    pending_.clear();
    WalkNodeStrings(i, Pass::kCheck);
    if (pending_.empty()) continue;
    if (!FindAncestors(i)) WalkNodeStrings(i, Pass::kReportNotUpstream);
  }
}

bool Validator::Verbatim(const NodeTypeSpec* spec, const std::string& key) {
  if (!spec) return false;
  const FieldSpec* f = FindField(spec->fields, key);
  return f && f->verbatim;
}

void Validator::WalkNodeStrings(int i, Pass pass) {
  const Json& data = t_.nodes[i].data;
  const bool is_map = specs_[i] != nullptr && specs_[i]->kind == NodeKind::kMap;
  for (auto it = data.cbegin(); it != data.cend(); ++it) {
    if (Verbatim(specs_[i], it.key())) continue;
    const bool per_item = is_map && it.key() == "node";
    if (per_item && it->is_object() && it->contains("data") && (*it)["data"].is_object()) {
      // The per-item node: its own verbatim fields are skipped as well.
      const Json& inner = *it;
      const NodeTypeSpec* inner_spec =
          inner.contains("type") && inner["type"].is_string()
              ? FindNodeType(inner["type"].get_ref<const std::string&>())
              : nullptr;
      const Json& inner_data = inner["data"];
      for (auto f = inner_data.cbegin(); f != inner_data.cend(); ++f) {
        if (Verbatim(inner_spec, f.key())) continue;
        internal::WalkStrings(*f, [&](const std::string& s, const auto& path) {
          if (s.find("{{") == std::string::npos) return;
          CheckString(i, s, pass, true,
                      [&] { return NodeWhere(i) + ".data.node.data." + f.key() + path(); });
        });
      }
      continue;
    }
    internal::WalkStrings(*it, [&](const std::string& s, const auto& path) {
      if (s.find("{{") == std::string::npos) return;
      CheckString(i, s, pass, per_item,
                  [&] { return NodeWhere(i) + ".data." + it.key() + path(); });
    });
  }
}

template <class W>
void Validator::CheckString(int i, const std::string& s, Pass pass, bool per_item, const W& where) {
  const Status st = internal::ScanTags(s, &tags_);
  if (!st.ok()) {
    if (pass == Pass::kCheck) Add(where(), st.message());
    return;
  }
  int depth = 0;
  for (const Tag& tag : tags_) {
    switch (tag.kind) {
      case TagKind::kSectionEnd:
        --depth;
        continue;
      case TagKind::kComment:
      case TagKind::kSetDelimiter:
        continue;
      case TagKind::kPartial:
        if (pass == Pass::kCheck) {
          Add(where(), "partials such as '" + std::string(s, tag.begin, tag.end - tag.begin) +
                           "' are not supported");
        }
        continue;
      default:
        break;
    }
    CheckName(i, s, tag, depth > 0, per_item, pass, where);
    if (tag.kind == TagKind::kSectionBegin || tag.kind == TagKind::kInvertedBegin) ++depth;
  }
}

template <class W>
void Validator::CheckName(int i, const std::string& s, const Tag& tag, bool in_section,
                          bool per_item, Pass pass, const W& where) {
  const std::string_view name = tag.name;
  const std::string_view root = internal::NameRoot(name);
  const bool rooted = root == "inputs" || root == "steps" || root == "item" || root == "index";
  // Inside a section, other names are relative to the section's value and cannot be checked.
  if (in_section && !rooted) return;
  const auto text = [&] { return "reference " + std::string(s, tag.begin, tag.end - tag.begin); };
  const auto error = [&](const std::string& m) {
    if (pass == Pass::kCheck) Add(where(), text() + m);
  };
  // parts after the root
  std::string_view rest =
      name.size() > root.size() ? name.substr(root.size() + 1) : std::string_view();
  const bool has_rest = name.size() > root.size();
  if (root == "inputs") {
    const std::string_view input = rest.substr(0, rest.find('.'));
    if (!has_rest || input.empty()) {
      return error(" must name an input, as in {{inputs.NAME}}");
    }
    if (!InputDeclared(input)) {
      return error(" names an undeclared input " + Quoted(input) + "; " + DeclaredInputs());
    }
    return;
  }
  if (root == "steps") {
    const size_t dot = rest.find('.');
    const std::string_view id = rest.substr(0, dot);
    const std::string_view field = dot == std::string_view::npos
                                       ? std::string_view()
                                       : rest.substr(dot + 1, rest.find('.', dot + 1) - dot - 1);
    if (!has_rest || id.empty()) {
      return error(" must name a step and its output, as in {{steps.ID.FIELD}}");
    }
    const int k = index_.Find(id);
    if (k < 0) return error(" names an unknown node " + Quoted(id));
    if (field.empty()) {
      return error(" must name an output of step " + Quoted(id) + ", as in {{steps." +
                   std::string(id) + ".FIELD}}" + OutputsClause(k));
    }
    if (k == i) {
      return error(": a node cannot use its own output");
    }
    if (!HasOutput(k, field)) {
      return error(": node " + Quoted(id) + " (type " + Quoted(t_.nodes[k].type) +
                   ") has no output " + Quoted(field) + OutputsClause(k));
    }
    if (!check_upstream_) return;
    if (pass == Pass::kReportNotUpstream) {
      if (visited_[k] != epoch_) {
        Add(where(), text() + ": step " + Quoted(id) + " is not upstream of " +
                         Quoted(t_.nodes[i].id) + "; add edges so that " + Quoted(id) +
                         " runs before " + Quoted(t_.nodes[i].id));
      }
      return;
    }
    MarkParents(i);
    if (parent_mark_[k] == epoch_ || target_mark_[k] == epoch_) return;
    target_mark_[k] = epoch_;
    pending_.push_back(k);
    return;
  }
  if (root == "item" || root == "index") {
    if (!per_item) {
      return error(": " + std::string(root) +
                   " is only available inside a map node's per-item node (data.node)");
    }
    if (root == "index" && has_rest) {
      return error(": index is the item's position (a number) and has no fields");
    }
    return;
  }
  if (name.empty()) return error(": an empty tag is not a reference");
  error(
      " is not a known reference; references start with inputs. or steps. (and, inside a "
      "map's per-item node, item or index)");
}

void Validator::MarkParents(int i) {
  if (parents_marked_) return;
  parents_marked_ = true;
  for (int e = in_.begin[i]; e < in_.begin[i + 1]; ++e) parent_mark_[in_.adj[e]] = epoch_;
}

// Backward BFS from node i until every pending target is found; marks visited_ with epoch_.
// True when all targets are ancestors of i.
bool Validator::FindAncestors(int i) {
  size_t found = 0;
  queue_.clear();
  queue_.push_back(i);
  visited_[i] = epoch_;
  for (size_t q = 0; q < queue_.size() && found < pending_.size(); ++q) {
    const int v = queue_[q];
    for (int e = in_.begin[v]; e < in_.begin[v + 1]; ++e) {
      const int w = in_.adj[e];
      if (visited_[w] == epoch_) continue;
      visited_[w] = epoch_;
      if (target_mark_[w] == epoch_ && ++found == pending_.size()) return true;
      queue_.push_back(w);
    }
  }
  return found == pending_.size();
}

// Whether node k produces `field`; unknown or malformed nodes say yes (their own errors are
// reported already).
bool Validator::HasOutput(int k, std::string_view field) const {
  const NodeTypeSpec* spec = specs_[k];
  if (spec == nullptr) return true;
  if (!spec->dynamic_outputs) {
    return std::find(spec->outputs.begin(), spec->outputs.end(), field) != spec->outputs.end();
  }
  if (spec->kind == NodeKind::kStart) return InputDeclared(field);
  const Json& data = t_.nodes[k].data;
  auto it = data.find("output");
  if (it == data.end()) return false;
  if (!it->is_object()) return true;
  return it->contains(field);
}

std::string Validator::OutputsClause(int k) const {
  const NodeTypeSpec* spec = specs_[k];
  if (spec == nullptr) return "";
  std::vector<std::string> outputs;
  if (!spec->dynamic_outputs) {
    outputs = spec->outputs;
  } else if (spec->kind == NodeKind::kStart) {
    for (const InputSpec& in : t_.inputs) outputs.push_back(in.name);
  } else {
    auto it = t_.nodes[k].data.find("output");
    if (it != t_.nodes[k].data.end() && it->is_object())
      for (const auto& [key, value] : it->items()) outputs.push_back(key);
  }
  if (outputs.empty()) return "; it has no outputs";
  return "; its outputs are: " + Join(outputs);
}

}  // namespace internal
}  // namespace atelier
