// Template text -> JSON -> Template -> validation (ParseTemplateText, the path of
// `atelier validate` and POST /api/v1/templates). A template that validates must serialise back
// (TemplateToJson) to a document that validates again: the store snapshots versions that way.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string_view>

#include "atelier/core/template.h"
#include "atelier/core/validation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace atelier;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<ValidationError> errors;
  Result<Template> t = ParseTemplateText(text, &errors);
  if (!t) {
    if (errors.empty()) {
      std::cerr << "a refused template reported no error\n";
      std::abort();
    }
    for (const ValidationError& e : errors) (void)e.ToString();
    return 0;
  }
  Json again = TemplateToJson(*t);
  std::vector<ValidationError> errors2;
  Result<Template> t2 = ParseTemplate(again, &errors2);
  if (!t2) {
    std::cerr << "a valid template does not validate after TemplateToJson:\n"
              << again.dump(2) << "\n";
    for (const ValidationError& e : errors2) std::cerr << e.ToString() << "\n";
    std::abort();
  }
  return 0;
}
