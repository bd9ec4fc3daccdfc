// docs/templates.md describes each node type from the same descriptors validation and the API
// use: every type has a "### TYPE" section under "## Node types" (and no other), its field table
// lists the type's fields in order, with "required" exactly for required fields, the field type,
// bounds and default of each; its output table (or its text) names every output. A descriptor
// change that the docs do not follow fails here, naming the type and field.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "atelier/core/node_types.h"

namespace atelier {
namespace {

struct Section {
  std::vector<std::vector<std::string>> fields;   // rows of the "| field |" table
  std::vector<std::vector<std::string>> outputs;  // rows of the "| output |" table
  std::string text;
};

std::vector<std::string> Cells(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  bool in_code = false;
  for (size_t i = 1; i < line.size(); ++i) {
    char c = line[i];
    if (c == '`') in_code = !in_code;
    if (c == '|' && !in_code && line[i - 1] != '\\') {
      size_t b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
      out.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
      cell.clear();
    } else {
      cell += c;
    }
  }
  return out;
}

// The pseudo-section of "## Fields common to every node".
const std::string kCommon = "(common)";

std::map<std::string, Section> NodeSections() {
  std::ifstream in(std::string(ATELIER_SOURCE_DIR) + "/docs/templates.md");
  std::map<std::string, Section> sections;
  std::string line, current;
  bool in_node_types = false;
  std::vector<std::vector<std::string>>* table = nullptr;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) {
      in_node_types = line == "## Node types" || line == "## Fields common to every node";
      current = line == "## Fields common to every node" ? kCommon : "";
      table = nullptr;
      continue;
    }
    if (!in_node_types) continue;
    if (line.rfind("### ", 0) == 0) {
      current = line.substr(4);
      sections[current];
      table = nullptr;
      continue;
    }
    if (current.empty()) continue;
    Section& s = sections[current];
    s.text += line + "\n";
    if (line.rfind("| field |", 0) == 0 && s.fields.empty()) {
      table = &s.fields;
    } else if (line.rfind("| output |", 0) == 0 && s.outputs.empty()) {
      table = &s.outputs;
    } else if (line.rfind("| ---", 0) == 0) {
    } else if (line.rfind("|", 0) == 0) {
      if (table) table->push_back(Cells(line));
    } else {
      table = nullptr;
    }
  }
  return sections;
}

std::string Unquoted(const std::string& cell) {
  if (cell.size() >= 2 && cell.front() == '`' && cell.back() == '`')
    return cell.substr(1, cell.size() - 2);
  return cell;
}

std::string NoSpaces(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
  return s;
}

std::string Number(double d) {
  std::ostringstream o;
  o << static_cast<long long>(d);
  return o.str();
}

TEST(NodeTypesDocs, EveryTypeHasASectionAndEverySectionAType) {
  auto sections = NodeSections();
  for (const NodeTypeSpec& t : BuiltinNodeTypes())
    EXPECT_TRUE(sections.count(t.name))
        << "docs/templates.md has no section '### " << t.name << "'";
  for (const auto& [name, s] : sections) {
    if (name == kCommon) continue;
    EXPECT_NE(FindNodeType(name), nullptr) << "docs/templates.md documents unknown type " << name;
  }
}

TEST(NodeTypesDocs, FieldTablesMatchTheDescriptors) {
  auto sections = NodeSections();
  for (const NodeTypeSpec& t : BuiltinNodeTypes()) {
    const Section& s = sections[t.name];
    std::vector<std::string> documented, declared;
    for (const auto& row : s.fields) documented.push_back(Unquoted(row.at(0)));
    for (const FieldSpec& f : t.fields) declared.push_back(f.name);
    ASSERT_EQ(documented, declared) << "field table of '### " << t.name << "'";
    for (size_t i = 0; i < t.fields.size(); ++i) {
      const FieldSpec& f = t.fields[i];
      const auto& row = s.fields[i];
      ASSERT_GE(row.size(), 4u) << t.name << "." << f.name;
      const std::string& type = row[1];
      const std::string& req = row[2];
      const std::string where = t.name + "." + f.name;
      EXPECT_EQ(req == "required", f.required) << where << ": required column '" << req << "'";
      switch (f.type) {
        case FieldType::kString:
        case FieldType::kInteger:
        case FieldType::kNumber:
        case FieldType::kBoolean:
        case FieldType::kList:
        case FieldType::kObject:
          EXPECT_EQ(type.rfind(FieldTypeId(f.type), 0), 0u)
              << where << ": type column '" << type << "'";
          break;
        default:
          break;
      }
      if (f.min && f.max) {
        EXPECT_NE(type.find(Number(*f.min) + ".." + Number(*f.max)), std::string::npos)
            << where << ": type column '" << type << "' lacks the bounds";
      }
      if (!f.required && !f.default_value.is_null()) {
        // As JSON (`"image"`, `["a", "b"]`), or a string bare (`512x512`); spaces aside.
        const std::string column = NoSpaces(req);
        const bool shown =
            column.find("`" + NoSpaces(f.default_value.dump()) + "`") != std::string::npos ||
            (f.default_value.is_string() && !f.default_value.get<std::string>().empty() &&
             column.find("`" + NoSpaces(f.default_value.get<std::string>()) + "`") !=
                 std::string::npos);
        EXPECT_TRUE(shown) << where << ": default column '" << req << "' lacks "
                           << f.default_value.dump();
      }
    }
  }
}

TEST(NodeTypesDocs, CommonFieldTableListsTheCommonFields) {
  auto sections = NodeSections();
  std::vector<std::string> documented, declared;
  for (const auto& row : sections[kCommon].fields) documented.push_back(Unquoted(row.at(0)));
  for (const FieldSpec& f : CommonFieldSpecs()) declared.push_back(f.name);
  EXPECT_EQ(documented, declared);
}

// The common table's timeout_ms default column, "`300000` for `a`, `b`; `60000` for `c`; none
// otherwise", read as type -> default: it must list exactly the types with a default, each with
// its own.
TEST(NodeTypesDocs, TimeoutDefaultsAreEachTypesOwn) {
  auto sections = NodeSections();
  std::string column;
  for (const auto& row : sections[kCommon].fields)
    if (row.size() >= 3 && Unquoted(row[0]) == "timeout_ms") column = row[2];
  ASSERT_FALSE(column.empty()) << "no timeout_ms row in the common field table";
  std::map<std::string, int64_t> documented, declared;
  std::stringstream clauses(column);
  for (std::string clause; std::getline(clauses, clause, ';');) {
    if (clause.find(" for ") == std::string::npos) continue;  // "none otherwise"
    std::vector<std::string> quoted;  // the clause's `...` spans: the default, then the types
    for (size_t open = clause.find('`'); open != std::string::npos;) {
      const size_t close = clause.find('`', open + 1);
      ASSERT_NE(close, std::string::npos) << "unbalanced ` in '" << clause << "'";
      quoted.push_back(clause.substr(open + 1, close - open - 1));
      open = clause.find('`', close + 1);
    }
    ASSERT_GE(quoted.size(), 2u) << "'" << clause << "' names no type";
    for (size_t i = 1; i < quoted.size(); ++i) documented[quoted[i]] = std::stoll(quoted[0]);
  }
  for (const NodeTypeSpec& t : BuiltinNodeTypes())
    if (t.default_timeout_ms != 0) declared[t.name] = t.default_timeout_ms;
  EXPECT_EQ(documented, declared) << "timeout_ms defaults in docs/templates.md: " << column;
}

TEST(NodeTypesDocs, OutputsAreDocumented) {
  auto sections = NodeSections();
  for (const NodeTypeSpec& t : BuiltinNodeTypes()) {
    const Section& s = sections[t.name];
    if (!s.outputs.empty()) {
      std::vector<std::string> documented;
      for (const auto& row : s.outputs) documented.push_back(Unquoted(row.at(0)));
      EXPECT_EQ(documented, t.outputs) << "output table of '### " << t.name << "'";
    } else {
      for (const std::string& o : t.outputs)
        EXPECT_NE(s.text.find("`" + o + "`"), std::string::npos)
            << "'### " << t.name << "' does not name output " << o;
    }
  }
}

}  // namespace
}  // namespace atelier
