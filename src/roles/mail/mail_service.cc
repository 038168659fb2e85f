#include "roles/mail/mail_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <utility>

#include "core/thread_name.h"
#include "mail/mime.h"

namespace sms::mail {
namespace {

constexpr auto kPollRetry = std::chrono::milliseconds(200);

}  // namespace

std::chrono::milliseconds BackoffDelay(int retry, std::chrono::milliseconds initial,
                                       std::chrono::milliseconds max) {
  auto delay = initial;
  for (int i = 1; i < retry && delay < max; ++i) delay *= 2;
  return std::min(delay, max);
}

MailService::MailService(MailServiceOptions options, MailBackends backends)
    : options_(std::move(options)),
      b_(std::move(backends)),
      sent_(b_.metrics->GetCounter("sms_mail_sent_total", "Mail jobs delivered.")),
      failed_(b_.metrics->GetCounter(
          "sms_mail_failed_total",
          "Mail messages given up on and published to mail.dlq (permanent errors, attempts "
          "exhausted, or not a mail job).")),
      retries_(b_.metrics->GetCounter("sms_mail_retries_total",
                                      "Deliveries attempted again after a temporary failure.")),
      duplicates_(b_.metrics->GetCounter(
          "sms_mail_duplicates_total",
          "Redelivered mail jobs skipped because their id was already sent or failed.")) {
  bus::AddDepthGauge(*b_.metrics, b_.bus, bus::kMailTopic);
}

MailService::~MailService() { Stop(); }

Status MailService::Start() {
  if (Status s = ValidateMailbox(options_.from, "mail_from"); !s.ok()) return s;
  if (options_.max_attempts < 1) {
    return Status::InvalidArgument("mail max attempts must be at least 1", "mail_max_attempts");
  }
  if (options_.backoff_initial.count() <= 0 || options_.backoff_max < options_.backoff_initial) {
    return Status::InvalidArgument("mail backoff must be 0 < initial <= max", "mail_backoff");
  }
  auto consumer = b_.bus->Subscribe(bus::kMailTopic, options_.group);
  if (!consumer.ok()) return consumer.status();
  consumer_ = std::move(consumer).value();
  spdlog::info("mail: consuming topic {} (group {}); delivering to {}", bus::kMailTopic,
               options_.group, b_.mailer->Describe());
  thread_ = std::thread([this] {
    NameThisThread("sms-mail");
    Loop();
  });
  return Status::Ok();
}

void MailService::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  consumer_.reset();
}

bool MailService::Wait(std::chrono::milliseconds delay) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, delay, [this] { return stopping_.load(); });
}

void MailService::Loop() {
  while (!stopping_) {
    // One job per poll: a commit then covers exactly the job whose outcome is recorded.
    auto polled = consumer_->Poll(1, options_.poll_wait);
    if (!polled.ok()) {
      spdlog::warn("mail: polling the bus failed: {}", polled.status().ToString());
      Wait(kPollRetry);
      continue;
    }
    if (polled->empty()) continue;
    if (Handle(polled->front()) == JobResult::kStopped) break;  // left for redelivery
    Status c = consumer_->Commit();
    if (!c.ok()) {
      spdlog::warn("mail: commit failed (the job will be redelivered and skipped): {}",
                   c.ToString());
    }
  }
}

JobResult MailService::Handle(const bus::Message& message) {
  auto job = DecodeJob(message.payload);
  if (!job.ok()) {
    spdlog::error("mail: dead-lettering a message that is not a mail job: {}",
                  job.status().ToString());
    boost::json::object o{{"error", job.status().ToString()}, {"payload", message.payload}};
    return DeadLetter(message.key, boost::json::serialize(o), nullptr);
  }
  std::optional<JobState> known;
  bool looked_up = UntilOk("reading the sent log", [&] {
    auto got = b_.sent_log->Get(job->id);
    if (got.ok()) known = *got;
    return got.status();
  });
  if (!looked_up) return JobResult::kStopped;
  if (known) {
    duplicates_.Inc();
    spdlog::info("mail: job {} was already {}; not sending it again", job->id,
                 OutcomeName(known->outcome));
    return JobResult::kSkipped;
  }
  return Deliver(*job);
}

JobResult MailService::Deliver(MailJob& job) {
  const MailMessage message = ToMessage(job, options_.from);
  Status last;
  for (int attempt = 1;; ++attempt) {
    last = b_.mailer->Send(message, b_.clock->Now());
    ++job.attempts;
    if (last.ok()) break;
    if (!last.retryable() || attempt >= options_.max_attempts) {
      job.error = last.ToString();
      spdlog::error("mail: job {} failed after {} attempt(s), to {}: {}", job.id, attempt,
                    bus::kMailDeadLetterTopic, job.error);
      return DeadLetter(job.id, EncodeJob(job), &job);
    }
    auto delay = BackoffDelay(attempt, options_.backoff_initial, options_.backoff_max);
    spdlog::warn("mail: job {} attempt {}/{} failed, retrying in {} ms: {}", job.id, attempt,
                 options_.max_attempts, delay.count(), last.ToString());
    if (!Wait(delay)) return JobResult::kStopped;
    retries_.Inc();
  }
  spdlog::info("mail: job {} sent to {} recipient(s)", job.id, job.to.size());
  Status put = b_.sent_log->Put(job.id, {JobOutcome::kSent, "", job.attempts, b_.clock->Now()});
  // The mail is out and cannot be taken back; committing anyway keeps the bus from asking
  // for it again, which is all the record was for.
  if (!put.ok()) spdlog::warn("mail: recording job {} as sent failed: {}", job.id, put.ToString());
  sent_.Inc();  // counted once recorded, so a reader of the metric finds the record
  return JobResult::kSent;
}

JobResult MailService::DeadLetter(const std::string& key, const std::string& payload,
                                  const MailJob* job) {
  // Publish first, record second (see the header): a crash in between repeats the dead letter
  // rather than losing it.
  bool published = UntilOk("publishing to the dead-letter topic", [&] {
    return b_.bus->Publish(bus::kMailDeadLetterTopic, key, payload);
  });
  if (!published) return JobResult::kStopped;
  if (job != nullptr) {
    Status put = b_.sent_log->Put(
        job->id, {JobOutcome::kFailed, job->error, job->attempts, b_.clock->Now()});
    if (!put.ok()) {
      spdlog::warn("mail: recording job {} as failed: {}", job->id, put.ToString());
    }
  }
  failed_.Inc();
  return JobResult::kDeadLettered;
}

bool MailService::UntilOk(const char* what, const std::function<Status()>& op) {
  for (int retry = 1;; ++retry) {
    Status s = op();
    if (s.ok()) return true;
    auto delay = BackoffDelay(retry, options_.backoff_initial, options_.backoff_max);
    spdlog::warn("mail: {} failed, retrying in {} ms: {}", what, delay.count(), s.ToString());
    if (!Wait(delay)) return false;
  }
}

}  // namespace sms::mail
