#pragma once
// The notifier: the alert half of the mail role. Two kinds of loop, on any number of replicas:
//
//   dispatch  every tick, store::AlertStore::Dispatch with alert::PlanDispatch: status
//             transitions from the outbox become alerts and notifications (one per transition,
//             rule and channel), pending alerts open, reminders fall due, grouping windows close
//   deliver   `senders` threads claim due notifications under a lease and send each once per
//             claim: webhooks (signed, X-SMS-Delivery = the notification id on every attempt),
//             the chat formats, and email through the role's Mailer. A 2xx or a sent mail ->
//             "sent"; a timeout, 429 or 5xx -> retried after BackoffDelay until max_attempts;
//             anything else, or the last attempt -> "dead" (the dead-letter list of the API)
//
// A replica that dies mid-send leaves its lease to expire and another sends again with the
// same delivery id: at-least-once, and a receiver drops the repeat by that id.
// Start/Stop from one thread; DispatchOnce/DeliverOnce are for tests (without Start).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "alert/planner.h"
#include "core/clock.h"
#include "mail/mailer.h"
#include "metrics/metrics.h"
#include "store/alert_store.h"

namespace sms::mail {

struct NotifierOptions {
  alert::AlertSettings settings;
  std::chrono::milliseconds tick{250};  // how often dispatch and idle senders look for work
  int dispatch_limit = 5000;            // transitions per Dispatch transaction
  int claim_limit = 20;                 // notifications one sender claims at a time
  int senders = 4;
  int max_attempts = 8;  // --alert-max-attempts
  std::chrono::milliseconds backoff_initial{1000};
  std::chrono::milliseconds backoff_max{300'000};
  std::chrono::milliseconds timeout{10'000};  // one HTTP request or mail
  bool allow_private = false;                 // --allow-private-webhooks
  std::string from = "SMS <sms@localhost>";   // the From of alert mail
};

struct NotifierBackends {
  store::AlertStorePtr alerts;
  MailerPtr mailer;  // email channels
  ClockPtr clock;
  std::shared_ptr<metrics::Metrics> metrics;
  alert::MaintenancePtr maintenance;  // optional
};

class Notifier {
 public:
  Notifier(NotifierOptions options, NotifierBackends backends);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  void Start();
  // Lets sends in progress end (bounded by the timeout) and joins the loops. Idempotent.
  void Stop();

  // One dispatch pass until the outbox is drained: how many transitions it took.
  Result<int> DispatchOnce();
  // Claims one batch and sends it: how many notifications were attempted.
  Result<int> DeliverOnce();

  // A notification's lease: long enough for one send to end.
  Millis lease_ms() const { return 2 * options_.timeout.count() + 5000; }

 private:
  void DispatchLoop();
  void SendLoop();
  // Sends `n` once and records the outcome.
  void Deliver(const store::NotificationRecord& n);
  Status Send(const store::NotificationRecord& n);
  bool Wait(std::chrono::milliseconds delay);

  const NotifierOptions options_;
  const NotifierBackends b_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stopping_{false};
  metrics::Counter& sent_;
  metrics::Counter& retried_;
  metrics::Counter& dead_;
};

}  // namespace sms::mail
