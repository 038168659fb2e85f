#include "roles/common/write_health.h"

#include <gtest/gtest.h>

#include "core/time.h"

namespace sms::roles {
namespace {

constexpr Millis kT0 = 1'795'000'000'000;
const Status kFull = Status::Unavailable("database or disk is full");

class WriteHealthTest : public ::testing::Test {
 protected:
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(kT0);
  WriteHealth health_{clock_, {.failures = 3, .window = 60'000}};
};

TEST_F(WriteHealthTest, FailingAfterThreeFailedWritesInARowAndOkAgainAfterOneSuccess) {
  EXPECT_TRUE(health_.Check().ok());
  health_.Record(kFull);
  health_.Record(kFull);
  EXPECT_TRUE(health_.Check().ok()) << "two failures may be a hiccup";
  clock_->Advance(1000);
  health_.Record(kFull);
  Status s = health_.Check();
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_EQ(s.message(), "failing: 3 writes in a row, the latest at " + FormatTime(kT0 + 1000) +
                             ": unavailable: database or disk is full");
  health_.Record(Status::Ok());
  EXPECT_TRUE(health_.Check().ok());
  health_.Record(kFull);
  EXPECT_TRUE(health_.Check().ok()) << "the streak starts again from the success";
}

TEST_F(WriteHealthTest, TheCallersOwnErrorsSayNothingAboutTheStore) {
  for (int i = 0; i < 3; ++i) health_.Record(kFull);
  ASSERT_FALSE(health_.Check().ok());
  health_.Record(Status::Conflict("server_name \"a\" already exists", "server_name"));
  health_.Record(Status::NotFound("no server"));
  health_.Record(Status::InvalidArgument("bad", "ipv4"));
  EXPECT_FALSE(health_.Check().ok()) << "not a success either";
  health_.Record(Status::Internal("disk I/O error"));
  EXPECT_NE(health_.Check().message().find("failing: 4 writes in a row"), std::string::npos);
}

TEST_F(WriteHealthTest, OldFailuresExpireWhenNothingIsWrittenAnyMore) {
  for (int i = 0; i < 5; ++i) health_.Record(kFull);
  clock_->Advance(59'999);
  EXPECT_FALSE(health_.Check().ok());
  clock_->Advance(1);
  EXPECT_TRUE(health_.Check().ok());
  health_.Record(kFull);  // still failing once written to again
  EXPECT_FALSE(health_.Check().ok());
}

}  // namespace
}  // namespace sms::roles
