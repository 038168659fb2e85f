// The notifier's delivery loop with an injected clock: retries with backoff keep one delivery
// id, a permanent failure or the last attempt is a dead letter, and the address guard refuses a
// private webhook at send time.

#include "roles/mail/notifier.h"

#include <gtest/gtest.h>

#include "store/sqlite_store.h"

namespace sms::mail {
namespace {

constexpr Millis kT0 = 1'800'000'000'000;

// Answers Send from a script of statuses (then OK) and records what it was given.
class ScriptedMailer : public Mailer {
 public:
  std::vector<Status> script;
  std::vector<MailMessage> sent;
  Status Send(const MailMessage& m, Millis) override {
    sent.push_back(m);
    if (script.empty()) return Status::Ok();
    Status s = script.front();
    script.erase(script.begin());
    return s;
  }
};

class NotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::SqliteOptions o;
    o.memory = true;
    db_ = *store::SqliteStore::Open(o);
    NotifierOptions no;
    no.max_attempts = 3;
    no.backoff_initial = std::chrono::milliseconds(1000);
    notifier_ = std::make_unique<Notifier>(
        no, NotifierBackends{db_, mailer_, clock_, std::make_shared<metrics::Metrics>(), nullptr});
  }

  void Queue(const std::string& channel) {
    store::NotificationRecord n;
    n.id = "dlv-1";
    n.key = "k1";
    n.channel_id = channel;
    n.event = "test";
    n.payload = R"({"event":"test"})";
    n.state = "pending";
    n.next_at = clock_->Now();
    ASSERT_TRUE(db_->EnqueueNotification(n).ok());
  }

  store::NotificationRecord Only() {
    auto all = db_->ListDeliveries({});
    EXPECT_EQ(all->size(), 1u);
    return all->front();
  }

  std::shared_ptr<store::SqliteStore> db_;
  std::shared_ptr<ScriptedMailer> mailer_ = std::make_shared<ScriptedMailer>();
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(kT0);
  std::unique_ptr<Notifier> notifier_;
};

TEST_F(NotifierTest, TemporaryFailuresAreRetriedWithBackoffUnderOneId) {
  ASSERT_TRUE(db_->CreateChannel({"chn-m", "mail", "email", R"({"emails":["a@example.com"]})",
                                  kT0, kT0})
                  .ok());
  mailer_->script = {Status::Unavailable("4xx"), Status::Unavailable("4xx")};
  Queue("chn-m");
  EXPECT_EQ(*notifier_->DeliverOnce(), 1);
  EXPECT_EQ(Only().state, "pending");
  clock_->Advance(999);
  EXPECT_EQ(*notifier_->DeliverOnce(), 0);  // backing off
  clock_->Advance(1);
  EXPECT_EQ(*notifier_->DeliverOnce(), 1);
  clock_->Advance(1999);
  EXPECT_EQ(*notifier_->DeliverOnce(), 0);  // 2 s after the second failure
  clock_->Advance(1);
  EXPECT_EQ(*notifier_->DeliverOnce(), 1);
  EXPECT_EQ(Only().state, "sent");
  EXPECT_EQ(Only().attempts, 3);
  ASSERT_EQ(mailer_->sent.size(), 3u);
  for (const MailMessage& m : mailer_->sent) EXPECT_EQ(m.id, "dlv-1");
  EXPECT_EQ(mailer_->sent[0].to, std::vector<std::string>({"a@example.com"}));
}

TEST_F(NotifierTest, APermanentFailureIsADeadLetterAtOnce) {
  ASSERT_TRUE(db_->CreateChannel({"chn-m", "mail", "email", R"({"emails":["a@example.com"]})",
                                  kT0, kT0})
                  .ok());
  mailer_->script = {Status::InvalidArgument("550 no such user")};
  Queue("chn-m");
  notifier_->DeliverOnce();
  EXPECT_EQ(Only().state, "dead");
  EXPECT_EQ(Only().error, "550 no such user");
}

TEST_F(NotifierTest, TheLastTemporaryFailureIsADeadLetterToo) {
  ASSERT_TRUE(db_->CreateChannel({"chn-m", "mail", "email", R"({"emails":["a@example.com"]})",
                                  kT0, kT0})
                  .ok());
  mailer_->script = {Status::Unavailable("a"), Status::Unavailable("b"), Status::Unavailable("c")};
  Queue("chn-m");
  for (int i = 0; i < 3; ++i) {
    notifier_->DeliverOnce();
    clock_->Advance(10'000);
  }
  EXPECT_EQ(Only().state, "dead");
  EXPECT_EQ(Only().attempts, 3);
}

TEST_F(NotifierTest, APrivateWebhookIsRefusedAtSendTime) {
  // Saved while allowed (or resolving elsewhere then); the guard looks again at send time.
  ASSERT_TRUE(
      db_->CreateChannel({"chn-w", "hook", "webhook", R"({"url":"http://127.0.0.1:9/h"})", kT0, kT0})
          .ok());
  Queue("chn-w");
  notifier_->DeliverOnce();
  EXPECT_EQ(Only().state, "dead");
  EXPECT_NE(Only().error.find("private"), std::string::npos) << Only().error;
}

}  // namespace
}  // namespace sms::mail
