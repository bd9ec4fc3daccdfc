// GET /api/v1/node-types over loopback HTTP: the catalogue the designer's side forms are built
// from, the same descriptors validation uses, and declared in the OpenAPI document.
#include <gtest/gtest.h>

#include "atelier/core/node_types.h"
#include "tests/server_fixture.h"

namespace atelier::testing {
namespace {

const Json* FindByName(const Json& list, const std::string& name) {
  for (const auto& e : list)
    if (e.value("name", "") == name) return &e;
  return nullptr;
}

TEST_F(ServerTest, NodeTypesServeEveryDescriptorInCatalogueOrder) {
  Resp r = Get("/api/v1/node-types", viewer());
  ASSERT_EQ(r.status, 200) << r.raw;
  const Json& items = r.body["items"];
  ASSERT_EQ(items.size(), BuiltinNodeTypes().size());
  for (size_t i = 0; i < items.size(); ++i) {
    const NodeTypeSpec& spec = BuiltinNodeTypes()[i];
    EXPECT_EQ(items[i]["name"], spec.name);
    ASSERT_EQ(items[i]["fields"].size(), spec.fields.size()) << spec.name;
    for (size_t k = 0; k < spec.fields.size(); ++k)
      EXPECT_EQ(items[i]["fields"][k]["name"], spec.fields[k].name) << spec.name;
  }
  ASSERT_EQ(r.body["common_fields"].size(), CommonFieldSpecs().size());
}

TEST_F(ServerTest, NodeTypesDescribeFieldsHandlesAndTraits) {
  Resp r = Get("/api/v1/node-types", viewer());
  ASSERT_EQ(r.status, 200) << r.raw;
  const Json* text = FindByName(r.body["items"], "generate_text");
  ASSERT_NE(text, nullptr);
  const Json* prompt = FindByName((*text)["fields"], "prompt");
  ASSERT_NE(prompt, nullptr);
  EXPECT_EQ((*prompt)["type"], "string");
  EXPECT_EQ((*prompt)["required"], true);
  const Json* max_tokens = FindByName((*text)["fields"], "max_tokens");
  ASSERT_NE(max_tokens, nullptr);
  EXPECT_EQ((*max_tokens)["default"], 1024);
  EXPECT_EQ((*max_tokens)["min"], 1);
  EXPECT_EQ((*max_tokens)["max"], 1000000);
  EXPECT_EQ((*text)["traits"]["paid"], true);
  EXPECT_EQ((*text)["traits"]["generative"], true);
  EXPECT_EQ((*text)["traits"]["mappable"], true);
  EXPECT_EQ((*text)["outputs"], Json::array({"text", "json", "model", "provider", "artifact_id"}));

  const Json* condition = FindByName(r.body["items"], "condition");
  ASSERT_NE(condition, nullptr);
  EXPECT_EQ((*condition)["handles"], Json::array({"true", "false"}));
  EXPECT_EQ((*condition)["handle_required"], true);
  EXPECT_EQ((*condition)["traits"]["pure"], true);
  EXPECT_EQ((*condition)["traits"]["paid"], false);
  const Json* op = FindByName((*condition)["fields"], "operator");
  ASSERT_NE(op, nullptr);
  EXPECT_EQ((*op)["one_of"].size(), 12u);

  const Json* approval = FindByName(r.body["items"], "approval");
  ASSERT_NE(approval, nullptr);
  EXPECT_EQ((*approval)["kind"], "approval");
  EXPECT_EQ((*approval)["traits"]["waits_for_person"], true);
  const Json* map = FindByName(r.body["items"], "map");
  ASSERT_NE(map, nullptr);
  EXPECT_EQ((*map)["traits"]["composite"], true);
  EXPECT_EQ(FindByName((*map)["fields"], "node")->at("type"), "node");
}

TEST_F(ServerTest, NodeTypesNeedAKeyAndAreInTheOpenApiDocument) {
  EXPECT_EQ(Get("/api/v1/node-types", "").status, 401);
  Resp doc = Get("/api/v1/openapi.json", "");
  ASSERT_EQ(doc.status, 200);
  ASSERT_TRUE(doc.body["paths"].contains("/api/v1/node-types")) << doc.raw.substr(0, 200);
  EXPECT_EQ(doc.body["paths"]["/api/v1/node-types"]["get"]["x-required-role"], "viewer");
}

}  // namespace
}  // namespace atelier::testing
