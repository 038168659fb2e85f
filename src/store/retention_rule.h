#pragma once
// What the retention schedule deletes from the SQL store, and when a row is old enough: the
// rule behind Store::Prune, shared by every Store implementation so they cannot drift apart
// (each store only speaks its SQL). Pure functions.
//
// Alerts: resolved ones and ended notifications (sent, dead, digested) after alert_days.
//
// Never pruned: servers and their status history (uptime over any past window is answered from
// it), users and API tokens, the daily schedule's own record (report kind "schedule").

#include <cstdint>

#include "core/types.h"

namespace sms::store {

inline constexpr Millis kDayMillis = 86'400'000;
// The daily report schedule looks back 7 days (report::DailyReports::kCatchUpDays) for days to
// claim and reports to queue again: a daily report deleted sooner would be claimed and mailed
// a second time. Reports are therefore kept at least a day longer than that.
inline constexpr int kMinReportRetentionDays = 8;
// A mail outcome outlives the bus's retention by this much: a job may be redelivered until
// the bus drops it, and it was published (a little) before its outcome was recorded.
inline constexpr int kMailOutcomeMarginDays = 1;

// The settings the rule starts from.
struct RetentionPolicy {
  int report_days = 90;  // --report-retention-days (at least kMinReportRetentionDays)
  // --bus-retention-days: how long the bus may still deliver a mail job again (Kafka: the
  // retention of the mail topic; the broker's default is 7 days).
  int bus_retention_days = 7;
  int alert_days = 90;  // --alert-retention-days
};

// The rows Store::Prune deletes, by table: each older than its cutoff.
struct PruneRequest {
  Millis sessions_expired_before = 0;  // sessions whose expires_at <= this
  Millis reports_created_before = 0;   // reports of kind "manual" or "daily" created before this
  // Mail outcomes recorded before this whose report (the same id) is gone: while a report
  // exists, GET /reports/{id} and the scheduler's requeue read its outcome.
  Millis mail_outcomes_before = 0;
  // Alerts resolved before this, and notifications that ended (sent, dead, digested) before it.
  Millis alerts_before = 0;
  int64_t limit = 10000;  // rows per table per call
};

struct PruneCounts {
  int64_t sessions = 0;
  int64_t reports = 0;
  int64_t mail_outcomes = 0;
  int64_t alerts = 0;
  int64_t notifications = 0;
};

// The request that `policy` makes as of `now`: sessions as soon as they expire; reports after
// report_days (at least kMinReportRetentionDays); mail outcomes after the bus's retention plus
// kMailOutcomeMarginDays (the retention counted as at least one day); alerts after alert_days
// (at least one).
PruneRequest PruneFor(const RetentionPolicy& policy, Millis now);

// True when a Prune call that returned `counts` for `request` may have left rows behind (some
// table reached the limit): call again.
bool PruneMayContinue(const PruneRequest& request, const PruneCounts& counts);

}  // namespace sms::store
