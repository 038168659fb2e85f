#pragma once
// RetentionStore: deletes what is old enough from every table that has an end of life
// (sessions, reports, mail outcomes, alerts, notifications) — store/retention_rule.h says what
// is old enough. It spans the tables of several interfaces, so it is an interface of its own:
// only the retention job deletes across them. A narrow interface of Store (store.h).
// Implementations: SqliteStore, PostgresStore. Thread-safe.

#include <memory>

#include "core/status.h"
#include "store/retention_rule.h"

namespace sms::store {

class RetentionStore {
 public:
  virtual ~RetentionStore() = default;
  RetentionStore() = default;
  RetentionStore(const RetentionStore&) = delete;
  RetentionStore& operator=(const RetentionStore&) = delete;

  // Deletes, per table, at most request.limit of the rows `request` names, in one
  // transaction: sessions that expired at or before sessions_expired_before; reports of kind
  // "manual" or "daily" created before reports_created_before; mail outcomes recorded before
  // mail_outcomes_before whose report (same id) no longer exists, reports deleted by this call
  // included; alerts resolved before alerts_before, and notifications sent, dead or digested
  // before it. Nothing else is touched (never servers, status transitions, users, tokens,
  // open or acknowledged alerts, notifications still to send).
  // Returns how many rows went from each table; while PruneMayContinue(), call again.
  virtual Result<PruneCounts> Prune(const PruneRequest& request) = 0;
};

using RetentionStorePtr = std::shared_ptr<RetentionStore>;

}  // namespace sms::store
