#include "atelier/core/validation.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace atelier {
namespace {

Json Instagram() {
  return Json::parse(R"({
    "name": "Instagram post", "description": "A caption and an image", "category": "social_media",
    "inputs": {
      "product": {"type": "string", "required": true, "description": "what to promote"},
      "tone": {"type": "string", "default": "friendly"}
    },
    "nodes": [
      {"id": "start", "type": "start"},
      {"id": "caption", "type": "generate_text", "position": {"x": 0, "y": 0},
       "data": {"prompt": "Write a {{inputs.tone}} caption for {{inputs.product}}"}},
      {"id": "image", "type": "generate_image",
       "data": {"prompt": "{{steps.caption.text}}", "size": "1024x1024"}}
    ],
    "edges": [
      {"id": "e0", "source": "start", "target": "caption"},
      {"id": "e1", "source": "caption", "target": "image", "sourceHandle": null}
    ]
  })");
}

std::vector<ValidationError> Errors(const Json& doc) {
  std::vector<ValidationError> errors;
  Result<Template> t = ParseTemplate(doc, &errors);
  EXPECT_FALSE(t.has_value()) << "expected the template to be rejected";
  if (!t) {
    EXPECT_EQ(t.error().code(), Code::kInvalidArgument);
    EXPECT_FALSE(errors.empty());
  }
  return errors;
}

std::string Dump(const std::vector<ValidationError>& errors) {
  std::string out;
  for (const auto& e : errors) out += "  " + e.ToString() + "\n";
  return out;
}

// True when some error is at exactly `where` and its message contains `text`.
bool Has(const std::vector<ValidationError>& errors, const std::string& where,
         const std::string& text) {
  for (const auto& e : errors)
    if (e.where == where && e.message.find(text) != std::string::npos) return true;
  return false;
}

#define EXPECT_ERROR(errors, where, text)                                  \
  EXPECT_TRUE(Has(errors, where, text))                                    \
      << "no error at " << where << " containing '" << text << "'; got:\n" \
      << Dump(errors)

Json WithSub(const Json& data) {
  Json doc = Instagram();
  doc["nodes"].push_back({{"id", "sub"}, {"type", "subworkflow"}, {"data", data}});
  doc["edges"].push_back({{"id", "e2"}, {"source", "image"}, {"target", "sub"}});
  return doc;
}

TEST(ParseTemplate, SubworkflowNeedsATemplateNameOrAnInlineDefinition) {
  EXPECT_ERROR(Errors(WithSub(Json::object())), "nodes[3] (id 'sub').data",
               "needs 'template'");
  Json both = {{"template", "x"}, {"definition", Instagram()}};
  EXPECT_ERROR(Errors(WithSub(both)), "nodes[3] (id 'sub').data", "not both");
  std::vector<ValidationError> errors;
  EXPECT_TRUE(ParseTemplate(WithSub({{"template", "Instagram post"},
                                     {"inputs", {{"product", "{{steps.caption.text}}"}}}}),
                            &errors)
                  .has_value())
      << Dump(errors);
}

TEST(ParseTemplate, InlineSubworkflowsAreValidatedWithTheirInputs) {
  Json inner = Instagram();
  inner["nodes"][1]["data"]["prompt"] = "Caption for {{inputs.missing}}";
  auto errors = Errors(WithSub({{"definition", inner},
                                {"inputs", {{"productt", "tea"}}}}));
  EXPECT_ERROR(errors, "nodes[3] (id 'sub').data.definition.nodes[1] (id 'caption').data.prompt",
               "missing");
  // The inner template's own references are not checked against the outer one.
  for (const auto& e : errors) EXPECT_EQ(e.where.find("nodes[3]"), 0u) << e.ToString();

  Json fine = Instagram();
  auto wrong_inputs = Errors(WithSub({{"definition", fine}, {"inputs", {{"productt", "tea"}}}}));
  EXPECT_ERROR(wrong_inputs, "nodes[3] (id 'sub').data.inputs.productt", "declares no input");
  EXPECT_ERROR(wrong_inputs, "nodes[3] (id 'sub').data.inputs", "missing input 'product'");

  std::vector<ValidationError> none;
  EXPECT_TRUE(ParseTemplate(WithSub({{"definition", fine},
                                     {"inputs", {{"product", "{{steps.caption.text}}"}}}}),
                            &none)
                  .has_value())
      << Dump(none);
}

TEST(ParseTemplate, InlineSubworkflowsMayNotNestWithoutEnd) {
  Json doc = Instagram();
  for (int i = 0; i < 10; ++i) {
    Json outer = Instagram();
    outer["nodes"].push_back(
        {{"id", "sub"}, {"type", "subworkflow"},
         {"data", {{"definition", doc}, {"inputs", {{"product", "x"}}}}}});
    outer["edges"].push_back({{"id", "e2"}, {"source", "image"}, {"target", "sub"}});
    doc = outer;
  }
  auto errors = Errors(doc);
  bool deep = false;
  for (const auto& e : errors) deep |= e.message.find("nest deeper than 8") != std::string::npos;
  EXPECT_TRUE(deep) << Dump(errors);
}

TEST(ParseTemplate, ValidTemplateParses) {
  std::vector<ValidationError> errors;
  Result<Template> t = ParseTemplate(Instagram(), &errors);
  ASSERT_TRUE(t.has_value()) << Dump(errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(t->name, "Instagram post");
  EXPECT_EQ(t->category, "social_media");
  ASSERT_EQ(t->inputs.size(), 2u);
  EXPECT_EQ(t->inputs[0].name, "product");
  EXPECT_TRUE(t->inputs[0].required);
  EXPECT_EQ(t->inputs[1].name, "tone");
  EXPECT_EQ(*t->inputs[1].default_value, "friendly");
  ASSERT_EQ(t->nodes.size(), 3u);
  EXPECT_EQ(t->nodes[1].type, "generate_text");
  EXPECT_EQ(t->nodes[1].x, 0.0);
  EXPECT_FALSE(t->nodes[0].x.has_value());
  EXPECT_TRUE(t->nodes[0].data.is_object());
  // Data is kept as written: no defaults filled in.
  EXPECT_FALSE(t->nodes[1].data.contains("model"));
  ASSERT_EQ(t->edges.size(), 2u);
  EXPECT_EQ(t->edges[1].source_handle, "");
}

TEST(ParseTemplate, AcceptsReactFlowExtrasAndMetadata) {
  Json doc = Instagram();
  doc["version"] = 3;
  doc["id"] = "tpl_1";
  doc["nodes"][1]["width"] = 200;
  doc["nodes"][1]["selected"] = true;
  doc["nodes"][1]["positionAbsolute"] = {{"x", 1}, {"y", 2}};
  doc["nodes"][1]["measured"] = {{"width", 1}, {"height", 2}};
  doc["edges"][0]["animated"] = true;
  doc["edges"][0]["targetHandle"] = nullptr;
  doc["edges"][0]["markerEnd"] = {{"type", "arrow"}};
  std::vector<ValidationError> errors;
  EXPECT_TRUE(ParseTemplate(doc, &errors).has_value()) << Dump(errors);
}

TEST(ParseTemplate, RejectsNonObjectDocument) {
  auto errors = Errors(Json::array());
  EXPECT_ERROR(errors, "template", "must be a JSON object");
}

TEST(ParseTemplate, ReportsMissingNameAndUnknownTopLevelKey) {
  Json doc = Instagram();
  doc.erase("name");
  doc["settings"] = Json::object();
  auto errors = Errors(doc);
  EXPECT_ERROR(errors, "template.name", "missing required key 'name'");
  EXPECT_ERROR(errors, "template", "unknown key 'settings'");
}

TEST(ParseTemplate, RejectsEmptyName) {
  Json doc = Instagram();
  doc["name"] = "";
  EXPECT_ERROR(Errors(doc), "template.name", "non-empty string");
}

TEST(ParseTemplate, RejectsMissingOrEmptyNodes) {
  Json doc = Instagram();
  doc["nodes"] = Json::array();
  doc["edges"] = Json::array();
  EXPECT_ERROR(Errors(doc), "template.nodes", "at least one node");
  doc.erase("nodes");
  EXPECT_ERROR(Errors(doc), "template.nodes", "missing required key 'nodes'");
}

TEST(ParseTemplate, ChecksInputSpecs) {
  Json doc = Instagram();
  doc["inputs"]["count"] = {{"type", "integer"}, {"default", "three"}};
  doc["inputs"]["bad name"] = {{"type", "string"}};
  doc["inputs"]["kind"] = {{"type", "text"}};
  doc["inputs"]["extra"] = {{"type", "string"}, {"label", "x"}};
  doc["inputs"]["ratio"] = {{"type", "number"}, {"default", 2}};  // integer is a number
  auto errors = Errors(doc);
  EXPECT_ERROR(errors, "inputs.count", "default must be an integer");
  EXPECT_ERROR(errors, "inputs.bad name", "invalid input name");
  EXPECT_ERROR(errors, "inputs.kind", "type must be one of string, integer");
  EXPECT_ERROR(errors, "inputs.extra", "unknown key 'label'");
  for (const auto& e : errors) EXPECT_NE(e.where, "inputs.ratio") << e.ToString();
}

TEST(ParseTemplate, ChecksNodeIds) {
  Json doc = Instagram();
  doc["nodes"].push_back(
      {{"id", "caption"}, {"type", "generate_text"}, {"data", {{"prompt", "x"}}}});
  doc["nodes"].push_back({{"id", "no spaces"}, {"type", "end"}});
  doc["nodes"].push_back({{"type", "end"}});
  auto errors = Errors(doc);
  EXPECT_ERROR(errors, "nodes[3] (id 'caption')", "duplicate node id 'caption'");
  EXPECT_ERROR(errors, "nodes[4] (id 'no spaces')", "invalid id");
  EXPECT_ERROR(errors, "nodes[5]", "missing required key 'id'");
}

TEST(ParseTemplate, ReportsUnknownNodeTypeAndKeys) {
  Json doc = Instagram();
  doc["nodes"][2]["type"] = "generate_video";
  doc["nodes"][1]["color"] = "red";
  auto errors = Errors(doc);
  EXPECT_ERROR(errors, "nodes[2] (id 'image')", "unknown node type 'generate_video'");
  EXPECT_ERROR(errors, "nodes[2] (id 'image')", "generate_image");  // lists known types
  EXPECT_ERROR(errors, "nodes[1] (id 'caption')", "unknown key 'color'");
}

TEST(ParseTemplate, ChecksPosition) {
  Json doc = Instagram();
  doc["nodes"][1]["position"] = {{"x", "left"}, {"y", 0}};
  EXPECT_ERROR(Errors(doc), "nodes[1] (id 'caption').position", "position.x must be a number");
}

TEST(ParseTemplate, ReportsMissingRequiredField) {
  Json doc = Instagram();
  doc["nodes"][1]["data"].erase("prompt");
  EXPECT_ERROR(Errors(doc), "nodes[1] (id 'caption').data.prompt",
               "missing required field 'prompt'");
}

TEST(ParseTemplate, ReportsWrongFieldTypes) {
  Json doc = Instagram();
  doc["nodes"][1]["data"]["temperature"] = "hot";
  doc["nodes"][1]["data"]["max_tokens"] = 10.5;
  doc["nodes"][1]["data"]["cache"] = "yes";
  doc["nodes"][1]["data"]["system"] = 3;
  auto errors = Errors(doc);
  EXPECT_ERROR(errors, "nodes[1] (id 'caption').data.temperature", "must be a number");
  EXPECT_ERROR(errors, "nodes[1] (id 'caption').data.max_tokens", "must be an integer");
  EXPECT_ERROR(errors, "nodes[1] (id 'caption').data.cache", "must be true or false");
  EXPECT_ERROR(errors, "nodes[1] (id 'caption').data.system", "must be a string");
}

TEST(ParseTemplate, AllowsSingleReferenceForNumericFields) {
  Json doc = Instagram();
  doc["inputs"]["count"] = {{"type", "integer"}, {"default", 2}};
  doc["nodes"][2]["data"]["count"] = "{{inputs.count}}";
  std::vector<ValidationError> errors;
  EXPECT_TRUE(ParseTemplate(doc, &errors).has_value()) << Dump(errors);

  doc["nodes"][2]["data"]["count"] = "{{inputs.count}} images";
  EXPECT_ERROR(Errors(doc), "nodes[2] (id 'image').data.count", "single reference");
}

TEST(ParseTemplate, CommonFieldsMustBeLiteral) {
  Json doc = Instagram();
  doc["inputs"]["t"] = {{"type", "integer"}, {"default", 1000}};
  doc["nodes"][1]["data"]["timeout_ms"] = "{{inputs.t}}";
  EXPECT_ERROR(Errors(doc), "nodes[1] (id 'caption').data.timeout_ms", "must be an integer");
}

TEST(ParseTemplate, ChecksBoundsAndAllowedValues) {
  Json doc = Instagram();
  doc["nodes"][2]["data"]["count"] = 12;
  doc["nodes"][1]["data"]["temperature"] = -1;
  doc["nodes"][1]["data"]["timeout_ms"] = 0;
  auto errors = Errors(doc);
  EXPECT_ERROR(errors, "nodes[2] (id 'image').data.count", "must be between 1 and 8, got 12");
  EXPECT_ERROR(errors, "nodes[1] (id 'caption').data.temperature", "between 0 and 2");
  EXPECT_ERROR(errors, "nodes[1] (id 'caption').data.timeout_ms", "between 1 and 86400000");
}

TEST(ParseTemplate, ReportsUnknownDataFieldListingAllowedOnes) {
  Json doc = Instagram();
  doc["nodes"][1]["data"]["promt"] = "typo";
  EXPECT_ERROR(
      Errors(doc), "nodes[1] (id 'caption').data.promt",
      "unknown field 'promt' for node type 'generate_text'; allowed fields: prompt, system");
}

TEST(ParseTemplate, ChecksImageSize) {
  Json doc = Instagram();
  doc["nodes"][2]["data"]["size"] = "4096x10";
  EXPECT_ERROR(Errors(doc), "nodes[2] (id 'image').data.size", "WIDTHxHEIGHT");
  doc["nodes"][2]["data"]["size"] = "big";
  EXPECT_ERROR(Errors(doc), "nodes[2] (id 'image').data.size", "'big'");
  doc["inputs"]["size"] = {{"type", "string"}, {"default", "512x512"}};
  doc["nodes"][2]["data"]["size"] = "{{inputs.size}}";
  std::vector<ValidationError> errors;
  EXPECT_TRUE(ParseTemplate(doc, &errors).has_value()) << Dump(errors);
}

TEST(ParseTemplate, ChecksRetry) {
  Json doc = Instagram();
  doc["nodes"][1]["data"]["retry"] = {{"max_attempts", 0}, {"backoff_ms", 100}, {"jitter", true}};
  auto errors = Errors(doc);
  EXPECT_ERROR(errors, "nodes[1] (id 'caption').data.retry.max_attempts", "between 1 and 100");
  EXPECT_ERROR(errors, "nodes[1] (id 'caption').data.retry.jitter", "unknown field 'jitter'");
  doc["nodes"][1]["data"]["retry"] = {{"max_attempts", 3}};
  EXPECT_ERROR(Errors(doc), "nodes[1] (id 'caption').data.retry.backoff_ms",
               "missing required field 'backoff_ms'");
  doc["nodes"][1]["data"]["retry"] = {{"max_attempts", "{{inputs.tone}}"}, {"backoff_ms", 5}};
  EXPECT_ERROR(Errors(doc), "nodes[1] (id 'caption').data.retry.max_attempts",
               "must be an integer");
  doc["nodes"][1]["data"]["retry"] = {{"max_attempts", 3}, {"backoff_ms", 500}};
  std::vector<ValidationError> ok;
  EXPECT_TRUE(ParseTemplate(doc, &ok).has_value()) << Dump(ok);
}

Json ConditionTemplate() {
  return Json::parse(R"({
    "name": "branch",
    "inputs": {"score": {"type": "number", "default": 0.5}},
    "nodes": [
      {"id": "start", "type": "start"},
      {"id": "check", "type": "condition",
       "data": {"value": "{{inputs.score}}", "operator": "gt", "operand": 0.3}},
      {"id": "yes", "type": "generate_text", "data": {"prompt": "good: {{steps.check.value}}"}},
      {"id": "no", "type": "generate_text", "data": {"prompt": "bad"}}
    ],
    "edges": [
      {"id": "e0", "source": "start", "target": "check"},
      {"id": "e1", "source": "check", "target": "yes", "sourceHandle": "true"},
      {"id": "e2", "source": "check", "target": "no", "sourceHandle": "false"}
    ]
  })");
}

TEST(ParseTemplate, ConditionWithHandlesIsValid) {
  std::vector<ValidationError> errors;
  EXPECT_TRUE(ParseTemplate(ConditionTemplate(), &errors).has_value()) << Dump(errors);
}

TEST(ParseTemplate, ConditionEdgesNeedAKnownHandle) {
  Json doc = ConditionTemplate();
  doc["edges"][1].erase("sourceHandle");
  doc["edges"][2]["sourceHandle"] = "maybe";
  auto errors = Errors(doc);
  EXPECT_ERROR(errors, "edges[1] (id 'e1')", "must set sourceHandle to one of: true, false");
  EXPECT_ERROR(errors, "edges[2] (id 'e2')", "sourceHandle 'maybe' is not valid");
}

TEST(ParseTemplate, HandleOnSingleOutputNodeIsAnError) {
  Json doc = Instagram();
  doc["edges"][1]["sourceHandle"] = "true";
  EXPECT_ERROR(Errors(doc), "edges[1] (id 'e1')", "sourceHandle 'true' is not allowed");
}

TEST(ParseTemplate, ConditionOperandRequiredExceptForUnaryOperators) {
  Json doc = ConditionTemplate();
  doc["nodes"][1]["data"].erase("operand");
  EXPECT_ERROR(Errors(doc), "nodes[1] (id 'check').data.operand", "operator 'gt'");
  doc["nodes"][1]["data"]["operator"] = "truthy";
  std::vector<ValidationError> errors;
  EXPECT_TRUE(ParseTemplate(doc, &errors).has_value()) << Dump(errors);
  doc["nodes"][1]["data"]["operator"] = "bigger";
  EXPECT_ERROR(Errors(doc), "nodes[1] (id 'check').data.operator",
               "'bigger' is not an allowed value");
}

TEST(ParseTemplate, ChecksEdges) {
  Json doc = Instagram();
  doc["edges"].push_back({{"id", "e0"}, {"source", "caption"}, {"target", "ghost"}});
  doc["edges"].push_back({{"id", "e3"}, {"source", "caption"}, {"target", "image"}});
  doc["edges"].push_back({{"id", "e4"}, {"source", "image"}, {"target", "start"}});
  doc["edges"].push_back({{"source", "start"}, {"target", "image"}, {"weight", 2}});
  auto errors = Errors(doc);
  EXPECT_ERROR(errors, "edges[2] (id 'e0')", "duplicate edge id 'e0'");
  EXPECT_ERROR(errors, "edges[2] (id 'e0')", "target 'ghost' is not the id of any node");
  EXPECT_ERROR(errors, "edges[3] (id 'e3')", "duplicate edge: edges[1] (id 'e1') already connects");
  EXPECT_ERROR(errors, "edges[4] (id 'e4')", "may not lead into the start node");
  EXPECT_ERROR(errors, "edges[5]", "missing required key 'id'");
  EXPECT_ERROR(errors, "edges[5]", "unknown key 'weight'");
}

TEST(ParseTemplate, RequiresExactlyOneStart) {
  Json doc = Instagram();
  doc["nodes"][0]["type"] = "end";
  EXPECT_ERROR(Errors(doc), "template", "no node of type 'start'");

  doc = Instagram();
  doc["nodes"].push_back({{"id", "start2"}, {"type", "start"}});
  doc["edges"].push_back({{"id", "e2"}, {"source", "start2"}, {"target", "image"}});
  EXPECT_ERROR(Errors(doc), "nodes[3] (id 'start2')", "exactly one node of type 'start'");
}

Json Chain(const std::vector<std::string>& ids) {
  Json doc = {{"name", "chain"}, {"nodes", Json::array()}, {"edges", Json::array()}};
  doc["nodes"].push_back({{"id", "start"}, {"type", "start"}});
  for (const auto& id : ids)
    doc["nodes"].push_back({{"id", id}, {"type", "transform"}, {"data", {{"output", {{"v", 1}}}}}});
  return doc;
}

void Connect(Json& doc, const std::string& from, const std::string& to) {
  doc["edges"].push_back({{"id", from + "_" + to}, {"source", from}, {"target", to}});
}

TEST(ParseTemplate, NamesTheNodesOfACycleInOrder) {
  Json doc = Chain({"a", "b", "c"});
  Connect(doc, "start", "a");
  Connect(doc, "a", "b");
  Connect(doc, "b", "c");
  Connect(doc, "c", "a");
  auto errors = Errors(doc);
  EXPECT_ERROR(errors, "template", "cycle a -> b -> c -> a");
}

TEST(ParseTemplate, SelfLoopIsACycle) {
  Json doc = Chain({"a"});
  Connect(doc, "start", "a");
  Connect(doc, "a", "a");
  EXPECT_ERROR(Errors(doc), "template", "cycle a -> a");
}

TEST(ParseTemplate, ReportsEachCycleSeparately) {
  Json doc = Chain({"a", "b", "c", "d"});
  Connect(doc, "start", "a");
  Connect(doc, "a", "b");
  Connect(doc, "b", "a");
  Connect(doc, "a", "c");
  Connect(doc, "c", "d");
  Connect(doc, "d", "c");
  auto errors = Errors(doc);
  EXPECT_ERROR(errors, "template", "cycle a -> b -> a");
  EXPECT_ERROR(errors, "template", "cycle c -> d -> c");
}

TEST(ParseTemplate, ReportsEachUnreachableNode) {
  Json doc = Chain({"a", "x", "y"});
  Connect(doc, "start", "a");
  Connect(doc, "x", "y");
  auto errors = Errors(doc);
  EXPECT_ERROR(errors, "nodes[2] (id 'x')", "not reachable from start");
  EXPECT_ERROR(errors, "nodes[3] (id 'y')", "not reachable from start");
  EXPECT_FALSE(Has(errors, "nodes[1] (id 'a')", "not reachable"));
}

TEST(ParseTemplate, ReferenceToUndeclaredInput) {
  Json doc = Instagram();
  doc["nodes"][1]["data"]["system"] = "You write for {{inputs.brand}}.";
  EXPECT_ERROR(Errors(doc), "nodes[1] (id 'caption').data.system",
               "reference {{inputs.brand}} names an undeclared input 'brand'; declared inputs: "
               "product, tone");
}

TEST(ParseTemplate, ReferenceToStepThatIsNotUpstream) {
  Json doc = Instagram();
  doc["nodes"][1]["data"]["prompt"] = "Improve {{steps.image.image}}";
  auto errors = Errors(doc);
  EXPECT_ERROR(errors, "nodes[1] (id 'caption').data.prompt",
               "reference {{steps.image.image}}: step 'image' is not upstream of 'caption'");
}

TEST(ParseTemplate, ReferenceToSiblingBranchIsNotUpstream) {
  Json doc = Chain({"a", "b", "c"});
  Connect(doc, "start", "a");
  Connect(doc, "start", "b");
  Connect(doc, "a", "c");
  doc["nodes"][3]["data"]["output"]["x"] = "{{steps.a.v}} {{steps.b.v}}";
  auto errors = Errors(doc);
  ASSERT_EQ(errors.size(), 1u) << Dump(errors);
  EXPECT_ERROR(errors, "nodes[3] (id 'c').data.output.x", "step 'b' is not upstream of 'c'");
}

TEST(ParseTemplate, DistantAncestorIsUpstream) {
  Json doc = Chain({"a", "b", "c", "d"});
  Connect(doc, "start", "a");
  Connect(doc, "a", "b");
  Connect(doc, "b", "c");
  Connect(doc, "c", "d");
  doc["nodes"][4]["data"]["output"]["x"] = "{{steps.a.v}}{{steps.b.v}}{{steps.c.v}}";
  std::vector<ValidationError> errors;
  EXPECT_TRUE(ParseTemplate(doc, &errors).has_value()) << Dump(errors);
}

TEST(ParseTemplate, NodeCannotReferenceItself) {
  Json doc = Instagram();
  doc["nodes"][2]["data"]["prompt"] = "{{steps.image.image}}";
  EXPECT_ERROR(Errors(doc), "nodes[2] (id 'image').data.prompt", "cannot use its own output");
}

TEST(ParseTemplate, ReferenceToOutputTheStepLacks) {
  Json doc = Instagram();
  doc["nodes"][2]["data"]["prompt"] = "{{steps.caption.caption}}";
  EXPECT_ERROR(Errors(doc), "nodes[2] (id 'image').data.prompt",
               "node 'caption' (type 'generate_text') has no output 'caption'; its outputs are: "
               "text, json, model, provider, artifact_id");
}

TEST(ParseTemplate, DynamicOutputsComeFromDataOutputAndInputs) {
  Json doc = Chain({"a", "b"});
  doc["inputs"] = {{"topic", {{"type", "string"}, {"default", "cats"}}}};
  Connect(doc, "start", "a");
  Connect(doc, "a", "b");
  doc["nodes"][1]["data"]["output"] = {{"title", "{{steps.start.topic}}"}};
  doc["nodes"][2]["data"]["output"] = {{"x", "{{steps.a.title}}"}};
  std::vector<ValidationError> errors;
  EXPECT_TRUE(ParseTemplate(doc, &errors).has_value()) << Dump(errors);

  doc["nodes"][2]["data"]["output"] = {{"x", "{{steps.a.body}}"}};
  EXPECT_ERROR(Errors(doc), "nodes[2] (id 'b').data.output.x", "its outputs are: title");
}

TEST(ParseTemplate, UnknownReferenceFormsAreErrors) {
  Json doc = Instagram();
  doc["nodes"][2]["data"]["prompt"] = "{{foo}} {{steps.caption}} {{steps.ghost.text}} {{inputs}}";
  auto errors = Errors(doc);
  const std::string where = "nodes[2] (id 'image').data.prompt";
  EXPECT_ERROR(errors, where, "reference {{foo}} is not a known reference");
  EXPECT_ERROR(errors, where, "reference {{steps.caption}} must name an output of step 'caption'");
  EXPECT_ERROR(errors, where, "unknown node 'ghost'");
  EXPECT_ERROR(errors, where, "reference {{inputs}} must name an input");
}

TEST(ParseTemplate, UnterminatedTagIsAnError) {
  Json doc = Instagram();
  doc["nodes"][1]["data"]["prompt"] = "Write about {{inputs.product";
  EXPECT_ERROR(Errors(doc), "nodes[1] (id 'caption').data.prompt", "unterminated tag");
}

TEST(ParseTemplate, SectionsNestedTooDeepAreAnError) {
  Json doc = Instagram();
  std::string prompt;
  for (int i = 0; i < 21; ++i) prompt += "{{#inputs.product}}";
  prompt += "x";
  for (int i = 0; i < 21; ++i) prompt += "{{/inputs.product}}";
  doc["nodes"][1]["data"]["prompt"] = prompt;
  EXPECT_ERROR(Errors(doc), "nodes[1] (id 'caption').data.prompt",
               "sections nested deeper than 20 levels");
}

TEST(ParseTemplate, ChecksReferencesWithCustomDelimiters) {
  Json doc = Instagram();
  doc["nodes"][1]["data"]["prompt"] =
      "{{=<% %>=}}<% inputs.product %> <% inputs.colour %> {{not a tag}}";
  auto errors = Errors(doc);
  ASSERT_EQ(errors.size(), 1u) << Dump(errors);
  EXPECT_ERROR(errors, "nodes[1] (id 'caption').data.prompt", "undeclared input 'colour'");
}

TEST(ParseTemplate, SectionsAllowRelativeNames) {
  Json doc = Chain({"a", "b"});
  Connect(doc, "start", "a");
  Connect(doc, "a", "b");
  doc["nodes"][1]["data"]["output"] = {{"list", Json::array()}};
  doc["nodes"][2]["data"]["output"] = {
      {"x",
       "{{#steps.a.list}}- {{name}} "
       "({{.}}){{/steps.a.list}}{{^steps.a.list}}none{{/steps.a.list}}"}};
  std::vector<ValidationError> errors;
  EXPECT_TRUE(ParseTemplate(doc, &errors).has_value()) << Dump(errors);

  doc["nodes"][2]["data"]["output"] = {{"x", "{{#steps.a.list}}{{steps.a.nope}}{{/steps.a.list}}"}};
  EXPECT_ERROR(Errors(doc), "nodes[2] (id 'b').data.output.x", "has no output 'nope'");
  doc["nodes"][2]["data"]["output"] = {{"x", "{{#steps.a.list}}open"}};
  EXPECT_ERROR(Errors(doc), "nodes[2] (id 'b').data.output.x", "never closed");
}

Json MapTemplate() {
  return Json::parse(R"({
    "name": "map",
    "inputs": {"topics": {"type": "list", "default": ["a", "b"]}},
    "nodes": [
      {"id": "start", "type": "start"},
      {"id": "images", "type": "map", "data": {
        "items": "{{inputs.topics}}", "concurrency": 2,
        "node": {"type": "generate_image", "data": {"prompt": "#{{index}}: {{item}} {{item.name}}"}}}}
    ],
    "edges": [{"id": "e0", "source": "start", "target": "images"}]
  })");
}

TEST(ParseTemplate, MapItemReferencesAllowedInsidePerItemNode) {
  std::vector<ValidationError> errors;
  EXPECT_TRUE(ParseTemplate(MapTemplate(), &errors).has_value()) << Dump(errors);
}

TEST(ParseTemplate, MapItemReferencesRejectedElsewhere) {
  Json doc = MapTemplate();
  doc["nodes"][1]["data"]["items"] = "{{item}}";
  doc["nodes"].push_back(
      {{"id", "after"}, {"type", "generate_text"}, {"data", {{"prompt", "{{index}}"}}}});
  Connect(doc, "images", "after");
  auto errors = Errors(doc);
  EXPECT_ERROR(errors, "nodes[1] (id 'images').data.items", "item is only available inside a map");
  EXPECT_ERROR(errors, "nodes[2] (id 'after').data.prompt", "index is only available inside a map");
}

TEST(ParseTemplate, MapPerItemNodeIsValidatedRecursively) {
  Json doc = MapTemplate();
  doc["nodes"][1]["data"]["node"]["data"].erase("prompt");
  doc["nodes"][1]["data"]["node"]["data"]["count"] = 99;
  auto errors = Errors(doc);
  EXPECT_ERROR(errors, "nodes[1] (id 'images').data.node.data.prompt",
               "missing required field 'prompt'");
  EXPECT_ERROR(errors, "nodes[1] (id 'images').data.node.data.count", "between 1 and 8");

  doc = MapTemplate();
  doc["nodes"][1]["data"]["node"]["type"] = "approval";
  EXPECT_ERROR(Errors(doc), "nodes[1] (id 'images').data.node.type", "cannot run per item");
}

TEST(ParseTemplate, ReportsAllErrorsAtOnce) {
  Json doc = Instagram();
  doc.erase("name");
  doc["nodes"][1]["data"]["temperature"] = 5;
  doc["nodes"][2]["data"]["prompt"] = "{{inputs.nope}}";
  doc["edges"][1]["target"] = "nowhere";
  std::vector<ValidationError> errors;
  Result<Template> t = ParseTemplate(doc, &errors);
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().message(), "template has 4 errors") << Dump(errors);
  EXPECT_ERROR(errors, "template.name", "missing");
  EXPECT_ERROR(errors, "nodes[1] (id 'caption').data.temperature", "between 0 and 2");
  EXPECT_ERROR(errors, "nodes[2] (id 'image').data.prompt", "undeclared input 'nope'");
  EXPECT_ERROR(errors, "edges[1] (id 'e1')", "target 'nowhere'");
}

TEST(ParseTemplate, BrokenEdgesSkipReachabilityInsteadOfCascading) {
  Json doc = Instagram();
  doc["edges"][0]["source"] = "strat";
  auto errors = Errors(doc);
  ASSERT_EQ(errors.size(), 1u) << Dump(errors);
  EXPECT_ERROR(errors, "edges[0] (id 'e0')", "source 'strat' is not the id of any node");
}

TEST(ParseTemplateText, JsonSyntaxErrorNamesLineAndColumn) {
  std::vector<ValidationError> errors;
  Result<Template> t = ParseTemplateText("{\n  \"name\": \"x\",\n  \"nodes\": [}\n", &errors);
  ASSERT_FALSE(t.has_value());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].where, "template");
  EXPECT_NE(errors[0].message.find("line 3, column 13"), std::string::npos) << errors[0].message;
}

TEST(ParseTemplateText, ParsesValidText) {
  std::vector<ValidationError> errors;
  Result<Template> t = ParseTemplateText(Instagram().dump(), &errors);
  ASSERT_TRUE(t.has_value()) << Dump(errors);
  EXPECT_EQ(t->nodes.size(), 3u);
}

TEST(ParseJsonText, ReportsPositionOfSyntaxError) {
  Result<Json> r = ParseJsonText("[1, 2,, 3]");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  EXPECT_NE(r.error().message().find("line 1, column 7"), std::string::npos) << r.error().message();
  EXPECT_TRUE(ParseJsonText("{\"a\": [1, 2.5]}").has_value());
}

// A chain start -> n1 -> ... -> nN where each node references its parent's output.
Json LongChain(int n) {
  Json doc = {{"name", "long"}, {"inputs", {{"topic", {{"type", "string"}, {"default", "x"}}}}}};
  Json nodes = Json::array();
  Json edges = Json::array();
  nodes.push_back({{"id", "start"}, {"type", "start"}});
  std::string prev = "start";
  for (int i = 1; i <= n; ++i) {
    std::string id = "n" + std::to_string(i);
    std::string ref = i == 1 ? "{{steps.start.topic}}" : "{{steps." + prev + ".v}}";
    nodes.push_back(
        {{"id", id}, {"type", "transform"}, {"data", {{"output", {{"v", ref + "!"}}}}}});
    edges.push_back({{"id", "e" + std::to_string(i)}, {"source", prev}, {"target", id}});
    prev = id;
  }
  doc["nodes"] = std::move(nodes);
  doc["edges"] = std::move(edges);
  return doc;
}

TEST(ParseTemplate, ValidatesAHundredThousandNodeChain) {
  Json doc = LongChain(100000);
  std::vector<ValidationError> errors;
  Result<Template> t = ParseTemplate(doc, &errors);
  ASSERT_TRUE(t.has_value()) << Dump(std::vector<ValidationError>(
      errors.begin(), errors.begin() + std::min<size_t>(errors.size(), 5)));
  EXPECT_EQ(t->nodes.size(), 100001u);

  // A back-reference to a node downstream at the far end is found and reported once.
  doc["nodes"][1]["data"]["output"]["w"] = "{{steps.n100000.v}}";
  errors.clear();
  ASSERT_FALSE(ParseTemplate(doc, &errors).has_value());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_ERROR(errors, "nodes[1] (id 'n1').data.output.w",
               "step 'n100000' is not upstream of 'n1'");
}

TEST(ParseTemplate, LongCycleIsReportedWithoutRecursion) {
  Json doc = LongChain(100000);
  doc["edges"].push_back({{"id", "back"}, {"source", "n100000"}, {"target", "n1"}});
  std::vector<ValidationError> errors;
  ASSERT_FALSE(ParseTemplate(doc, &errors).has_value());
  EXPECT_ERROR(errors, "template", "cycle n1 -> n2 -> ");
  EXPECT_ERROR(errors, "template", "-> n100000 -> n1");
}

TEST(ResolveInputs, FillsDefaultsAndKeepsGivenValues) {
  Template t = *ParseTemplate(Instagram(), nullptr);
  std::vector<ValidationError> errors;
  Result<Json> r = ResolveInputs(t, {{"product", "socks"}}, &errors);
  ASSERT_TRUE(r.has_value()) << Dump(errors);
  EXPECT_EQ(*r, Json({{"product", "socks"}, {"tone", "friendly"}}));
}

TEST(ResolveInputs, LeavesOptionalInputWithoutDefaultAbsent) {
  Json doc = Instagram();
  doc["inputs"]["note"] = {{"type", "string"}};
  Template t = *ParseTemplate(doc, nullptr);
  Result<Json> r = ResolveInputs(t, {{"product", "socks"}}, nullptr);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->contains("note"));
}

TEST(ResolveInputs, ReportsMissingWrongTypeAndUnknownInputs) {
  Json doc = Instagram();
  doc["inputs"]["count"] = {{"type", "integer"}, {"default", 1}};
  doc["inputs"]["ratio"] = {{"type", "number"}};
  Template t = *ParseTemplate(doc, nullptr);
  std::vector<ValidationError> errors;
  Result<Json> r = ResolveInputs(t, {{"count", "3"}, {"ratio", 2}, {"colour", "red"}}, &errors);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(errors.size(), 3u) << Dump(errors);
  EXPECT_ERROR(errors, "launch inputs.product", "missing required input 'product' (string)");
  EXPECT_ERROR(errors, "launch inputs.count", "must be an integer, got a string");
  EXPECT_ERROR(errors, "launch inputs.colour",
               "unknown input 'colour'; declared inputs: count, product, ratio, tone");
}

TEST(ResolveInputs, RejectsNonObject) {
  Template t = *ParseTemplate(Instagram(), nullptr);
  std::vector<ValidationError> errors;
  EXPECT_FALSE(ResolveInputs(t, Json::array(), &errors).has_value());
  EXPECT_ERROR(errors, "launch inputs", "must be a JSON object");
}

Template TypedTemplate() {
  Json doc = Instagram();
  doc["inputs"]["count"] = {{"type", "integer"}};
  doc["inputs"]["ratio"] = {{"type", "number"}};
  doc["inputs"]["flag"] = {{"type", "boolean"}};
  doc["inputs"]["tags"] = {{"type", "list"}};
  doc["inputs"]["meta"] = {{"type", "object"}};
  return *ParseTemplate(doc, nullptr);
}

TEST(CoerceCliInput, ParsesEachDeclaredType) {
  Template t = TypedTemplate();
  EXPECT_EQ(*CoerceCliInput(t, "count", "42"), Json(42));
  EXPECT_EQ(*CoerceCliInput(t, "ratio", "2.5"), Json(2.5));
  EXPECT_EQ(*CoerceCliInput(t, "ratio", "3"), Json(3));
  EXPECT_EQ(*CoerceCliInput(t, "flag", "yes"), Json(true));
  EXPECT_EQ(*CoerceCliInput(t, "flag", "0"), Json(false));
  EXPECT_EQ(*CoerceCliInput(t, "flag", "TRUE"), Json(true));
  EXPECT_EQ(*CoerceCliInput(t, "tags", "[\"a\", 2]"), Json::parse("[\"a\", 2]"));
  EXPECT_EQ(*CoerceCliInput(t, "meta", "{\"k\": 1}"), Json::parse("{\"k\": 1}"));
  EXPECT_EQ(*CoerceCliInput(t, "product", "42"), Json("42"));
  EXPECT_EQ(*CoerceCliInput(t, "undeclared", "42"), Json("42"));
}

TEST(CoerceCliInput, RejectsValuesThatDoNotParseNamingTheInput) {
  Template t = TypedTemplate();
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"count", "4.5"},
                                                        {"count", "abc"},
                                                        {"count", ""},
                                                        {"ratio", "1.2.3"},
                                                        {"flag", "maybe"},
                                                        {"tags", "[1,"},
                                                        {"tags", "{}"},
                                                        {"meta", "[]"}}) {
    Result<Json> r = CoerceCliInput(t, name, value);
    ASSERT_FALSE(r.has_value()) << name << "=" << value;
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
    EXPECT_NE(r.error().message().find("input '" + name + "'"), std::string::npos)
        << r.error().message();
  }
  EXPECT_NE(CoerceCliInput(t, "count", "4.5").error().message().find("integer"), std::string::npos);
}

}  // namespace
}  // namespace atelier
