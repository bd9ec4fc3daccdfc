#include "atelier/app/files.h"

#include <fstream>
#include <sstream>

namespace atelier {

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err(NotFound("cannot read '" + path + "'"));
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return Err(NotFound("cannot read '" + path + "'"));
  return out.str();
}

}  // namespace atelier
