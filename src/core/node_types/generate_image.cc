// generate_image: one image-model call (executor: src/nodes/builtin.cc).
#include <charconv>

#include "builders.h"

namespace atelier::node_types {
namespace {

bool ValidImageSize(std::string_view s) {
  const size_t x = s.find('x');
  if (x == std::string_view::npos) return false;
  const auto side = [](std::string_view part) {
    if (part.empty() || part.size() > 5) return false;
    int v = 0;
    const auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    return ec == std::errc() && ptr == part.data() + part.size() && v >= 16 && v <= 2048;
  };
  return side(s.substr(0, x)) && side(s.substr(x + 1));
}

void Check(const Json& data, const NodeCheckReport& report) {
  auto it = data.find("size");
  if (it == data.end() || !it->is_string() || HasReference(*it)) return;
  const auto& s = it->get_ref<const std::string&>();
  if (!ValidImageSize(s))
    report("size",
           "size must be WIDTHxHEIGHT with each side 16..2048 (for example 1024x1024), "
           "got '" +
               s + "'");
}

ProviderUse Estimate(const Json& data, const Json& scope) {
  ProviderUse u;
  u.calls = 1;
  u.images = IntField(data, "count", 1, scope);
  return u;
}

}  // namespace

NodeTypeSpec GenerateImageNodeType() {
  NodeTypeSpec t{"generate_image",
                 NodeKind::kTask,
                 "Generates images from a prompt.",
                 {},
                 {"images", "image", "model", "provider"}};
  t.fields.push_back(F("prompt", FieldType::kString, true, nullptr, "what to draw"));
  t.fields.push_back(F("negative_prompt", FieldType::kString, false, "", "what to avoid"));
  t.fields.push_back(F("model", FieldType::kString, false, "image", "model alias"));
  t.fields.push_back(
      F("size", FieldType::kString, false, "512x512", "WIDTHxHEIGHT in pixels, each 16..2048"));
  t.fields.push_back(Bounded(F("count", FieldType::kInteger, false, 1, "number of images"), 1, 8));
  t.fields.push_back(F("seed", FieldType::kInteger, false, nullptr, "fixed seed"));
  t.fields.push_back(F("references", FieldType::kAny, false, nullptr,
                       "reference images: an image object or a list ({{steps.avatar.images}})"));
  AddProviderKnobs(t.fields);
  CallsProvider(t);
  t.generative = true;
  t.mappable = true;
  t.check = Check;
  t.estimate = Estimate;
  t.makes_images = [](const Json&) { return true; };
  return t;
}

}  // namespace atelier::node_types
