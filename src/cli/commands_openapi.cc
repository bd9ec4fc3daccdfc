// `atelier openapi`: prints the API's OpenAPI document, the one `atelier serve` answers at
// /api/v1/openapi.json, with no database and no server. The web UI's typed client is generated
// from it, and its drift check (web/scripts/check-api-types.mjs) compares against it.
#include <iostream>

#include "commands.h"
#include "atelier/server/server.h"

namespace atelier {
namespace {

struct OpenApiOptions {};

int PrintOpenApi(const OpenApiOptions&) {
  std::cout << OpenApiJson() << "\n";
  return kExitOk;
}

}  // namespace

Command AddOpenApi(CLI::App& cli) {
  return MakeCommand<OpenApiOptions>(
      cli, "openapi", "Print the API's OpenAPI 3.1 document (as served at /api/v1/openapi.json)",
      [](CLI::App*, OpenApiOptions&) {}, &PrintOpenApi);
}

}  // namespace atelier
