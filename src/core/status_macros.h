#pragma once
// The early return on a failed Status or Result, written once:
//
//   RETURN_IF_ERROR(expr);          // expr: a Status, or a Result whose value is not needed
//   ASSIGN_OR_RETURN(lhs, rexpr);   // rexpr: a Result<T>; lhs: `auto x`, `T x` or an lvalue
//
// Each returns the failed Status from the enclosing function, which returns Status or any
// Result<U> (a Status converts to either). ASSIGN_OR_RETURN declares a hidden variable of a
// name of its own (__COUNTER__): not as the only statement of an if/else.

#include <utility>

#include "core/status.h"

namespace sms {

inline const Status& StatusOf(const Status& status) { return status; }
template <typename T>
const Status& StatusOf(const Result<T>& result) {
  return result.status();
}

}  // namespace sms

#define SMS_STATUS_CONCAT_INNER_(a, b) a##b
#define SMS_STATUS_CONCAT_(a, b) SMS_STATUS_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                                                   \
  do {                                                                          \
    if (::sms::Status sms_status_ = ::sms::StatusOf(expr); !sms_status_.ok()) { \
      return sms_status_;                                                       \
    }                                                                           \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, rexpr) \
  SMS_ASSIGN_OR_RETURN_(SMS_STATUS_CONCAT_(sms_result_, __COUNTER__), lhs, rexpr)

#define SMS_ASSIGN_OR_RETURN_(result, lhs, rexpr) \
  auto result = (rexpr);                          \
  if (!result.ok()) return result.status();       \
  lhs = std::move(result).value()
