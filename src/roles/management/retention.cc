#include "roles/management/retention.h"

#include <spdlog/spdlog.h>

#include "core/thread_name.h"

namespace sms::management {
namespace {

constexpr const char* kPruned = "sms_retention_rows_pruned_total";
constexpr const char* kPrunedHelp =
    "Rows deleted by the retention schedule (expired sessions, old reports, old mail outcomes, "
    "resolved alerts, finished notifications).";

}  // namespace

Retention::Retention(RetentionOptions options, RetentionBackends backends)
    : options_(std::move(options)),
      b_(std::move(backends)),
      indices_(b_.metrics->GetCounter("sms_retention_indices_deleted_total",
                                      "Daily heartbeat indices deleted past the retention.")),
      sessions_(b_.metrics->GetCounter(kPruned, kPrunedHelp, "table=\"sessions\"")),
      reports_(b_.metrics->GetCounter(kPruned, kPrunedHelp, "table=\"reports\"")),
      outcomes_(b_.metrics->GetCounter(kPruned, kPrunedHelp, "table=\"mail_outcomes\"")),
      alerts_(b_.metrics->GetCounter(kPruned, kPrunedHelp, "table=\"alerts\"")),
      notifications_(
          b_.metrics->GetCounter(kPruned, kPrunedHelp, "table=\"alert_notifications\"")) {}

Retention::~Retention() { Stop(); }

Result<RetentionRun> Retention::Tick() {
  Millis now = b_.clock->Now();
  RetentionRun run;
  Result<bool> claimed = b_.schedule->ClaimRun(kJob, now, now + options_.every);
  if (!claimed.ok()) return claimed.status();
  run.claimed = *claimed;
  if (!run.claimed) return run;  // not due, or another replica has it
  // Both go ahead whatever the other does: the search backend being down is no reason to keep
  // expired sessions, nor the other way round.
  Status pruned = Prune(now, run.pruned);
  Result<int64_t> expired = b_.history->Expire(now);
  if (expired.ok()) {
    run.indices_deleted = *expired;
    indices_.Inc(uint64_t(*expired));
  }
  const store::PruneCounts& p = run.pruned;
  if (run.indices_deleted + p.sessions + p.reports + p.mail_outcomes + p.alerts + p.notifications >
      0) {
    spdlog::info(
        "retention: deleted {} heartbeat indices, {} sessions, {} reports, {} mail "
        "outcomes, {} alerts, {} notifications",
        run.indices_deleted, p.sessions, p.reports, p.mail_outcomes, p.alerts, p.notifications);
  }
  if (!pruned.ok()) return pruned;
  if (!expired.ok()) return expired.status();
  return run;
}

Status Retention::Prune(Millis now, store::PruneCounts& total) {
  store::PruneRequest request = store::PruneFor(options_.policy, now);
  for (int call = 0; call < options_.max_prune_calls; ++call) {
    Result<store::PruneCounts> counts = b_.store->Prune(request);
    if (!counts.ok()) return counts.status();
    total.sessions += counts->sessions;
    total.reports += counts->reports;
    total.mail_outcomes += counts->mail_outcomes;
    total.alerts += counts->alerts;
    total.notifications += counts->notifications;
    sessions_.Inc(uint64_t(counts->sessions));
    reports_.Inc(uint64_t(counts->reports));
    outcomes_.Inc(uint64_t(counts->mail_outcomes));
    alerts_.Inc(uint64_t(counts->alerts));
    notifications_.Inc(uint64_t(counts->notifications));
    // A backlog larger than a run's share waits for the next run, in small transactions.
    if (!store::PruneMayContinue(request, *counts)) break;
  }
  return Status::Ok();
}

void Retention::Start() {
  thread_ = std::thread([this] {
    NameThisThread("sms-retention");
    std::unique_lock lock(mu_);
    for (;;) {
      lock.unlock();
      Result<RetentionRun> run = Tick();
      if (!run.ok()) spdlog::warn("retention: {} (the next run goes on)", run.status().ToString());
      lock.lock();
      if (cv_.wait_for(lock, options_.tick, [this] { return stopping_; })) return;
    }
  });
}

void Retention::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace sms::management
