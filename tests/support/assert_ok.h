#pragma once
// Reading a Result in a test only once it is known to be ok.
//
// ASSERT_OK_AND_ASSIGN(lhs, rexpr): evaluates `rexpr` (a Result<T>); when it is not
// ok, fails the test with its status and returns from the current function (which must return
// void, as every ASSERT_* does); otherwise moves its value into `lhs`, a new variable
// (`auto server`) or an existing one (`store_`). A test thus never reads the value of a failed
// Result, which would throw std::bad_variant_access, far from the cause.

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "core/status.h"

#define SMS_TEST_CONCAT_INNER_(a, b) a##b
#define SMS_TEST_CONCAT_(a, b) SMS_TEST_CONCAT_INNER_(a, b)

#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  SMS_ASSERT_OK_AND_ASSIGN_(SMS_TEST_CONCAT_(sms_result_, __LINE__), lhs, rexpr)

#define SMS_ASSERT_OK_AND_ASSIGN_(result, lhs, rexpr)                       \
  auto result = (rexpr);                                                    \
  ASSERT_TRUE(result.ok()) << #rexpr << ": " << result.status().ToString(); \
  lhs = std::move(result).value()

namespace sms::testing {

// For a helper that returns a value, where ASSERT_* cannot be used: the value of `result`, or,
// when it is not ok, an exception naming `what` and the status, which ends the test there
// (GoogleTest reports it as the test's failure). Call it on the test's own thread.
template <typename T>
T ValueOrThrow(Result<T> result, std::string_view what) {
  if (!result.ok()) {
    throw std::runtime_error(std::string(what) + ": " + result.status().ToString());
  }
  return std::move(result).value();
}

}  // namespace sms::testing
