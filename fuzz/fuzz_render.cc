// Mustache rendering (RenderString, RenderValue, ExtractReferences) with hostile templates:
// unterminated and nested tags, sections over long lists, set-delimiter tags, partials, dotted
// paths into arrays. The input is the template text, optionally followed by a NUL byte and a JSON
// scope; without one, a fixed scope with lists, nested objects and values that contain tags.
// Checks: no crash, UB, leak or hang, and a rendered string within the output limit.
// The renders run with limits far below the product's (kHarnessLimits): the budget's code is the
// same, and inputs that exhaust it (the fuzzer finds many: sections over the 100-item lists, the
// 4 KB string repeated) then cost tens of kilobytes of output instead of megabytes. With the
// product's limits, the long runs fell to 150 inputs a second, most of it copying output.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>

#include "atelier/core/render.h"
#include "atelier/core/validation.h"

namespace {

using atelier::Json;

constexpr atelier::RenderLimits kHarnessLimits{.max_bytes = 64 << 10, .max_work = 10'000};

const Json& DefaultScope() {
  static const Json scope = [] {
    Json list = Json::array();
    for (int i = 0; i < 100; ++i) list.push_back({{"name", "n" + std::to_string(i)}, {"i", i}});
    Json nested = Json::object();
    Json* at = &nested;
    for (int i = 0; i < 20; ++i) at = &((*at)["x"] = Json::object());
    (*at)["leaf"] = "deep";
    return Json{
        {"inputs",
         {{"product", "socks"},
          {"count", 42},
          {"ratio", 0.5},
          {"flag", true},
          {"nothing", nullptr},
          {"tags", {"warm", "wool"}},
          {"list", list},
          {"nested", nested},
          {"tag", "{{inputs.product}}"},
          {"section", "{{#inputs.list}}{{name}}{{/inputs.list}}"},
          {"big", std::string(4096, 'x')}}},
        {"steps", {{"caption", {{"text", "Warm <b>socks</b> & {{more}}"}, {"images", list}}}}},
        {"item", {{"name", "it"}, {"list", list}}},
        {"index", 3}};
  }();
  return scope;
}

void CheckSize(const atelier::Result<Json>& r, const char* what) {
  if (r && r->is_string() && r->get_ref<const std::string&>().size() > kHarnessLimits.max_bytes) {
    std::cerr << what << " returned " << r->get_ref<const std::string&>().size()
              << " bytes, over the render limit of " << kHarnessLimits.max_bytes << "\n";
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace atelier;
  std::string input(reinterpret_cast<const char*>(data), size);
  std::string text = input;
  // The default scope is shared, not copied: a copy per input cost more than the rendering.
  const Json* scope = &DefaultScope();
  Json own;
  if (size_t nul = input.find('\0'); nul != std::string::npos) {
    text = input.substr(0, nul);
    auto parsed = ParseJsonText(std::string_view(input).substr(nul + 1));
    if (!parsed) return 0;
    own = std::move(*parsed);
    scope = &own;
  }
  (void)ExtractReferences(text);
  Result<Json> one = RenderString(text, *scope, kHarnessLimits);
  CheckSize(one, "RenderString");
  Json value = {{"a", text}, {"b", {text, {{"c", text}}}}};
  CheckSize(RenderValue(value, *scope, kHarnessLimits), "RenderValue");
  return 0;
}
