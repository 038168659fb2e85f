// MailService on the in-process bus with a scripted Mailer: what gets sent, retried, skipped
// and dead-lettered, and that a job is committed only once its outcome is recorded.

#include "roles/mail/mail_service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include "bus/faulty_bus.h"
#include "bus/memory_bus.h"
#include "mail/memory_sent_log.h"
#include "mail/outbox_mailer.h"
#include "support/assert_ok.h"
#include "support/wait_until.h"

namespace sms::mail {
namespace {

using namespace std::chrono_literals;
using sms::testing::ValueOrThrow;
using sms::testing::WaitUntil;
namespace json = boost::json;

constexpr Millis kNow = 1764309600000;  // 2025-11-28T06:00:00Z

// A Mailer that records every Send and answers from a script (OK once it runs out).
class ScriptedMailer final : public Mailer {
 public:
  void Script(std::vector<Status> results) {
    std::lock_guard lock(mu_);
    script_.assign(results.begin(), results.end());
  }
  // Every Send answers `status` from now on.
  void Always(Status status) {
    std::lock_guard lock(mu_);
    script_.clear();
    always_ = std::move(status);
  }
  Status Send(const MailMessage& message, Millis now) override {
    std::lock_guard lock(mu_);
    sends_.push_back(message);
    times_.push_back(now);
    if (script_.empty()) return always_;
    Status s = script_.front();
    script_.pop_front();
    return s;
  }
  std::vector<MailMessage> sends() const {
    std::lock_guard lock(mu_);
    return sends_;
  }
  std::vector<Millis> times() const {
    std::lock_guard lock(mu_);
    return times_;
  }

 private:
  mutable std::mutex mu_;
  std::deque<Status> script_;
  Status always_;
  std::vector<MailMessage> sends_;
  std::vector<Millis> times_;
};

// A SentLog whose next `n` lookups answer Unavailable.
class FlakySentLog final : public SentLog {
 public:
  explicit FlakySentLog(int failures) : failures_(failures) {}
  Result<std::optional<JobState>> Get(const std::string& id) override {
    if (failures_-- > 0) return Status::Unavailable("sent log down");
    return inner_.Get(id);
  }
  Status Put(const std::string& id, const JobState& state) override {
    return inner_.Put(id, state);
  }

 private:
  std::atomic<int> failures_;
  MemorySentLog inner_;
};

MailJob Job(const std::string& id) {
  MailJob job;
  job.id = id;
  job.to = {"ops@example.com", "Anh <anh@example.com>"};
  job.subject = "Uptime " + id;
  job.text = "99.9%";
  job.html = "<b>99.9%</b>";
  job.attachments = {{"uptime.xlsx", "application/octet-stream", std::string("PK\0\3", 4)}};
  return job;
}

class MailServiceTest : public ::testing::Test {
 protected:
  MailServiceTest() {
    options_.from = "SMS <sms@example.com>";
    options_.backoff_initial = 1ms;
    options_.backoff_max = 4ms;
    options_.poll_wait = 20ms;
  }
  ~MailServiceTest() override {
    if (service_) service_->Stop();
  }

  std::unique_ptr<MailService> NewService() {
    return std::make_unique<MailService>(options_,
                                         MailBackends{bus_, mailer_, sent_log_, clock_, metrics_});
  }
  void StartService() {
    service_ = NewService();
    ASSERT_TRUE(service_->Start().ok());
  }
  void Publish(const std::string& payload, const std::string& key = "k") {
    ASSERT_TRUE(bus_->Publish(bus::kMailTopic, key, payload).ok());
  }
  uint64_t Count(const char* name) { return metrics_->GetCounter(name, "").Value(); }
  // Everything on mail.dlq so far, as JSON objects.
  std::vector<json::object> DeadLetters() {
    if (!dlq_) dlq_ = ValueOrThrow(bus_->Subscribe(bus::kMailDeadLetterTopic, "test"), "dlq");
    auto polled = dlq_->Poll(100, 0ms);
    EXPECT_TRUE(polled.ok()) << polled.status().ToString();
    if (!polled.ok()) return dead_;
    for (const bus::Message& m : *polled) {
      dead_.push_back(json::parse(m.payload).as_object());
    }
    return dead_;
  }
  std::optional<JobState> Logged(const std::string& id) {
    return ValueOrThrow(sent_log_->Get(id), "the sent log");
  }

  MailServiceOptions options_;
  std::shared_ptr<bus::MemoryBus> memory_bus_ = std::make_shared<bus::MemoryBus>();
  bus::BusPtr bus_ = memory_bus_;
  std::shared_ptr<ScriptedMailer> mailer_ = std::make_shared<ScriptedMailer>();
  SentLogPtr sent_log_ = std::make_shared<MemorySentLog>();
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(kNow);
  std::shared_ptr<metrics::Metrics> metrics_ = std::make_shared<metrics::Metrics>();
  std::unique_ptr<MailService> service_;
  std::unique_ptr<bus::Consumer> dlq_;
  std::vector<json::object> dead_;
};

TEST(BackoffDelayTest, DoublesFromTheInitialWaitUpToTheMaximum) {
  EXPECT_EQ(BackoffDelay(1, 1000ms, 60s), 1000ms);
  EXPECT_EQ(BackoffDelay(2, 1000ms, 60s), 2000ms);
  EXPECT_EQ(BackoffDelay(3, 1000ms, 60s), 4000ms);
  EXPECT_EQ(BackoffDelay(6, 1000ms, 60s), 32s);
  EXPECT_EQ(BackoffDelay(7, 1000ms, 60s), 60s);
  EXPECT_EQ(BackoffDelay(1000, 1000ms, 60s), 60s);  // no overflow on a long outage
}

TEST_F(MailServiceTest, SendsAJobFromTheConfiguredSenderAndCommitsIt) {
  StartService();
  Publish(EncodeJob(Job("job-1")));
  ASSERT_TRUE(WaitUntil([&] { return Count("sms_mail_sent_total") == 1; }));
  auto sends = mailer_->sends();
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(sends[0].id, "job-1");
  EXPECT_EQ(sends[0].from, "SMS <sms@example.com>");
  EXPECT_EQ(sends[0].to, Job("job-1").to);
  EXPECT_EQ(sends[0].subject, "Uptime job-1");
  EXPECT_EQ(sends[0].html, "<b>99.9%</b>");
  ASSERT_EQ(sends[0].attachments.size(), 1u);
  EXPECT_EQ(sends[0].attachments[0].data, std::string("PK\0\3", 4));
  EXPECT_EQ(mailer_->times(), std::vector<Millis>{kNow});
  auto state = Logged("job-1");
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->outcome, JobOutcome::kSent);
  EXPECT_EQ(state->attempts, 1);
  EXPECT_EQ(state->at, kNow);
  ASSERT_TRUE(WaitUntil([&] {
    auto depth = bus_->Depth(bus::kMailTopic);
    return depth.ok() && *depth == 0;
  }));  // committed
  EXPECT_NE(metrics_->Render().find("sms_bus_queue_depth{topic=\"mail\"} 0"), std::string::npos);
}

TEST_F(MailServiceTest, ARedeliveredJobIsNotSentAgain) {
  StartService();
  Publish(EncodeJob(Job("job-dup")));
  Publish(EncodeJob(Job("job-dup")));  // what the bus hands out again after a lost commit
  ASSERT_TRUE(WaitUntil([&] { return Count("sms_mail_duplicates_total") == 1; }));
  EXPECT_EQ(mailer_->sends().size(), 1u);
  EXPECT_EQ(Count("sms_mail_sent_total"), 1u);
}

TEST_F(MailServiceTest, AJobSentBeforeACrashIsSkippedByTheNextConsumer) {
  auto faulty = std::make_shared<bus::FaultyBus>(bus_);
  bus_ = faulty;
  faulty->CrashOnCommitAt(1);  // the mail goes out, then the consumer dies before committing
  StartService();
  Publish(EncodeJob(Job("job-crash")));
  ASSERT_TRUE(WaitUntil([&] { return Count("sms_mail_sent_total") == 1; }));
  service_->Stop();
  EXPECT_EQ(bus_->Depth(bus::kMailTopic).value(), 1) << "the uncommitted job is back on the bus";
  StartService();  // a new member of the group gets the job again
  ASSERT_TRUE(WaitUntil([&] { return Count("sms_mail_duplicates_total") == 1; }));
  EXPECT_EQ(mailer_->sends().size(), 1u);
  ASSERT_TRUE(WaitUntil([&] {
    auto depth = bus_->Depth(bus::kMailTopic);
    return depth.ok() && *depth == 0;
  }));
}

TEST_F(MailServiceTest, TemporaryFailuresAreRetriedThenTheMailIsSent) {
  mailer_->Script({Status::Unavailable("451 try later"), Status::Unavailable("connect refused"),
                   Status::Unavailable("451 try later")});
  StartService();
  Publish(EncodeJob(Job("job-retry")));
  ASSERT_TRUE(WaitUntil([&] { return Count("sms_mail_sent_total") == 1; }));
  EXPECT_EQ(mailer_->sends().size(), 4u);
  EXPECT_EQ(Count("sms_mail_retries_total"), 3u);
  EXPECT_EQ(Count("sms_mail_failed_total"), 0u);
  auto state = Logged("job-retry");
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->attempts, 4);
  EXPECT_TRUE(DeadLetters().empty());
}

TEST_F(MailServiceTest, AfterMaxAttemptsTheJobGoesToTheDeadLetterTopicWithItsLastError) {
  options_.max_attempts = 3;
  mailer_->Always(Status::Unavailable("smtp 10.0.0.1:25: 421 too busy"));
  mailer_->Script({Status::Unavailable("first"), Status::Unavailable("second")});
  StartService();
  Publish(EncodeJob(Job("job-dead")));
  ASSERT_TRUE(WaitUntil([&] { return DeadLetters().size() == 1; }));
  json::object dead = DeadLetters()[0];
  EXPECT_EQ(dead.at("id").as_string(), "job-dead");
  EXPECT_EQ(dead.at("attempts").as_int64(), 3);
  EXPECT_EQ(dead.at("error").as_string(), "unavailable: smtp 10.0.0.1:25: 421 too busy");
  auto job = DecodeJob(json::serialize(dead));  // still a job: it can be replayed as is
  ASSERT_TRUE(job.ok());
  ASSERT_EQ(job->attachments.size(), 1u);
  EXPECT_EQ(job->attachments[0].data, std::string("PK\0\3", 4));
  EXPECT_EQ(mailer_->sends().size(), 3u);
  EXPECT_EQ(Count("sms_mail_retries_total"), 2u);
  ASSERT_TRUE(WaitUntil([&] { return Count("sms_mail_failed_total") == 1; }));
  auto state = Logged("job-dead");
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->outcome, JobOutcome::kFailed);
  EXPECT_EQ(state->attempts, 3);
  ASSERT_TRUE(WaitUntil([&] {
    auto depth = bus_->Depth(bus::kMailTopic);
    return depth.ok() && *depth == 0;
  }));
}

TEST_F(MailServiceTest, APermanentFailureGoesStraightToTheDeadLetterTopic) {
  mailer_->Script({Status::InvalidArgument("smtp mx:25: RCPT failed: 550 no such user", "to")});
  StartService();
  Publish(EncodeJob(Job("job-550")));
  ASSERT_TRUE(WaitUntil([&] { return DeadLetters().size() == 1; }));
  EXPECT_EQ(DeadLetters()[0].at("attempts").as_int64(), 1);
  EXPECT_NE(DeadLetters()[0].at("error").as_string().find("550"), std::string::npos);
  EXPECT_EQ(mailer_->sends().size(), 1u);
  EXPECT_EQ(Count("sms_mail_retries_total"), 0u);
}

TEST_F(MailServiceTest, AJobThatFailedForGoodIsNotRetriedWhenRedelivered) {
  mailer_->Script({Status::InvalidArgument("550 no", "to")});
  StartService();
  Publish(EncodeJob(Job("job-gone")));
  Publish(EncodeJob(Job("job-gone")));
  ASSERT_TRUE(WaitUntil([&] { return Count("sms_mail_duplicates_total") == 1; }));
  EXPECT_EQ(mailer_->sends().size(), 1u);
  EXPECT_EQ(DeadLetters().size(), 1u);
}

TEST_F(MailServiceTest, AMessageThatIsNotAJobIsDeadLetteredAndTheNextJobStillGoes) {
  StartService();
  Publish("{not json", "key-7");
  Publish(EncodeJob(Job("job-after")));
  ASSERT_TRUE(WaitUntil([&] { return Count("sms_mail_sent_total") == 1; }));
  ASSERT_EQ(DeadLetters().size(), 1u);
  EXPECT_EQ(DeadLetters()[0].at("payload").as_string(), "{not json");
  EXPECT_NE(DeadLetters()[0].at("error").as_string().find("not a JSON object"), std::string::npos);
  EXPECT_EQ(Count("sms_mail_failed_total"), 1u);
  EXPECT_EQ(mailer_->sends().size(), 1u);
}

TEST_F(MailServiceTest, StopInterruptsABackoffAndLeavesTheJobForRedelivery) {
  options_.backoff_initial = 60s;
  options_.backoff_max = 60s;
  mailer_->Script({Status::Unavailable("down")});
  StartService();
  Publish(EncodeJob(Job("job-stop")));
  ASSERT_TRUE(WaitUntil([&] { return mailer_->sends().size() == 1; }));
  auto started = std::chrono::steady_clock::now();
  service_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_EQ(bus_->Depth(bus::kMailTopic).value(), 1);
  EXPECT_FALSE(Logged("job-stop").has_value());
  StartService();  // the next replica gets it and the server is back
  ASSERT_TRUE(WaitUntil([&] { return Count("sms_mail_sent_total") == 1; }));
  EXPECT_EQ(mailer_->sends().size(), 2u);
}

TEST_F(MailServiceTest, AFailedDeadLetterPublishIsRetriedNotLost) {
  auto faulty = std::make_shared<bus::FaultyBus>(bus_);
  bus_ = faulty;
  mailer_->Script({Status::InvalidArgument("550 no", "to")});
  Publish(EncodeJob(Job("job-dlq-retry")));
  faulty->FailPublishAt(1);  // the dead-letter publish
  StartService();
  ASSERT_TRUE(WaitUntil([&] { return DeadLetters().size() == 1; }));
  EXPECT_EQ(faulty->failed_publishes(), 1);
  EXPECT_EQ(mailer_->sends().size(), 1u);
  ASSERT_TRUE(WaitUntil([&] { return Count("sms_mail_failed_total") == 1; }));
}

TEST_F(MailServiceTest, ASentLogThatIsDownIsWaitedFor) {
  sent_log_ = std::make_shared<FlakySentLog>(3);
  StartService();
  Publish(EncodeJob(Job("job-log")));
  ASSERT_TRUE(WaitUntil([&] { return Count("sms_mail_sent_total") == 1; }));
  EXPECT_EQ(mailer_->sends().size(), 1u);
}

TEST_F(MailServiceTest, StartRejectsBadOptions) {
  options_.from = "not a mailbox";
  EXPECT_EQ(NewService()->Start().field(), "mail_from");
  options_.from = "sms@example.com";
  options_.max_attempts = 0;
  EXPECT_EQ(NewService()->Start().field(), "mail_max_attempts");
  options_.max_attempts = 1;
  options_.backoff_initial = 2s;
  options_.backoff_max = 1s;
  EXPECT_EQ(NewService()->Start().field(), "mail_backoff");
}

TEST_F(MailServiceTest, WithTheOutboxMailerARedeliveredJobLeavesOneFile) {
  auto dir = std::filesystem::temp_directory_path() /
             ("sms_mail_service_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto outbox = std::make_shared<OutboxMailer>((dir / "outbox").string());
  auto service = std::make_unique<MailService>(
      options_, MailBackends{bus_, outbox, sent_log_, clock_, metrics_});
  EXPECT_EQ(service->Handle({bus::kMailTopic, "k", EncodeJob(Job("job-eml"))}), JobResult::kSent);
  EXPECT_EQ(service->Handle({bus::kMailTopic, "k", EncodeJob(Job("job-eml"))}),
            JobResult::kSkipped);
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir / "outbox")) {
    files.push_back(e.path().filename().string());
  }
  EXPECT_EQ(files, std::vector<std::string>{"job-eml.eml"});
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sms::mail
