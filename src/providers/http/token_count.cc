#include "atelier/providers/http/token_count.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace atelier {

int64_t TokenCount(const Json& obj, const char* key) {
  if (!obj.is_object()) return 0;
  auto it = obj.find(key);
  if (it == obj.end()) return 0;
  if (it->is_number_unsigned()) {
    const uint64_t v = it->get<uint64_t>();
    return v <= static_cast<uint64_t>(kMaxTokenCount) ? static_cast<int64_t>(v) : 0;
  }
  if (it->is_number_integer()) {
    const int64_t v = it->get<int64_t>();
    return v >= 0 && v <= kMaxTokenCount ? v : 0;
  }
  if (it->is_number_float()) {
    const double v = it->get<double>();
    return std::isfinite(v) && v >= 0 && v <= static_cast<double>(kMaxTokenCount)
               ? static_cast<int64_t>(v)
               : 0;
  }
  return 0;
}

}  // namespace atelier
