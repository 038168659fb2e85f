// MailService end to end over real SMTP: jobs on the bus, mail read back from Mailpit's API.
// The shared Mailpit (scripts/services: SMS_SMTP_URL, SMS_MAILPIT_API) receives; private
// Mailpit instances play a server that refuses recipients (550) and one that comes up only
// after the job was queued. Skipped without them.

#include <gtest/gtest.h>

#include <cstdlib>

#include "bus/faulty_bus.h"
#include "bus/memory_bus.h"
#include "mail/mailpit_test_util.h"
#include "mail/memory_sent_log.h"
#include "roles/mail/mail_service.h"

namespace sms::mail {
namespace {

using namespace std::chrono_literals;
using testing::MailpitApi;
using testing::MailpitBinary;
using testing::PrivateMailpit;
using testing::UniqueToken;
using testing::WaitUntil;
namespace json = boost::json;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : v;
}

std::string Spreadsheet() {
  std::string s = "PK\3\4";
  for (int i = 0; i < 3000; ++i) s += char(i * 7 % 256);
  return s;
}

MailJob Job(const std::string& token) {
  MailJob job;
  job.id = token;
  job.to = {"admin@example.com", "Trực ca <oncall@example.com>"};
  job.subject = "Uptime report " + token;
  job.text = "Servers: 3\nAverage uptime: 99.95%";
  job.html = "<h1>Uptime report</h1><p>Average uptime: 99.95%</p>";
  job.attachments = {{"uptime-2025-11-27.xlsx",
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      Spreadsheet()}};
  return job;
}

class MailServiceMailpitTest : public ::testing::Test {
 protected:
  MailServiceMailpitTest() {
    options_.from = "SMS <sms@example.com>";
    options_.poll_wait = 50ms;
    options_.backoff_initial = 200ms;
    options_.backoff_max = 1s;
  }
  ~MailServiceMailpitTest() override {
    if (service_) service_->Stop();
  }
  void Start(const MailerConfig& config) {
    auto mailer = MakeMailer(config);
    ASSERT_TRUE(mailer.ok()) << mailer.status().ToString();
    service_ = std::make_unique<MailService>(
        options_, MailBackends{bus_, *mailer, sent_log_, clock_, metrics_});
    ASSERT_TRUE(service_->Start().ok());
  }
  uint64_t Count(const char* name) { return metrics_->GetCounter(name, "").Value(); }
  // The outcome the service records for job `id`, once it has; nullopt when none within 15 s.
  std::optional<JobState> WaitForOutcome(const std::string& id) {
    std::optional<JobState> state;
    WaitUntil([&] {
      auto got = sent_log_->Get(id);
      if (got.ok()) state = *got;
      return state.has_value();
    });
    return state;
  }

  MailServiceOptions options_;
  bus::BusPtr bus_ = std::make_shared<bus::MemoryBus>();
  SentLogPtr sent_log_ = std::make_shared<MemorySentLog>();
  ClockPtr clock_ = std::make_shared<SystemClock>();
  std::shared_ptr<metrics::Metrics> metrics_ = std::make_shared<metrics::Metrics>();
  std::unique_ptr<MailService> service_;
};

TEST_F(MailServiceMailpitTest, DeliversTheJobAndARedeliveredJobSendsNoSecondMail) {
  if (Env("SMS_SMTP_URL").empty() || Env("SMS_MAILPIT_API").empty()) {
    GTEST_SKIP() << "SMS_SMTP_URL / SMS_MAILPIT_API unset (scripts/services start mailpit)";
  }
  MailpitApi api(Env("SMS_MAILPIT_API"));
  auto faulty = std::make_shared<bus::FaultyBus>(bus_);
  bus_ = faulty;
  faulty->CrashOnCommitAt(1);  // the mail is out, then the consumer dies before its commit
  Start({.smtp_url = Env("SMS_SMTP_URL")});
  std::string token = UniqueToken("svc-deliver");
  ASSERT_TRUE(bus_->Publish(bus::kMailTopic, token, EncodeJob(Job(token))).ok());

  auto found = api.WaitForSubject(token);
  ASSERT_EQ(found.size(), 1u);
  json::object got = api.Message(std::string(found[0].at("ID").as_string()));
  EXPECT_EQ(got.at("Subject").as_string(), "Uptime report " + token);
  EXPECT_EQ(got.at("From").at("Address").as_string(), "sms@example.com");
  const json::array& to = got.at("To").as_array();
  ASSERT_EQ(to.size(), 2u);
  EXPECT_EQ(to[0].at("Address").as_string(), "admin@example.com");
  EXPECT_EQ(to[1].at("Address").as_string(), "oncall@example.com");
  EXPECT_EQ(to[1].at("Name").as_string(), "Trực ca");
  EXPECT_EQ(got.at("Text").as_string(), "Servers: 3\r\nAverage uptime: 99.95%");
  EXPECT_EQ(got.at("HTML").as_string(), "<h1>Uptime report</h1><p>Average uptime: 99.95%</p>");
  const json::array& attachments = got.at("Attachments").as_array();
  ASSERT_EQ(attachments.size(), 1u);
  EXPECT_EQ(attachments[0].at("FileName").as_string(), "uptime-2025-11-27.xlsx");
  EXPECT_EQ(api.Part(std::string(got.at("ID").as_string()),
                     std::string(attachments[0].at("PartID").as_string())),
            Spreadsheet());

  // The crashed consumer never committed: the bus hands the job to the next one.
  ASSERT_TRUE(WaitUntil([&] { return Count("sms_mail_sent_total") == 1; }));
  service_->Stop();
  ASSERT_EQ(bus_->Depth(bus::kMailTopic).value(), 1);
  Start({.smtp_url = Env("SMS_SMTP_URL")});
  ASSERT_TRUE(WaitUntil([&] { return Count("sms_mail_duplicates_total") == 1; }));
  ASSERT_TRUE(WaitUntil([&] {
    auto depth = bus_->Depth(bus::kMailTopic);
    return depth.ok() && *depth == 0;
  }));
  // Jobs go through in order: once a job queued after it is in, a second mail would be too.
  std::string next = UniqueToken("svc-next");
  ASSERT_TRUE(bus_->Publish(bus::kMailTopic, next, EncodeJob(Job(next))).ok());
  ASSERT_EQ(api.WaitForSubject(next).size(), 1u);
  EXPECT_EQ(api.Search("subject:\"" + token + "\"").size(), 1u);
}

TEST_F(MailServiceMailpitTest, AServerThatRefusesTheRecipientSendsTheJobToTheDeadLetterTopic) {
  if (MailpitBinary().empty()) GTEST_SKIP() << "no Mailpit binary (or SMS_MAILPIT_BIN)";
  PrivateMailpit mp({"--smtp-allowed-recipients", "^someone-else@example\\.com$"});
  ASSERT_TRUE(mp.Start()) << "see " << mp.dir() / "log";
  auto dlq = bus_->Subscribe(bus::kMailDeadLetterTopic, "test");
  ASSERT_TRUE(dlq.ok()) << dlq.status().ToString();
  Start({.smtp_url = mp.smtp_url()});
  std::string token = UniqueToken("svc-550");
  ASSERT_TRUE(bus_->Publish(bus::kMailTopic, token, EncodeJob(Job(token))).ok());

  std::vector<bus::Message> dead;
  ASSERT_TRUE(WaitUntil([&] {
    auto polled = (*dlq)->Poll(10, 10ms);
    if (polled.ok()) dead.insert(dead.end(), polled->begin(), polled->end());
    return !dead.empty();
  }));
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].key, token);
  auto job = DecodeJob(dead[0].payload);
  ASSERT_TRUE(job.ok()) << dead[0].payload;
  EXPECT_EQ(job->id, token);
  EXPECT_EQ(job->attempts, 1) << "5xx is permanent: no retry";
  EXPECT_NE(job->error.find("550"), std::string::npos) << job->error;
  ASSERT_EQ(job->attachments.size(), 1u);
  EXPECT_EQ(job->attachments[0].data, Spreadsheet());
  EXPECT_EQ(Count("sms_mail_retries_total"), 0u);
  // The dead letter is published before the outcome is recorded (mail_service.h): wait for it.
  std::optional<JobState> state = WaitForOutcome(token);
  ASSERT_TRUE(state.has_value()) << "no outcome recorded for " << token;
  EXPECT_EQ(state->outcome, JobOutcome::kFailed);
  EXPECT_TRUE(MailpitApi(mp.api()).Search("subject:\"" + token + "\"").empty());
}

TEST_F(MailServiceMailpitTest, AServerThatIsDownThenUpGetsTheMailThroughRetries) {
  if (MailpitBinary().empty()) GTEST_SKIP() << "no Mailpit binary (or SMS_MAILPIT_BIN)";
  options_.max_attempts = 40;
  int port = testing::FreePort();
  Start({.smtp_url = "smtp://127.0.0.1:" + std::to_string(port),
         .connect_timeout = std::chrono::seconds(2)});
  std::string token = UniqueToken("svc-late");
  ASSERT_TRUE(bus_->Publish(bus::kMailTopic, token, EncodeJob(Job(token))).ok());
  ASSERT_TRUE(WaitUntil([&] { return Count("sms_mail_retries_total") >= 3; }));
  EXPECT_EQ(Count("sms_mail_sent_total"), 0u);

  PrivateMailpit mp({}, port);  // the server comes up on the port the job is waiting for
  ASSERT_TRUE(mp.Start()) << "see " << mp.dir() / "log";
  auto found = MailpitApi(mp.api()).WaitForSubject(token, 1, 20s);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].at("Attachments").as_int64(), 1);
  ASSERT_TRUE(WaitUntil([&] { return Count("sms_mail_sent_total") == 1; }));
  EXPECT_EQ(Count("sms_mail_failed_total"), 0u);
  std::optional<JobState> state = WaitForOutcome(token);
  ASSERT_TRUE(state.has_value()) << "no outcome recorded for " << token;
  EXPECT_GE(state->attempts, 3);
}

}  // namespace
}  // namespace sms::mail
