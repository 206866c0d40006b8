// Status and Result<T>: how every fallible otguard call reports failure.
//
// A Status is cheap when OK (no allocation). Result<T> is tl::expected<T, Status>, used only
// through what std::expected also offers, so moving to C++23 is a one-line change here.
// Detections are values, never errors: a Status says the operation itself failed.
#ifndef OTGUARD_BASE_STATUS_H_
#define OTGUARD_BASE_STATUS_H_

#include <memory>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>

namespace otguard {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the caller's input is malformed (signature line, option, request)
  kNotFound,         // file, key, record does not exist
  kAlreadyExists,
  kPermissionDenied,
  kIoError,             // the OS failed a read/write
  kCorrupt,             // stored data failed a checksum or format check
  kUnimplemented,       // not available on this OS or build
  kResourceExhausted,   // a configured limit was reached
  kFailedPrecondition,  // the system is not in a state to do this
  kAborted,             // cancelled, or the object changed underneath
  kInternal,            // an impossible state; a bug
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);
  // Lets OTGUARD_RETURN_IF_ERROR return the same expression from Status and Result<T> functions.
  Status(const tl::unexpected<Status>& error) : Status(error.value()) {}  // NOLINT: implicit

  static Status Ok() { return Status(); }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  // The message without the code name; empty when OK.
  std::string_view message() const { return rep_ ? std::string_view(rep_->message) : ""; }
  // "OK" or "<CodeName>: <message>".
  std::string ToString() const;

  // Returns a copy with "context: " put before the message (for propagation with a path).
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.message() == b.message();
  }

 private:
  struct Rep {
    StatusCode code;
    std::string message;
  };
  std::shared_ptr<const Rep> rep_;  // null means OK; shared so copies are cheap
};

Status InvalidArgument(std::string message);
Status NotFound(std::string message);
Status AlreadyExists(std::string message);
Status PermissionDenied(std::string message);
Status IoError(std::string message);
Status Corrupt(std::string message);
Status Unimplemented(std::string message);
Status ResourceExhausted(std::string message);
Status FailedPrecondition(std::string message);
Status Aborted(std::string message);
Status Internal(std::string message);

// An OS error number turned into a Status with the right code ("open /x: No such file ...").
Status ErrnoToStatus(int err, std::string_view context);

template <typename T>
using Result = tl::expected<T, Status>;

// Makes the error side of a Result: `return Unexpected(NotFound("x"));`.
inline tl::unexpected<Status> Unexpected(Status s) { return tl::unexpected<Status>(std::move(s)); }

namespace internal {
inline Status AsStatus(const Status& s) { return s; }
template <typename T>
Status AsStatus(const Result<T>& r) {
  return r.has_value() ? Status() : r.error();
}
}  // namespace internal

}  // namespace otguard

#define OTGUARD_CONCAT_INNER_(a, b) a##b
#define OTGUARD_CONCAT_(a, b) OTGUARD_CONCAT_INNER_(a, b)

// Returns from the current function when `expr` (a Status or a Result) is not OK.
// Works in functions returning Status or Result<T>.
#define OTGUARD_RETURN_IF_ERROR(expr)                                         \
  do {                                                                        \
    ::otguard::Status otguard_status_ = ::otguard::internal::AsStatus(expr);  \
    if (!otguard_status_.ok()) return ::otguard::Unexpected(otguard_status_); \
  } while (0)

// `OTGUARD_ASSIGN_OR_RETURN(auto x, MakeX());` binds the value or returns the error.
#define OTGUARD_ASSIGN_OR_RETURN(lhs, expr) \
  OTGUARD_ASSIGN_OR_RETURN_IMPL_(OTGUARD_CONCAT_(otguard_result_, __LINE__), lhs, expr)
#define OTGUARD_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)             \
  auto tmp = (expr);                                               \
  if (!tmp.has_value()) return ::otguard::Unexpected(tmp.error()); \
  lhs = std::move(*tmp)

// For impossible states only; input errors are Statuses and counters, never checks.
#define OTGUARD_CHECK(cond)                                                   \
  do {                                                                        \
    if (!(cond)) ::otguard::internal::CheckFailed(#cond, __FILE__, __LINE__); \
  } while (0)

namespace otguard::internal {
[[noreturn]] void CheckFailed(const char* cond, const char* file, int line);
}

#endif  // OTGUARD_BASE_STATUS_H_
