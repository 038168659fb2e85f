#include "core/status_macros.h"

#include <gtest/gtest.h>

#include <string>

namespace sms {
namespace {

Result<int> Parse(const std::string& text) {
  if (text.empty()) return Status::InvalidArgument("empty", "text");
  return static_cast<int>(text.size());
}

Status Check(const std::string& text, int* calls) {
  ++*calls;
  return text == "bad" ? Status::Conflict("bad") : Status::Ok();
}

// Parses both and adds them, checking the first; every failure returned as it is.
Result<int> Sum(const std::string& a, const std::string& b, int* calls) {
  RETURN_IF_ERROR(Check(a, calls));
  RETURN_IF_ERROR(Parse(a));  // a Result whose value is not needed
  ASSIGN_OR_RETURN(int x, Parse(a));
  int y = 0;
  ASSIGN_OR_RETURN(y, Parse(b));
  return x + y;
}

TEST(StatusMacrosTest, ReturnTheFirstFailureAndOtherwiseGoOn) {
  int calls = 0;
  Result<int> sum = Sum("ab", "cde", &calls);
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(*sum, 5);
  EXPECT_EQ(Sum("bad", "x", &calls).status().code(), Code::kConflict);
  Result<int> empty_a = Sum("", "x", &calls);
  EXPECT_EQ(empty_a.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(empty_a.status().field(), "text");
  EXPECT_EQ(Sum("a", "", &calls).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(calls, 4);  // each expression is evaluated once
}

}  // namespace
}  // namespace sms
