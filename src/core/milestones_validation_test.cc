#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "atelier/core/validation.h"

namespace atelier {
namespace {

Json WithMilestones(const Json& milestones) {
  Json doc = Json::parse(R"({
    "name": "Doc",
    "nodes": [
      {"id": "start", "type": "start"},
      {"id": "write", "type": "generate_text", "data": {"prompt": "write"}},
      {"id": "export", "type": "generate_text", "data": {"prompt": "{{steps.write.text}}"}}
    ],
    "edges": [
      {"id": "e0", "source": "start", "target": "write"},
      {"id": "e1", "source": "write", "target": "export"}
    ]
  })");
  doc["milestones"] = milestones;
  return doc;
}

std::vector<std::string> ErrorsOf(const Json& milestones) {
  std::vector<ValidationError> errors;
  auto t = ParseTemplate(WithMilestones(milestones), &errors);
  EXPECT_FALSE(t.has_value());
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.ToString());
  return out;
}

TEST(Milestones, ParseInOrderWithLabelsDefaultingToIds) {
  std::vector<ValidationError> errors;
  auto t = ParseTemplate(WithMilestones(Json::parse(R"([
    {"id": "written", "label": "Sections written", "when": ["write"]},
    {"id": "document_ready", "when": ["write", "export"]},
    {"id": "submitted", "label": "Submitted to client", "manual": true}
  ])")),
                         &errors);
  ASSERT_TRUE(t.has_value()) << (errors.empty() ? "" : errors[0].ToString());
  ASSERT_EQ(t->milestones.size(), 3u);
  EXPECT_EQ(t->milestones[0].id, "written");
  EXPECT_EQ(t->milestones[0].label, "Sections written");
  EXPECT_EQ(t->milestones[1].label, "document_ready");
  EXPECT_EQ(t->milestones[1].when, (std::vector<std::string>{"write", "export"}));
  EXPECT_FALSE(t->milestones[1].manual);
  EXPECT_TRUE(t->milestones[2].manual);
  EXPECT_TRUE(t->milestones[2].when.empty());

  // Round trip: TemplateToJson writes them back and they parse the same.
  auto again = ParseTemplate(TemplateToJson(*t), &errors);
  ASSERT_TRUE(again.has_value());
  ASSERT_EQ(again->milestones.size(), 3u);
  EXPECT_EQ(again->milestones[2].label, "Submitted to client");
  EXPECT_EQ(TemplateToJson(*again), TemplateToJson(*t));
}

TEST(Milestones, TemplatesWithoutMilestonesSerialiseWithoutTheKey) {
  Json doc = WithMilestones(Json::array());
  doc.erase("milestones");
  std::vector<ValidationError> errors;
  auto t = ParseTemplate(doc, &errors);
  ASSERT_TRUE(t.has_value());
  EXPECT_FALSE(TemplateToJson(*t).contains("milestones"));
}

TEST(Milestones, UnknownStepIsNamedByItsField) {
  EXPECT_EQ(ErrorsOf(Json::parse(R"([{"id": "a", "when": ["write"]},
                                     {"id": "b", "when": ["export"]},
                                     {"id": "c", "when": ["x"]}])")),
            (std::vector<std::string>{"milestones[2].when[0]: no step 'x'"}));
}

TEST(Milestones, EveryProblemIsReported) {
  auto errors = ErrorsOf(Json::parse(R"([
    {"id": "a", "when": ["write"]},
    {"id": "a", "when": ["export"]},
    {"id": "bad id!", "manual": true},
    {"id": "m", "manual": true, "when": ["write"]},
    {"id": "neither"},
    {"id": "empty", "when": []},
    {"id": "starts", "when": ["start"]},
    {"id": "twice", "when": ["write", "write"]},
    {"label": "no id", "manual": true},
    {"id": "k", "manual": true, "colour": "red"},
    {"id": "lbl", "label": 3, "manual": "yes"},
    "just a string"
  ])"));
  const std::vector<std::string> want = {
      "milestones[1].id: duplicate milestone id 'a'",
      "milestones[2].id: invalid milestone id 'bad id!': 1 to 64 letters, digits, '_' or '-'",
      "milestones[3].when: a manual milestone is marked by a person; it cannot also wait for "
      "steps ('when')",
      "milestones[4]: a milestone needs 'when' (the steps that reach it) or \"manual\": true",
      "milestones[5].when: when must be a non-empty list of step ids, got an empty list",
      "milestones[6].when[0]: 'start' is the start step; every execution starts with it",
      "milestones[7].when[1]: step 'write' is listed twice",
      "milestones[8].id: missing required key 'id' (a string of letters, digits, '_' and '-')",
      "milestones[9]: unknown key 'colour'; allowed keys: id, label, when, manual",
      "milestones[10].label: label must be a string, got number",
      "milestones[10].manual: manual must be true or false, got string",
      "milestones[11]: a milestone must be an object {id, label, when | manual}, got string",
  };
  EXPECT_EQ(errors, want);
}

TEST(Milestones, MustBeAList) {
  EXPECT_EQ(ErrorsOf(Json{{"id", "a"}}),
            (std::vector<std::string>{
                "template.milestones: milestones must be a list of milestones, got object"}));
}

}  // namespace
}  // namespace atelier
