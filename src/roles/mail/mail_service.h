#pragma once
// The mail role: consumes the bus topic "mail" (group "sms-mail") one job at a time and
// delivers each through a Mailer (SMTP, or .eml files in the outbox):
//
//   - a message that is not a job (mail/job.h)    -> "mail.dlq" as {"error","payload"}
//   - a job whose id the SentLog knows             -> skipped: a redelivered job is not sent
//                                                     again, whether it was sent or failed
//   - Send OK                                      -> SentLog "sent"
//   - Send Unavailable (temporary)                 -> wait, doubling from backoff_initial up
//                                                     to backoff_max, and send again, up to
//                                                     max_attempts attempts in all
//   - any other error (permanent), or the last of
//     max_attempts temporary ones                  -> the job with `attempts` and `error` to
//                                                     "mail.dlq", SentLog "failed"
//
// A job is committed on the bus only after its outcome is recorded (at-least-once). If the
// process stops or dies before that, the bus delivers the job again and the SentLog decides;
// the one window left is a crash between the server taking a mail and the SentLog recording
// it, which sends that mail twice (with the same Message-ID, so clients can fold them).
// Likewise a dead letter is published before "failed" is recorded: a crash between the two
// dead-letters the job again on redelivery (a second message with the same key), where the
// other order would record it as handled and lose the dead letter. A reader therefore sees the
// dead letter first and the SentLog record a moment later.
//
// Jobs go through in order; a job waiting to retry holds up the ones behind it, which would
// meet the same unreachable server. Start/Stop from one thread; the loop runs on its own.
// Handle may be called without Start (tests).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "bus/bus.h"
#include "core/clock.h"
#include "mail/job.h"
#include "mail/mailer.h"
#include "mail/sent_log.h"
#include "metrics/metrics.h"

namespace sms::mail {

struct MailServiceOptions {
  std::string from = "SMS <sms@localhost>";  // --mail-from: the From of every mail
  std::string group = "sms-mail";
  int max_attempts = 8;                             // Send calls per job at most
  std::chrono::milliseconds backoff_initial{1000};  // the wait after the first failure
  std::chrono::milliseconds backoff_max{60'000};    // the longest wait
  std::chrono::milliseconds poll_wait{500};         // how long one bus poll waits
};

struct MailBackends {
  bus::BusPtr bus;
  MailerPtr mailer;
  SentLogPtr sent_log;
  ClockPtr clock;
  std::shared_ptr<metrics::Metrics> metrics;
};

// What Handle did with one bus message.
enum class JobResult {
  kSent,          // delivered and recorded
  kSkipped,       // the SentLog already had the id
  kDeadLettered,  // published on "mail.dlq" (and recorded "failed" when it had an id)
  kStopped,       // Stop came first; nothing recorded, so the job must not be committed
};

class MailService {
 public:
  MailService(MailServiceOptions options, MailBackends backends);
  ~MailService();
  MailService(const MailService&) = delete;
  MailService& operator=(const MailService&) = delete;

  // InvalidArgument when `from` is not a mailbox (mail/mime.h ValidateMailbox), max_attempts
  // < 1, or the backoffs are not 0 < initial <= max. Otherwise subscribes, logs where mail
  // goes, and starts the loop.
  Status Start();
  // Interrupts a backoff wait (that job stays uncommitted, for redelivery), lets a Send in
  // progress end (bounded by the Mailer's timeout) and joins the loop. Idempotent.
  void Stop();

  // Handles one bus message as the loop does (see the class comment), without committing.
  JobResult Handle(const bus::Message& message);

 private:
  void Loop();
  JobResult Deliver(MailJob& job);
  JobResult DeadLetter(const std::string& key, const std::string& payload, const MailJob* job);
  // Calls `op` until it succeeds, backing off between tries; false when stopped first.
  bool UntilOk(const char* what, const std::function<Status()>& op);
  // Sleeps `delay` unless Stop comes first; false when stopped.
  bool Wait(std::chrono::milliseconds delay);

  const MailServiceOptions options_;
  const MailBackends b_;
  std::unique_ptr<bus::Consumer> consumer_;
  std::thread thread_;
  std::mutex mu_;  // with cv_, wakes a Wait on Stop
  std::condition_variable cv_;
  std::atomic<bool> stopping_{false};
  metrics::Counter& sent_;
  metrics::Counter& failed_;
  metrics::Counter& retries_;
  metrics::Counter& duplicates_;
};

// The wait before retry `retry` (1 = after the first failed attempt): initial * 2^(retry - 1),
// at most `max`.
std::chrono::milliseconds BackoffDelay(int retry, std::chrono::milliseconds initial,
                                       std::chrono::milliseconds max);

}  // namespace sms::mail
