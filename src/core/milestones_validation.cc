#include "milestones_validation.h"

#include <algorithm>
#include <string>
#include <unordered_set>

namespace atelier {
namespace {

constexpr size_t kMaxMilestoneIdLength = 64;

bool IsMilestoneId(const std::string& s) {
  if (s.empty() || s.size() > kMaxMilestoneIdLength) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

std::string Quoted(const std::string& s) { return "'" + s + "'"; }

}  // namespace

void ParseMilestones(const Json& value, Template* t, std::vector<ValidationError>* errors) {
  auto add = [&](std::string where, std::string message) {
    errors->push_back({std::move(where), std::move(message)});
  };
  if (!value.is_array()) {
    add("template.milestones",
        "milestones must be a list of milestones, got " + std::string(value.type_name()));
    return;
  }
  std::unordered_set<std::string> nodes;
  std::string start;
  for (const Node& n : t->nodes) {
    nodes.insert(n.id);
    if (n.type == "start") start = n.id;
  }
  std::unordered_set<std::string> ids;
  for (size_t i = 0; i < value.size(); ++i) {
    const Json& m = value[i];
    const std::string where = "milestones[" + std::to_string(i) + "]";
    if (!m.is_object()) {
      add(where, "a milestone must be an object {id, label, when | manual}, got " +
                     std::string(m.type_name()));
      continue;
    }
    Milestone out;
    bool ok = true;
    for (const auto& [key, v] : m.items()) {
      (void)v;
      if (key != "id" && key != "label" && key != "when" && key != "manual") {
        add(where, "unknown key " + Quoted(key) + "; allowed keys: id, label, when, manual");
        ok = false;
      }
    }
    auto id = m.find("id");
    if (id == m.end() || !id->is_string()) {
      add(where + ".id", "missing required key 'id' (a string of letters, digits, '_' and '-')");
      ok = false;
    } else if (!IsMilestoneId(id->get<std::string>())) {
      add(where + ".id", "invalid milestone id " + Quoted(id->get<std::string>()) +
                             ": 1 to 64 letters, digits, '_' or '-'");
      ok = false;
    } else {
      out.id = id->get<std::string>();
      if (!ids.insert(out.id).second) {
        add(where + ".id", "duplicate milestone id " + Quoted(out.id));
        ok = false;
      }
    }
    auto label = m.find("label");
    if (label != m.end() && !label->is_string()) {
      add(where + ".label", "label must be a string, got " + std::string(label->type_name()));
      ok = false;
    } else {
      out.label = label != m.end() ? label->get<std::string>() : std::string();
      if (out.label.empty()) out.label = out.id;
    }
    auto manual = m.find("manual");
    if (manual != m.end() && !manual->is_boolean()) {
      add(where + ".manual",
          "manual must be true or false, got " + std::string(manual->type_name()));
      continue;  // whether it needs `when` is unknown
    } else {
      out.manual = manual != m.end() && manual->get<bool>();
    }
    auto when = m.find("when");
    if (out.manual && when != m.end()) {
      add(where + ".when",
          "a manual milestone is marked by a person; it cannot also wait for steps ('when')");
      ok = false;
    } else if (!out.manual && when == m.end()) {
      add(where, "a milestone needs 'when' (the steps that reach it) or \"manual\": true");
      ok = false;
    } else if (when != m.end() && (!when->is_array() || when->empty())) {
      add(where + ".when",
          "when must be a non-empty list of step ids, got " +
              (when->is_array() ? std::string("an empty list") : std::string(when->type_name())));
      ok = false;
    } else if (when != m.end()) {
      for (size_t j = 0; j < when->size(); ++j) {
        const Json& s = (*when)[j];
        const std::string w = where + ".when[" + std::to_string(j) + "]";
        if (!s.is_string()) {
          add(w, "a step id must be a string, got " + std::string(s.type_name()));
          ok = false;
          continue;
        }
        const std::string step = s.get<std::string>();
        if (!nodes.count(step)) {
          add(w, "no step " + Quoted(step));
          ok = false;
        } else if (step == start) {
          add(w, Quoted(step) + " is the start step; every execution starts with it");
          ok = false;
        } else if (std::find(out.when.begin(), out.when.end(), step) != out.when.end()) {
          add(w, "step " + Quoted(step) + " is listed twice");
          ok = false;
        } else {
          out.when.push_back(step);
        }
      }
    }
    if (ok) t->milestones.push_back(std::move(out));
  }
}

}  // namespace atelier
