// Status and Result: errors as values, shared by every module.
//
// A fallible function returns Status or Result<T> (tl::expected<T, Status>). The set of codes is
// small and closed; IsRetryable() is the one place that decides which failures a retry can cure.
// Thread-safety: plain values, safe to copy between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace atelier {

enum class Code {
  kOk,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,  // an invalid state transition
  kAborted,             // lost a race (a superseded attempt, a guard that no longer holds)
  kUnavailable,         // transient: retry with backoff
  kResourceExhausted,   // rate limited or out of quota; may carry retry_after_ms
  kDeadlineExceeded,
  kCancelled,
  kPermissionDenied,
  kUnauthenticated,
  kInternal,
};

// Stable lower-case name of a code ("invalid_argument"), used in events, JSON and the CLI.
std::string_view CodeName(Code code);
// Inverse of CodeName; nullopt for an unknown name.
std::optional<Code> CodeFromName(std::string_view name);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // For kResourceExhausted: how long the caller should wait, when the source said so.
  std::optional<int64_t> retry_after_ms() const { return retry_after_ms_; }
  Status& set_retry_after_ms(int64_t ms) {
    retry_after_ms_ = ms;
    return *this;
  }
  // "not_found: execution 'ex_1' does not exist"
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::optional<int64_t> retry_after_ms_;
};

template <class T>
using Result = tl::expected<T, Status>;

// Makes the error side of a Result: `return Err(NotFound("..."));`
inline tl::unexpected<Status> Err(Status s) { return tl::unexpected<Status>(std::move(s)); }

inline Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
inline Status FailedPrecondition(std::string m) { return {Code::kFailedPrecondition, std::move(m)}; }
inline Status Aborted(std::string m) { return {Code::kAborted, std::move(m)}; }
inline Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
inline Status ResourceExhausted(std::string m) { return {Code::kResourceExhausted, std::move(m)}; }
inline Status DeadlineExceeded(std::string m) { return {Code::kDeadlineExceeded, std::move(m)}; }
inline Status Cancelled(std::string m) { return {Code::kCancelled, std::move(m)}; }
inline Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

// The one decision about which failures a retry can cure: Unavailable, ResourceExhausted and
// DeadlineExceeded. Everything else fails at once.
bool IsRetryable(const Status& s);

}  // namespace atelier

// Aborts with file:line for a broken invariant (a bug). Never used on user or upstream data.
#define ATELIER_CHECK(cond)                                              \
  do {                                                                   \
    if (!(cond)) ::atelier::internal::CheckFailed(__FILE__, __LINE__, #cond); \
  } while (0)

namespace atelier::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* cond);
}
