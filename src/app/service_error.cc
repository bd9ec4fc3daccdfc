#include "atelier/app/service_error.h"

namespace atelier {

std::string CheckRowName(const Json& v) {
  if (!v.is_string()) return "must be a string";
  const std::string n = v.get<std::string>();
  if (n.empty() || n.size() > 100) return "must be 1 to 100 characters";
  for (unsigned char ch : n)
    if (ch < 0x20 || ch == 0x7f) return "must not contain control characters";
  return "";
}

}  // namespace atelier
