#include "roles/mail/notifier.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "alert/channel.h"
#include "alert/payload.h"
#include "alert/webhook.h"
#include "core/thread_name.h"
#include "roles/mail/mail_service.h"

namespace sms::mail {

Notifier::Notifier(NotifierOptions options, NotifierBackends backends)
    : options_(std::move(options)),
      b_(std::move(backends)),
      sent_(b_.metrics->GetCounter("sms_alert_notifications_sent_total",
                                   "Alert notifications delivered.")),
      retried_(
          b_.metrics->GetCounter("sms_alert_notifications_retried_total",
                                 "Alert notification attempts that failed and will be retried.")),
      dead_(b_.metrics->GetCounter("sms_alert_notifications_dead_total",
                                   "Alert notifications given up on (the dead-letter list).")) {}

Notifier::~Notifier() { Stop(); }

void Notifier::Start() {
  spdlog::info("alerts: dispatching every {} ms, {} sender(s){}", options_.tick.count(),
               options_.senders,
               options_.allow_private ? "; private webhook addresses allowed" : "");
  threads_.emplace_back([this] {
    NameThisThread("sms-alert-plan");
    DispatchLoop();
  });
  for (int i = 0; i < options_.senders; ++i) {
    threads_.emplace_back([this] {
      NameThisThread("sms-alert-send");
      SendLoop();
    });
  }
}

void Notifier::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

bool Notifier::Wait(std::chrono::milliseconds delay) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, delay, [this] { return stopping_.load(); });
}

Result<int> Notifier::DispatchOnce() {
  int total = 0;
  for (;;) {
    Millis now = b_.clock->Now();
    auto plan = [&](const store::DispatchInput& in) -> Result<store::DispatchWrites> {
      return alert::PlanDispatch(in, options_.settings, b_.maintenance.get());
    };
    Result<int> taken = b_.alerts->Dispatch(now, options_.dispatch_limit, plan);
    if (!taken.ok()) return taken.status();
    total += *taken;
    if (*taken < options_.dispatch_limit || stopping_) return total;
  }
}

void Notifier::DispatchLoop() {
  while (Wait(options_.tick)) {
    Result<int> done = DispatchOnce();
    if (!done.ok()) spdlog::warn("alerts: dispatch failed: {}", done.status().ToString());
  }
}

Result<int> Notifier::DeliverOnce() {
  auto claimed = b_.alerts->ClaimDeliveries(b_.clock->Now(), lease_ms(), options_.claim_limit);
  if (!claimed.ok()) return claimed.status();
  for (const store::NotificationRecord& n : *claimed) {
    if (stopping_) break;  // the lease runs out and another replica sends it
    Deliver(n);
  }
  return static_cast<int>(claimed->size());
}

void Notifier::SendLoop() {
  while (!stopping_) {
    Result<int> done = DeliverOnce();
    if (!done.ok())
      spdlog::warn("alerts: claiming deliveries failed: {}", done.status().ToString());
    if (!done.ok() || *done == 0) Wait(options_.tick);
  }
}

void Notifier::Deliver(const store::NotificationRecord& n) {
  Status s = Send(n);
  store::DeliveryOutcome o;
  o.attempts = n.attempts + 1;
  o.at = b_.clock->Now();
  if (s.ok()) {
    o.state = "sent";
    sent_.Inc();
  } else if (s.retryable() && o.attempts < options_.max_attempts) {
    o.state = "pending";
    o.error = s.message();
    o.next_at =
        o.at + BackoffDelay(o.attempts, options_.backoff_initial, options_.backoff_max).count();
    retried_.Inc();
    spdlog::warn("alerts: delivery {} attempt {} failed, retrying: {}", n.id, o.attempts,
                 s.message());
  } else {
    o.state = "dead";
    o.error = s.message();
    dead_.Inc();
    spdlog::error("alerts: delivery {} given up after {} attempt(s): {}", n.id, o.attempts,
                  s.message());
  }
  Status put = b_.alerts->FinishDelivery(n.id, o);
  if (!put.ok()) spdlog::warn("alerts: recording delivery {}: {}", n.id, put.ToString());
}

Status Notifier::Send(const store::NotificationRecord& n) {
  auto channel = b_.alerts->GetChannel(n.channel_id);
  if (!channel.ok()) return Status::InvalidArgument("channel " + n.channel_id + ": gone");
  auto config = alert::ReadChannelConfig(channel->config);
  if (channel->type == "email") {
    MailMessage m;
    m.id = n.id;
    m.from = options_.from;
    m.to = config.emails;
    m.subject = alert::Summary(n.payload);
    m.text = m.subject + "\n\n" + n.payload + "\n";
    return b_.mailer ? b_.mailer->Send(m, b_.clock->Now())
                     : Status::Unavailable("no mailer in this process");
  }
  alert::PostRequest req;
  req.url = config.url;
  req.body = alert::Render(channel->type, n.payload, config.chat_id);
  req.allow_private = options_.allow_private;
  req.timeout = options_.timeout;
  req.headers.push_back("X-SMS-Delivery: " + n.id);
  req.headers.push_back("X-SMS-Event: " + n.event);
  if (channel->type == "webhook" && !config.secret.empty()) {
    req.headers.push_back("X-SMS-Signature: " + alert::Signature(config.secret, req.body));
  }
  return alert::Post(req);
}

}  // namespace sms::mail
