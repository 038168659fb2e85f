#pragma once
// Status and Result<T>: how core, store, bus and cache report failure.
// Unavailable is the one retryable code; the rest are permanent for the same input.

#include <string>
#include <utility>
#include <variant>

namespace sms {

enum class Code {
  kOk,
  kInvalidArgument,     // bad input; names the field when there is one
  kNotFound,
  kConflict,            // a unique value is taken
  kUnavailable,         // a dependency is down or full; retry later
  kResourceExhausted,   // a limit was hit (size, count)
  kInternal,
  kUnauthenticated,     // no valid credential (HTTP 401)
  kPermissionDenied,    // a valid credential without the scope asked for (HTTP 403)
};

// Returns the snake_case name used in JSON errors, e.g. "invalid_argument".
const char* CodeName(Code code);

class Status {
 public:
  Status() = default;
  Status(Code code, std::string message, std::string field = {})
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string msg, std::string field = {}) {
    return {Code::kInvalidArgument, std::move(msg), std::move(field)};
  }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status Conflict(std::string msg, std::string field = {}) {
    return {Code::kConflict, std::move(msg), std::move(field)};
  }
  static Status Unavailable(std::string msg) { return {Code::kUnavailable, std::move(msg)}; }
  static Status ResourceExhausted(std::string msg) {
    return {Code::kResourceExhausted, std::move(msg)};
  }
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }
  static Status Unauthenticated(std::string msg) {
    return {Code::kUnauthenticated, std::move(msg)};
  }
  static Status PermissionDenied(std::string msg) {
    return {Code::kPermissionDenied, std::move(msg)};
  }

  bool ok() const { return code_ == Code::kOk; }
  bool retryable() const { return code_ == Code::kUnavailable; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& field() const { return field_; }
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::string field_;
};

// Result<T> holds a T or a non-ok Status.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}             // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}      // NOLINT: REQUIRES: !status.ok()

  bool ok() const { return v_.index() == 0; }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<1>(v_);
  }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace sms
