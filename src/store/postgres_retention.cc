// PostgresStore: retention (Prune) and the claim of a scheduled run (ClaimRun). What is old
// enough is decided by store/retention_rule.h; this file only speaks PostgreSQL.

#include "store/postgres_store.h"

namespace sms::store {
namespace {

// Each statement deletes at most $2 rows older than $1. SKIP LOCKED: two replicas pruning at
// once split the rows instead of waiting on each other.
const std::string kPruneSessionsSql =
    "DELETE FROM sessions WHERE jti IN (SELECT jti FROM sessions WHERE expires_at <= $1 "
    "LIMIT $2 FOR UPDATE SKIP LOCKED)";
const std::string kPruneReportsSql =
    "DELETE FROM reports WHERE id IN (SELECT id FROM reports WHERE created_at < $1 "
    "AND kind IN ('manual', 'daily') LIMIT $2 FOR UPDATE SKIP LOCKED)";
const std::string kPruneOutcomesSql =
    "DELETE FROM mail_outcomes WHERE id IN (SELECT m.id FROM mail_outcomes m WHERE m.at < $1 "
    "AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.id = m.id) LIMIT $2 FOR UPDATE SKIP LOCKED)";
const std::string kPruneAlertsSql =
    "DELETE FROM alerts WHERE id IN (SELECT id FROM alerts WHERE state = 'resolved' "
    "AND resolved_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)";
const std::string kPruneNotificationsSql =
    "DELETE FROM alert_notifications WHERE seq IN (SELECT seq FROM alert_notifications "
    "WHERE state IN ('sent', 'dead', 'digested') AND done_at < $1 LIMIT $2 "
    "FOR UPDATE SKIP LOCKED)";
// ON CONFLICT … DO UPDATE … WHERE re-checks the row as committed by a concurrent claimer, so
// of racing replicas exactly one gets a row back.
const std::string kClaimRunSql =
    "INSERT INTO schedule_runs (job, next_run) VALUES ($1, $3) "
    "ON CONFLICT (job) DO UPDATE SET next_run = excluded.next_run "
    "WHERE schedule_runs.next_run <= $2 RETURNING job";

}  // namespace

Result<PruneCounts> PostgresStore::Prune(const PruneRequest& request) {
  PruneCounts counts;
  Status s = pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    // Reports before outcomes: the outcome of a report deleted now may go in the same call.
    counts.sessions =
        ExecPrepared(tx, conn, kPruneSessionsSql, request.sessions_expired_before, request.limit)
            .affected_rows();
    counts.reports =
        ExecPrepared(tx, conn, kPruneReportsSql, request.reports_created_before, request.limit)
            .affected_rows();
    counts.mail_outcomes =
        ExecPrepared(tx, conn, kPruneOutcomesSql, request.mail_outcomes_before, request.limit)
            .affected_rows();
    counts.alerts = ExecPrepared(tx, conn, kPruneAlertsSql, request.alerts_before, request.limit)
                        .affected_rows();
    counts.notifications =
        ExecPrepared(tx, conn, kPruneNotificationsSql, request.alerts_before, request.limit)
            .affected_rows();
    tx.commit();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return counts;
}

Result<bool> PostgresStore::ClaimRun(const std::string& job, Millis now, Millis next) {
  bool claimed = false;
  Status s = pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    claimed = !ExecPrepared(tx, conn, kClaimRunSql, job, now, next).empty();
    tx.commit();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return claimed;
}

}  // namespace sms::store
