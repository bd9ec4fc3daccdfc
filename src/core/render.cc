#include "atelier/core/render.h"

#include <deque>
#include <kainjow/mustache.hpp>
#include <optional>
#include <unordered_map>

#include "atelier/core/json_limits.h"
#include "core/mustache_scan.h"

namespace atelier {
namespace {

namespace mustache = kainjow::mustache;
using internal::Tag;
using internal::TagKind;

// Variable tags are renamed with this prefix before kainjow parses the string, so that the
// context can tell a variable lookup (which wants text) from a section lookup (which wants a
// truth value or a list). Mustache gives no other way to tell them apart.
constexpr char kVariableMarker = '\x01';

bool IsRootedName(std::string_view name) {
  const std::string_view root = internal::NameRoot(name);
  return root == "inputs" || root == "steps" || root == "item" || root == "index";
}

// The text a value renders to in a variable tag: strings as they are, numbers and booleans as
// JSON, null as nothing, objects and lists as compact JSON.
std::string ValueText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return std::string();
  return v.dump();
}

bool IsFalsy(const Json& v) {
  if (v.is_null()) return true;
  if (v.is_boolean()) return !v.get<bool>();
  if (v.is_string()) return v.get_ref<const std::string&>().empty();
  if (v.is_number()) return v.get<double>() == 0;
  return false;
}

// A kainjow context that resolves names against the JSON scope on demand instead of converting
// the whole scope up front (scopes carry every upstream output; a string names a few of them).
// Each value handed to kainjow is remembered with the JSON it stands for, so names inside a
// section resolve against the section's item.
class ScopeContext : public mustache::basic_context<std::string> {
 public:
  explicit ScopeContext(const Json& scope) {
    const mustache::data* root = &pool_.emplace_back(mustache::data::type::object);
    json_of_[root] = &scope;
    stack_.push_back(root);
  }

  void push(const mustache::data* d) override { stack_.push_back(d); }
  void pop() override { stack_.pop_back(); }

  const mustache::data* get(const std::string& name) const override {
    const bool variable = !name.empty() && name[0] == kVariableMarker;
    const std::string_view real =
        variable ? std::string_view(name).substr(1) : std::string_view(name);
    const Json* value = Resolve(real);
    if (value == nullptr) {
      if (variable && !missing_ && (stack_.size() == 1 || IsRootedName(real) || real.empty())) {
        missing_ = std::string(real);
      }
      return nullptr;
    }
    if (variable) return &pool_.emplace_back(ValueText(*value));
    return SectionValue(*value);
  }

  const mustache::data* get_partial(const std::string& /*name*/) const override { return nullptr; }

  // The first variable that resolved to nothing where a value was required.
  const std::optional<std::string>& missing() const { return missing_; }

 private:
  const Json* JsonOf(const mustache::data* d) const {
    auto it = json_of_.find(d);
    ATELIER_CHECK(it != json_of_.end());
    return it->second;
  }

  // Like kainjow: "." is the innermost item; otherwise the whole dotted name is tried against
  // each item from the innermost outwards.
  const Json* Resolve(std::string_view name) const {
    if (name.empty()) return nullptr;
    if (name == ".") return JsonOf(stack_.back());
    const std::vector<std::string> path = internal::SplitName(name);
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
      if (const Json* v = LookupPath(*JsonOf(*it), path)) return v;
    }
    return nullptr;
  }

  const mustache::data* SectionValue(const Json& v) const {
    mustache::data* d;
    if (v.is_array()) {
      // Placeholders: only their addresses matter, names inside resolve through json_of_.
      d = &pool_.emplace_back(mustache::list(v.size(), mustache::data(true)));
      const auto& items = d->list_value();
      for (size_t k = 0; k < items.size(); ++k) json_of_[&items[k]] = &v[k];
    } else if (IsFalsy(v)) {
      d = &pool_.emplace_back(false);
    } else if (v.is_object()) {
      d = &pool_.emplace_back(mustache::data::type::object);
    } else {
      d = &pool_.emplace_back(true);
    }
    json_of_[d] = &v;
    return d;
  }

  // kainjow asks through a const interface; what it is handed must live as long as the render.
  mutable std::deque<mustache::data> pool_;
  mutable std::unordered_map<const mustache::data*, const Json*> json_of_;
  mutable std::optional<std::string> missing_;
  std::vector<const mustache::data*> stack_;
};

Status MissingReference(std::string_view name) {
  return InvalidArgument("reference {{" + std::string(name) + "}} has no value");
}

}  // namespace

Result<std::vector<Reference>> ExtractReferences(std::string_view s) {
  std::vector<Reference> refs;
  if (s.find("{{") == std::string_view::npos) return refs;
  std::vector<Tag> tags;
  if (Status st = internal::ScanTags(s, &tags); !st.ok()) return Err(std::move(st));
  for (const Tag& tag : tags) {
    if (!internal::NamesValue(tag.kind)) continue;
    refs.push_back(
        {internal::SplitName(tag.name), std::string(s.substr(tag.begin, tag.end - tag.begin))});
  }
  return refs;
}

Result<Json> RenderString(const std::string& s, const Json& scope) {
  if (s.find("{{") == std::string::npos) return Json(s);
  std::vector<Tag> tags;
  if (Status st = internal::ScanTags(s, &tags); !st.ok()) return Err(std::move(st));

  if (tags.size() == 1 && internal::IsVariable(tags[0].kind) && tags[0].begin == 0 &&
      tags[0].end == s.size()) {
    const Json* v = LookupPath(scope, internal::SplitName(tags[0].name));
    if (v == nullptr || tags[0].name.empty()) return Err(MissingReference(tags[0].name));
    return *v;
  }

  std::string marked;
  marked.reserve(s.size() + tags.size());
  size_t copied = 0;
  for (const Tag& tag : tags) {
    if (!internal::IsVariable(tag.kind)) continue;
    marked.append(s, copied, tag.name_begin - copied);
    marked += kVariableMarker;
    copied = tag.name_begin;
  }
  marked.append(s, copied, std::string::npos);

  mustache::mustache tmpl(marked);
  if (!tmpl.is_valid())
    return Err(InvalidArgument("cannot render template text: " + tmpl.error_message()));
  tmpl.set_custom_escape([](const std::string& text) { return text; });
  ScopeContext ctx(scope);
  std::string out = tmpl.render(ctx);
  if (!tmpl.is_valid())
    return Err(InvalidArgument("cannot render template text: " + tmpl.error_message()));
  if (ctx.missing()) return Err(MissingReference(*ctx.missing()));
  return Json(std::move(out));
}

namespace {

Status RenderedTooDeep() {
  return InvalidArgument("the rendered value is nested deeper than " +
                         std::to_string(kMaxJsonDepth) + " levels");
}

// `depth`: the levels of containers around `value`. Bounded, so the recursion is too.
Result<Json> RenderValueAt(const Json& value, const Json& scope, int depth) {
  if (value.is_string()) return RenderString(value.get_ref<const std::string&>(), scope);
  if (value.is_structured() && depth >= kMaxJsonDepth) return Err(RenderedTooDeep());
  if (value.is_array()) {
    Json out = Json::array();
    for (const Json& v : value) {
      Result<Json> r = RenderValueAt(v, scope, depth + 1);
      if (!r) return r;
      out.push_back(std::move(*r));
    }
    return out;
  }
  if (value.is_object()) {
    Json out = Json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      Result<Json> r = RenderValueAt(*it, scope, depth + 1);
      if (!r) return r;
      out[it.key()] = std::move(*r);
    }
    return out;
  }
  return value;
}

}  // namespace

// A reference placed inside nested data adds the depth of what it names to where it stands: a
// chain of steps could otherwise build values deeper at every step. Checked once on the result.
Result<Json> RenderValue(const Json& value, const Json& scope) {
  Result<Json> out = RenderValueAt(value, scope, 0);
  if (out && JsonDeeperThan(*out, kMaxJsonDepth)) return Err(RenderedTooDeep());
  return out;
}

const Json* LookupPath(const Json& root, const std::vector<std::string>& path) {
  const Json* cur = &root;
  for (const std::string& part : path) {
    if (cur->is_object()) {
      auto it = cur->find(part);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      if (part.empty() || part.size() > 18) return nullptr;
      size_t index = 0;
      for (char c : part) {
        if (c < '0' || c > '9') return nullptr;
        index = index * 10 + static_cast<size_t>(c - '0');
      }
      if (index >= cur->size()) return nullptr;
      cur = &(*cur)[index];
    } else {
      return nullptr;
    }
  }
  return cur;
}

}  // namespace atelier
