#include "roles/mail/store_sent_log.h"

#include <gtest/gtest.h>

#include "store/store.h"
#include "support/assert_ok.h"

namespace sms::mail {
namespace {

TEST(StoreSentLogTest, OutcomesSurviveANewLogOnTheSameStore) {
  ASSERT_OK_AND_ASSIGN(auto store, store::MakeStore({"sqlite::memory:"}));
  StoreSentLog log(store);
  auto none = log.Get("rpt-1");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(log.Put("rpt-1", {JobOutcome::kSent, "", 2, 1000}).ok());
  ASSERT_TRUE(log.Put("rpt-2", {JobOutcome::kFailed, "550 5.1.1 no such user", 1, 2000}).ok());
  StoreSentLog again(store);  // another replica, or after a restart
  auto sent = again.Get("rpt-1");
  ASSERT_TRUE(sent.ok() && sent->has_value());
  EXPECT_EQ((*sent)->outcome, JobOutcome::kSent);
  EXPECT_EQ((*sent)->attempts, 2);
  EXPECT_EQ((*sent)->at, 1000);
  auto failed = again.Get("rpt-2");
  ASSERT_TRUE(failed.ok() && failed->has_value());
  EXPECT_EQ((*failed)->outcome, JobOutcome::kFailed);
  EXPECT_EQ((*failed)->error, "550 5.1.1 no such user");
  // What GET /api/v1/reports/{id} reads.
  ASSERT_OK_AND_ASSIGN(auto outcome, store->GetMailOutcome("rpt-2"));
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->outcome, "failed");
}

}  // namespace
}  // namespace sms::mail
