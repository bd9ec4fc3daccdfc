#include "atelier/core/status.h"

#include <array>
#include <cstdio>
#include <cstdlib>

namespace atelier {
namespace {
constexpr std::array<std::pair<Code, std::string_view>, 13> kNames = {{
    {Code::kOk, "ok"},
    {Code::kInvalidArgument, "invalid_argument"},
    {Code::kNotFound, "not_found"},
    {Code::kAlreadyExists, "already_exists"},
    {Code::kFailedPrecondition, "failed_precondition"},
    {Code::kAborted, "aborted"},
    {Code::kUnavailable, "unavailable"},
    {Code::kResourceExhausted, "resource_exhausted"},
    {Code::kDeadlineExceeded, "deadline_exceeded"},
    {Code::kCancelled, "cancelled"},
    {Code::kPermissionDenied, "permission_denied"},
    {Code::kUnauthenticated, "unauthenticated"},
    {Code::kInternal, "internal"},
}};
}  // namespace

std::string_view CodeName(Code code) {
  for (const auto& [c, n] : kNames)
    if (c == code) return n;
  return "internal";
}

std::optional<Code> CodeFromName(std::string_view name) {
  for (const auto& [c, n] : kNames)
    if (n == name) return c;
  return std::nullopt;
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string s(CodeName(code_));
  s += ": ";
  s += message_;
  return s;
}

bool IsRetryable(const Status& s) {
  switch (s.code()) {
    case Code::kUnavailable:
    case Code::kResourceExhausted:
    case Code::kDeadlineExceeded:
      return true;
    default:
      return false;
  }
}

namespace internal {
void CheckFailed(const char* file, int line, const char* cond) {
  std::fprintf(stderr, "CHECK failed at %s:%d: %s\n", file, line, cond);
  std::abort();
}
}  // namespace internal
}  // namespace atelier
