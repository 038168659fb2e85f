#include "store/retention_rule.h"

#include <algorithm>

namespace sms::store {

PruneRequest PruneFor(const RetentionPolicy& policy, Millis now) {
  PruneRequest r;
  r.sessions_expired_before = now;
  r.reports_created_before =
      now - std::max(policy.report_days, kMinReportRetentionDays) * kDayMillis;
  r.mail_outcomes_before =
      now - (std::max(policy.bus_retention_days, 1) + kMailOutcomeMarginDays) * kDayMillis;
  r.alerts_before = now - std::max(policy.alert_days, 1) * kDayMillis;
  return r;
}

bool PruneMayContinue(const PruneRequest& request, const PruneCounts& counts) {
  return std::max({counts.sessions, counts.reports, counts.mail_outcomes, counts.alerts,
                   counts.notifications}) >= request.limit;
}

}  // namespace sms::store
