// The template validator's entry points (ParseJsonText, ParseTemplate, ParseTemplateText), the
// message helpers shared by the validator's files, and the validator's top level: the document's
// keys, name, description and category, and the order in which inputs, nodes, edges, the graph
// and milestones are checked. validator.h lists where the other checks live.
#include "atelier/core/validation.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "atelier/core/json_limits.h"
#include "milestones_validation.h"
#include "validator.h"

namespace atelier {
namespace internal {

std::string Quoted(std::string_view s) {
  std::string out = "'";
  out += s;
  out += '\'';
  return out;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

// "a string ('abc')", "an integer (42)", "a list", "null": for "got ..." in messages.
std::string Describe(const Json& v) {
  constexpr size_t kMaxShown = 40;
  switch (v.type()) {
    case Json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      return "a string (" + Quoted(s.size() > kMaxShown ? s.substr(0, kMaxShown) + "..." : s) + ")";
    }
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "an integer (" + v.dump() + ")";
    case Json::value_t::number_float:
      return "a number (" + v.dump() + ")";
    case Json::value_t::boolean:
      return std::string("a boolean (") + (v.get<bool>() ? "true" : "false") + ")";
    case Json::value_t::array:
      return "a list";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::null:
      return "null";
    default:
      return "an unsupported value";
  }
}

const FieldSpec* FindField(const std::vector<FieldSpec>& fields, std::string_view name) {
  for (const FieldSpec& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

Result<Template> Validator::Run() {
  const size_t before = errors_->size();
  if (!doc_.is_object()) {
    Add("template", "a template must be a JSON object, got " + Describe(doc_));
    return Fail(before);
  }
  ParseTopLevel();
  if (errors_->size() > before) return Fail(before);
  return std::move(t_);
}

Result<Template> Validator::Fail(size_t before) {
  const size_t n = errors_->size() - before;
  return Err(
      InvalidArgument("template has " + std::to_string(n) + (n == 1 ? " error" : " errors")));
}

void Validator::ParseTopLevel() {
  static const std::vector<std::string> kKeys = {
      "name", "description", "category", "inputs", "nodes", "edges", "milestones", "version", "id"};
  for (const auto& [key, value] : doc_.items()) {
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      Add("template", "unknown key " + Quoted(key) +
                          "; allowed keys: name, description, category, inputs, nodes, edges, "
                          "milestones (and version, id as metadata)");
    }
  }
  auto it = doc_.find("name");
  if (it == doc_.end()) {
    Add("template.name", "missing required key 'name' (a non-empty string)");
  } else if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    Add("template.name", "name must be a non-empty string, got " + Describe(*it));
  } else {
    t_.name = it->get<std::string>();
  }
  ParseOptionalString("description", &t_.description);
  ParseOptionalString("category", &t_.category);

  it = doc_.find("inputs");
  if (it != doc_.end()) ParseInputs(*it);

  it = doc_.find("nodes");
  if (it == doc_.end()) {
    Add("template.nodes", "missing required key 'nodes' (a non-empty list of nodes)");
  } else if (!it->is_array()) {
    Add("template.nodes", "nodes must be a list of nodes, got " + Describe(*it));
  } else if (it->empty()) {
    Add("template.nodes", "a template needs at least one node (and exactly one of type 'start')");
  } else {
    ParseNodes(*it);
  }

  it = doc_.find("edges");
  if (it != doc_.end()) {
    if (!it->is_array()) {
      Add("template.edges", "edges must be a list of edges, got " + Describe(*it));
      edges_ok_ = false;
    } else if (!t_.nodes.empty()) {
      // Without nodes every endpoint would be reported unknown; the nodes error says enough.
      ParseEdges(*it);
    }
  }
  if (!t_.nodes.empty()) CheckGraph();
  it = doc_.find("milestones");
  if (it != doc_.end()) ParseMilestones(*it, &t_, errors_);
}

void Validator::ParseOptionalString(const char* key, std::string* out) {
  auto it = doc_.find(key);
  if (it == doc_.end()) return;
  if (!it->is_string()) {
    Add(std::string("template.") + key,
        std::string(key) + " must be a string, got " + Describe(*it));
    return;
  }
  *out = it->get<std::string>();
}

}  // namespace internal

namespace {

using internal::Validator;

std::string JsonErrorDetail(const std::string& what) {
  const size_t column = what.find("column ");
  if (column != std::string::npos) {
    const size_t colon = what.find(": ", column);
    if (colon != std::string::npos) return what.substr(colon + 2);
  }
  const size_t bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

}  // namespace

Result<Json> ParseJsonText(std::string_view text, int max_depth) {
  // Before the parser builds anything that could later be copied or dumped recursively.
  if (Status deep = CheckJsonTextDepth(text, max_depth); !deep.ok()) return Err(std::move(deep));
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    offset = std::min(offset, text.size());
    size_t line = 1, line_start = 0;
    for (size_t k = 0; k < offset; ++k) {
      if (text[k] == '\n') {
        ++line;
        line_start = k + 1;
      }
    }
    const size_t column = offset - line_start + 1;
    return Err(InvalidArgument("invalid JSON at line " + std::to_string(line) + ", column " +
                               std::to_string(column) + ": " + JsonErrorDetail(e.what())));
  } catch (const Json::exception& e) {
    return Err(InvalidArgument(std::string("invalid JSON: ") + JsonErrorDetail(e.what())));
  }
}

Result<Template> ParseTemplate(const Json& doc, std::vector<ValidationError>* errors) {
  std::vector<ValidationError> local;
  Validator v(doc, errors != nullptr ? errors : &local);
  return v.Run();
}

Result<Template> ParseTemplateText(std::string_view text, std::vector<ValidationError>* errors) {
  Result<Json> doc = ParseJsonText(text);
  if (!doc) {
    if (errors != nullptr) errors->push_back({"template", doc.error().message()});
    return Err(InvalidArgument("template is not valid JSON: " + doc.error().message()));
  }
  std::vector<ValidationError> local;
  Validator v(*doc, errors != nullptr ? errors : &local, &*doc);
  return v.Run();
}

}  // namespace atelier
