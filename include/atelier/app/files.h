// Reading a whole file: the one helper the CLI (templates, inputs), the providers file and the
// server's --ui-dir share.
#pragma once

#include <string>

#include "atelier/core/status.h"

namespace atelier {

// The file's bytes; NotFound "cannot read 'PATH'" when it cannot be opened or read (a folder, no
// permission, an I/O error).
Result<std::string> ReadWholeFile(const std::string& path);

}  // namespace atelier
