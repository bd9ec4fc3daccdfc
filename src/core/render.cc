#include "atelier/core/render.h"

#include <algorithm>
#include <deque>
#include <kainjow/mustache.hpp>
#include <optional>
#include <unordered_map>
#include <utility>

#include "atelier/core/json_limits.h"
#include "mustache_scan.h"

namespace atelier {
namespace {

namespace mustache = kainjow::mustache;
using internal::Tag;
using internal::TagKind;

// Variable tags are renamed with this prefix before kainjow parses the string, so that the
// context can tell a variable lookup (which wants text) from a section lookup (which wants a
// truth value or a list). Mustache gives no other way to tell them apart.
constexpr char kVariableMarker = '\x01';
// Section tags (begin and end) are renamed "\x02N\x02name", N numbering the sections in order,
// so that the context knows which section asks and can charge the section's text to the budget.
constexpr char kSectionMarker = '\x02';

// The budget of one render (RenderLimits): what it has produced and done so far. Each charge is
// checked and made before the work it pays for is done (a section's items all at once, when the
// section starts), so a render stops before it goes past a limit.
struct Budget {
  RenderLimits limits;
  uint64_t bytes = 0;
  uint64_t work = 0;
  enum class Over { kNone, kBytes, kWork } over = Over::kNone;

  // Charges `count` pieces of `each` bytes; false (and `over` set) past the limit.
  bool AddBytes(uint64_t each, uint64_t count = 1) {
    const uint64_t left = limits.max_bytes - std::min(bytes, limits.max_bytes);
    if (each != 0 && count > left / each) {
      over = Over::kBytes;
      return false;
    }
    bytes += each * count;
    return true;
  }
  bool AddWork(uint64_t n) {
    if (n > limits.max_work - std::min(work, limits.max_work)) {
      over = Over::kWork;
      return false;
    }
    work += n;
    return true;
  }
};

// Thrown by the context through kainjow (which has no way to stop a render) when the budget runs
// out; caught in RenderIn.
struct BudgetExhausted {};

// A section of the template being rendered: its kind, and the bytes of literal text directly in
// its body (not in nested sections), which each time the body renders it outputs at most.
struct SectionText {
  bool inverted = false;
  uint64_t literal_bytes = 0;
};

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
  ScopeContext(const Json& scope, const std::vector<SectionText>& sections, Budget& budget)
      : sections_(sections), budget_(budget) {
    const mustache::data* root = &pool_.emplace_back(mustache::data::type::object);
    json_of_[root] = &scope;
    stack_.push_back(root);
  }

  void push(const mustache::data* d) override { stack_.push_back(d); }
  void pop() override { stack_.pop_back(); }

  const mustache::data* get(const std::string& name) const override {
    Charge(budget_.AddWork(1));
    const bool variable = !name.empty() && name[0] == kVariableMarker;
    std::string_view real = variable ? std::string_view(name).substr(1) : std::string_view(name);
    const SectionText* section = variable ? nullptr : TakeSection(&real);
    const Json* value = Resolve(real);
    if (value == nullptr) {
      if (variable && !missing_ && (stack_.size() == 1 || IsRootedName(real) || real.empty())) {
        missing_ = std::string(real);
      }
      if (section && section->inverted) Charge(budget_.AddBytes(section->literal_bytes));
      return nullptr;
    }
    if (variable) {
      // One piece of text per value: a tag inside a section asks again for every item.
      auto [it, fresh] = text_of_.try_emplace(value, nullptr);
      if (fresh) it->second = &pool_.emplace_back(ValueText(*value));
      Charge(budget_.AddBytes(it->second->string_value().size()));
      return it->second;
    }
    if (section) ChargeSection(*section, *value);
    auto [it, fresh] = section_of_.try_emplace(value, nullptr);
    if (fresh) it->second = SectionValue(*value);
    return it->second;
  }

  const mustache::data* get_partial(const std::string& /*name*/) const override { return nullptr; }

  // The first variable that resolved to nothing where a value was required.
  const std::optional<std::string>& missing() const { return missing_; }

 private:
  static void Charge(bool within_budget) {
    if (!within_budget) throw BudgetExhausted{};
  }

  // Strips the section marker off *name; the section it numbers (nullptr for a name without one).
  const SectionText* TakeSection(std::string_view* name) const {
    if (name->empty() || (*name)[0] != kSectionMarker) return nullptr;
    const size_t end = name->find(kSectionMarker, 1);
    ATELIER_CHECK(end != std::string_view::npos);
    size_t index = 0;
    for (char c : name->substr(1, end - 1)) index = index * 10 + static_cast<size_t>(c - '0');
    ATELIER_CHECK(index < sections_.size());
    *name = name->substr(end + 1);
    return &sections_[index];
  }

  // A section renders its body once per item of a list, once for another truthy value; an
  // inverted one once when the value is falsy or an empty list (as SectionValue tells kainjow).
  // Charged before SectionValue builds a list's items.
  void ChargeSection(const SectionText& section, const Json& v) const {
    const uint64_t times = v.is_array() ? v.size() : IsFalsy(v) ? 0 : 1;
    if (section.inverted) {
      if (times == 0) Charge(budget_.AddBytes(section.literal_bytes));
      return;
    }
    Charge(budget_.AddWork(times));
    Charge(budget_.AddBytes(section.literal_bytes, times));
  }

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

  const std::vector<SectionText>& sections_;
  Budget& budget_;
  // kainjow asks through a const interface; what it is handed must live as long as the render.
  // A value asked for again (a tag inside a section, once per item) gets what it got before, so
  // the pool grows with the values a template names, not with the work it does.
  mutable std::deque<mustache::data> pool_;
  mutable std::unordered_map<const mustache::data*, const Json*> json_of_;
  mutable std::unordered_map<const Json*, const mustache::data*> text_of_, section_of_;
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

namespace {

// `sections`: whether the string has sections, which are then most likely the cause.
Status LimitError(const Budget& budget, const std::string& where, bool sections) {
  const std::string at = where.empty() ? "" : " at " + where;
  const std::string why = !sections ? ""
                                    : " (a section renders its body once per list item, so "
                                      "sections nested over long lists multiply)";
  if (budget.over == Budget::Over::kWork) {
    return InvalidArgument("render work limit exceeded" + at + ": more than " +
                           std::to_string(budget.limits.max_work) +
                           " tag lookups and section iterations" + why);
  }
  const uint64_t max = budget.limits.max_bytes;
  const std::string mib =
      max % (uint64_t{1} << 20) == 0 ? " (" + std::to_string(max >> 20) + " MiB)" : "";
  return InvalidArgument("render output limit exceeded" + at + ": more than " +
                         std::to_string(max) + " bytes" + mib + " of output" + why);
}

// Collects kainjow's output in one string (its render(ctx) goes through an ostringstream and
// copies the result once more).
struct StringSink {
  std::string* out;
  StringSink& operator<<(const std::string& piece) {
    out->append(piece);
    return *this;
  }
};

void AppendSectionMarker(std::string* out, size_t index) {
  *out += kSectionMarker;
  *out += std::to_string(index);
  *out += kSectionMarker;
}

// RenderString charging `budget`, which the other strings of one RenderValue share; `where`
// locates the string in that value, for the limit errors.
Result<Json> RenderIn(const std::string& s, const Json& scope, Budget& budget,
                      const std::string& where) {
  std::vector<SectionText> sections;
  const auto over = [&] { return Err(LimitError(budget, where, !sections.empty())); };
  if (s.find("{{") == std::string::npos) {
    if (!budget.AddBytes(s.size())) return over();
    return Json(s);
  }
  std::vector<Tag> tags;
  if (Status st = internal::ScanTags(s, &tags); !st.ok()) return Err(std::move(st));

  if (tags.size() == 1 && internal::IsVariable(tags[0].kind) && tags[0].begin == 0 &&
      tags[0].end == s.size()) {
    const Json* v = LookupPath(scope, internal::SplitName(tags[0].name));
    if (v == nullptr || tags[0].name.empty()) return Err(MissingReference(tags[0].name));
    // Counted as the text it would be as part of a string: a string as it is, others as JSON.
    const uint64_t left = budget.limits.max_bytes - std::min(budget.bytes, budget.limits.max_bytes);
    const uint64_t size =
        v->is_string() ? v->get_ref<const std::string&>().size() : JsonSizeUpTo(*v, left);
    if (!budget.AddWork(1) || !budget.AddBytes(size)) return over();
    return *v;
  }

  // Marks the tags (kVariableMarker, kSectionMarker) and measures the literal text of each
  // section's body and of the string outside any section.
  std::vector<size_t> open;
  uint64_t outside = 0;
  std::string marked;
  marked.reserve(s.size() + tags.size() * 4);
  size_t copied = 0, text_from = 0;
  for (const Tag& tag : tags) {
    (open.empty() ? outside : sections[open.back()].literal_bytes) += tag.begin - text_from;
    text_from = tag.end;
    const bool begins = tag.kind == TagKind::kSectionBegin || tag.kind == TagKind::kInvertedBegin;
    if (!internal::IsVariable(tag.kind) && !begins && tag.kind != TagKind::kSectionEnd) continue;
    marked.append(s, copied, tag.name_begin - copied);
    copied = tag.name_begin;
    if (internal::IsVariable(tag.kind)) {
      marked += kVariableMarker;
    } else if (begins) {
      open.push_back(sections.size());
      sections.push_back({tag.kind == TagKind::kInvertedBegin, 0});
      AppendSectionMarker(&marked, open.back());
    } else {
      AppendSectionMarker(&marked, open.back());  // ScanTags checked the sections balance
      open.pop_back();
    }
  }
  outside += s.size() - text_from;
  marked.append(s, copied, std::string::npos);

  mustache::mustache tmpl(marked);
  if (!tmpl.is_valid())
    return Err(InvalidArgument("cannot render template text: " + tmpl.error_message()));
  tmpl.set_custom_escape([](const std::string& text) { return text; });
  if (!budget.AddBytes(outside)) return over();
  ScopeContext ctx(scope, sections, budget);
  std::string out;
  StringSink sink{&out};
  try {
    tmpl.render(ctx, sink);
  } catch (const BudgetExhausted&) {
    return over();
  }
  if (!tmpl.is_valid())
    return Err(InvalidArgument("cannot render template text: " + tmpl.error_message()));
  if (ctx.missing()) return Err(MissingReference(*ctx.missing()));
  return Json(std::move(out));
}

Status RenderedTooDeep() {
  return InvalidArgument("the rendered value is nested deeper than " +
                         std::to_string(kMaxJsonDepth) + " levels");
}

// RenderValue with one budget for every string; `where` is the path to `value` (".a[2]"),
// `depth` the levels of containers around it (bounded, so the recursion is too).
Result<Json> RenderValueIn(const Json& value, const Json& scope, Budget& budget, std::string& where,
                           int depth) {
  if (value.is_string()) return RenderIn(value.get_ref<const std::string&>(), scope, budget, where);
  if (value.is_structured() && depth >= kMaxJsonDepth) return Err(RenderedTooDeep());
  const size_t at = where.size();
  if (value.is_array()) {
    Json out = Json::array();
    for (size_t i = 0; i < value.size(); ++i) {
      where += '[' + std::to_string(i) + ']';
      Result<Json> r = RenderValueIn(value[i], scope, budget, where, depth + 1);
      where.resize(at);
      if (!r) return r;
      out.push_back(std::move(*r));
    }
    return out;
  }
  if (value.is_object()) {
    Json out = Json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      where += '.' + it.key();
      Result<Json> r = RenderValueIn(*it, scope, budget, where, depth + 1);
      where.resize(at);
      if (!r) return r;
      out[it.key()] = std::move(*r);
    }
    return out;
  }
  return value;
}

}  // namespace

Result<Json> RenderString(const std::string& s, const Json& scope, const RenderLimits& limits) {
  Budget budget{limits};
  return RenderIn(s, scope, budget, "");
}

// A reference placed inside nested data adds the depth of what it names to where it stands: a
// chain of steps could otherwise build values deeper at every step. Checked once on the result.
Result<Json> RenderValue(const Json& value, const Json& scope, const RenderLimits& limits) {
  Budget budget{limits};
  std::string where;
  Result<Json> out = RenderValueIn(value, scope, budget, where, 0);
  if (out && JsonDeeperThan(*out, kMaxJsonDepth)) return Err(RenderedTooDeep());
  return out;
}

uint64_t JsonSizeUpTo(const Json& root, uint64_t cap) {
  uint64_t size = 0;
  // Counts v itself (brackets and commas for a list or an object); true when it has children.
  const auto count = [&size](const Json& v) {
    switch (v.type()) {
      case Json::value_t::string:
        size += v.get_ref<const std::string&>().size() + 2;
        return false;
      case Json::value_t::array:
      case Json::value_t::object:
        size += 2 + (v.empty() ? 0 : v.size() - 1);
        return !v.empty();
      case Json::value_t::boolean:
        size += v.get<bool>() ? 4 : 5;
        return false;
      case Json::value_t::null:
        size += 4;
        return false;
      case Json::value_t::number_integer:
      case Json::value_t::number_unsigned: {
        const bool negative = v.type() == Json::value_t::number_integer && v.get<int64_t>() < 0;
        uint64_t n = negative ? 0 - static_cast<uint64_t>(v.get<int64_t>()) : v.get<uint64_t>();
        size += negative ? 2 : 1;
        while (n >= 10) {
          n /= 10;
          ++size;
        }
        return false;
      }
      case Json::value_t::binary:
        size += v.get_binary().size();
        return false;
      default:  // floats: an estimate
        size += 8;
        return false;
    }
  };
  struct Frame {
    const Json* value;
    Json::const_iterator it;
  };
  std::vector<Frame> stack;
  if (count(root)) stack.push_back({&root, root.cbegin()});
  while (!stack.empty() && size <= cap) {
    Frame& top = stack.back();
    if (top.it == top.value->cend()) {
      stack.pop_back();
      continue;
    }
    const Json& child = *top.it;
    if (top.value->is_object()) size += top.it.key().size() + 3;
    ++top.it;
    if (count(child)) stack.push_back({&child, child.cbegin()});  // `top` is not used after this
  }
  return size;
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
