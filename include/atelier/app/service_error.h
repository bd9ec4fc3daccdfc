// ServiceError: how an application service (launch_service.h, execution_commands.h) says no.
// A Status for the kind of failure, plus what a client needs to point at its own mistake: the
// request field at fault and, for a launch, every problem with the inputs at once. Each interface
// (HTTP, CLI, MCP) renders it in its own way; none of them re-checks what the service checked.
// Plain values: safe to copy between threads.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "atelier/core/status.h"
#include "atelier/core/validation.h"

namespace atelier {

struct ServiceError {
  Status status;
  std::string field;  // the request field at fault ("version", "Idempotency-Key"); "" = none
  // A launch's inputs that do not fit the template's declaration, each naming its input
  // ("launch inputs.product"); empty otherwise.
  std::vector<ValidationError> input_errors;

  ServiceError(Status s, std::string f = "") : status(std::move(s)), field(std::move(f)) {}
};

template <class T>
using ServiceResult = tl::expected<T, ServiceError>;

inline tl::unexpected<ServiceError> ServiceFail(ServiceError e) {
  return tl::unexpected<ServiceError>(std::move(e));
}

// InvalidArgument "field 'FIELD': MSG", pointing at the field.
inline ServiceError FieldError(const std::string& field, const std::string& msg) {
  return ServiceError(InvalidArgument("field '" + field + "': " + msg), field);
}

// Why `v` cannot name a schedule, trigger or notification endpoint (a string of 1 to 100
// characters without control characters), or "" when it can.
std::string CheckRowName(const Json& v);

}  // namespace atelier
