// Private to the server: the parts the OpenAPI document is built from. OpenApiDocument (api.h)
// walks the route table; what each route sends and takes beyond its RouteInfo is described here,
// keyed by "METHOD /pattern", so route files stay about handling requests.
#pragma once

#include <string>
#include <vector>

#include "api.h"

namespace atelier::api {

// components.schemas: every JSON body by name (Execution, Step, Event, Error, ...).
const Json& OpenApiSchemas();

// What one operation answers and takes, beyond what the route table says.
struct OperationDoc {
  // The schema (usually a $ref) of the success body; null for a route with no JSON body.
  Json ok_schema;
  // Error statuses this operation answers besides those every route of its kind answers.
  std::vector<int> errors;
  // The request body's schema when it is a component rather than the route's own body_schema.
  Json body_schema;
  int limit_max = 0;  // the `limit` query parameter's maximum (0: no limit parameter)
  Json status_schema;  // the `status` query parameter's schema when not an execution status
};

// The description of `method` + `pattern`; an empty OperationDoc for a route not described.
OperationDoc DescribeOperation(const std::string& method, const std::string& pattern);
// Whether the table describes the route (a test checks every route is).
bool Described(const std::string& method, const std::string& pattern);
// The schema of a query parameter by its name (typed: integers, booleans, enums).
Json QueryParameterSchema(const std::string& name, const OperationDoc& doc);

}  // namespace atelier::api
