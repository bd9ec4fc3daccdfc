#include "atelier/app/log_line.h"

#include "atelier/engine/timestamp.h"

namespace atelier {

std::string LogLine(int64_t now_ms, const std::string& level, const std::string& msg,
                    const Json& extra) {
  Json j = {{"ts", FormatTimestamp(now_ms)}, {"level", level}, {"msg", msg}};
  if (extra.is_object())
    for (auto& [k, v] : extra.items()) j[k] = v;
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace atelier
