// SqliteStore: retention (Prune) and the claim of a scheduled run (ClaimRun). What is old
// enough is decided by store/retention_rule.h; this file only speaks SQLite.

#include "store/sqlite_store.h"

namespace sms::store {
namespace {

// Each statement deletes at most ?2 rows older than ?1 (DELETE … LIMIT needs a compile-time
// option SQLite builds often lack, hence the rowid subquery).
constexpr const char* kPruneSessionsSql =
    "DELETE FROM sessions WHERE rowid IN "
    "(SELECT rowid FROM sessions WHERE expires_at <= ?1 LIMIT ?2)";
constexpr const char* kPruneReportsSql =
    "DELETE FROM reports WHERE rowid IN (SELECT rowid FROM reports "
    "WHERE created_at < ?1 AND kind IN ('manual', 'daily') LIMIT ?2)";
constexpr const char* kPruneOutcomesSql =
    "DELETE FROM mail_outcomes WHERE rowid IN (SELECT m.rowid FROM mail_outcomes m "
    "WHERE m.at < ?1 AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.id = m.id) LIMIT ?2)";
constexpr const char* kPruneAlertsSql =
    "DELETE FROM alerts WHERE rowid IN (SELECT rowid FROM alerts "
    "WHERE state = 'resolved' AND resolved_at < ?1 LIMIT ?2)";
constexpr const char* kPruneNotificationsSql =
    "DELETE FROM alert_notifications WHERE seq IN (SELECT seq FROM alert_notifications "
    "WHERE state IN ('sent', 'dead', 'digested') AND done_at < ?1 LIMIT ?2)";
// Inserted when the job has no row; otherwise moved only when due. changes() tells who won.
constexpr const char* kClaimRunSql =
    "INSERT INTO schedule_runs (job, next_run) VALUES (?1, ?3) "
    "ON CONFLICT (job) DO UPDATE SET next_run = excluded.next_run "
    "WHERE schedule_runs.next_run <= ?2";

// Runs one prune statement; the number of rows it deleted.
Result<int64_t> PruneOlder(Connection& conn, const char* sql, Millis before, int64_t limit) {
  Result<Statement> st = conn.Prepare(sql);
  if (!st.ok()) return st.status();
  st->Bind(1, before).Bind(2, limit);
  Status run = st->Run();
  if (!run.ok()) return run;
  return conn.Changes();
}

}  // namespace

Result<PruneCounts> SqliteStore::Prune(const PruneRequest& request) {
  PruneCounts counts;
  Status s = WithWriter([&](Connection& conn) {
    Transaction tx(conn);
    Status st = tx.BeginWrite();
    if (!st.ok()) return st;
    struct Step {
      const char* sql;
      Millis before;
      int64_t* count;
    };
    // Reports before outcomes: the outcome of a report deleted now may go in the same call.
    for (const Step& step :
         {Step{kPruneSessionsSql, request.sessions_expired_before, &counts.sessions},
          Step{kPruneReportsSql, request.reports_created_before, &counts.reports},
          Step{kPruneOutcomesSql, request.mail_outcomes_before, &counts.mail_outcomes},
          Step{kPruneAlertsSql, request.alerts_before, &counts.alerts},
          Step{kPruneNotificationsSql, request.alerts_before, &counts.notifications}}) {
      Result<int64_t> n = PruneOlder(conn, step.sql, step.before, request.limit);
      if (!n.ok()) return n.status();
      *step.count = *n;
    }
    return tx.Commit();
  });
  if (!s.ok()) return s;
  return counts;
}

Result<bool> SqliteStore::ClaimRun(const std::string& job, Millis now, Millis next) {
  bool claimed = false;
  Status s = WithWriter([&](Connection& conn) {
    Result<Statement> st = conn.Prepare(kClaimRunSql);
    if (!st.ok()) return st.status();
    st->Bind(1, job).Bind(2, now).Bind(3, next);
    Status run = st->Run();
    claimed = run.ok() && conn.Changes() > 0;
    return run;
  });
  if (!s.ok()) return s;
  return claimed;
}

}  // namespace sms::store
