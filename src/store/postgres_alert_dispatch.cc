// PostgresStore::Dispatch: the outbox and the due alerts in, alerts and notifications out, in one
// transaction, serialised across replicas by a transaction-scoped advisory lock.

#include <set>
#include <string>

#include "store/postgres_alert_sql.h"
#include "store/postgres_store.h"

namespace sms::store {
namespace {

constexpr int64_t kDispatchLock = 8317430940517885811;  // "sms_migr" + 1: the alert dispatch

const std::string kOutboxSql = std::string(kOutboxSelect) + "$1";
const std::string kFlapsSql =
    SelectFrom("alert_flaps", kFlapTable) + "WHERE server_id = ANY($1::text[])";
const std::string kLiveAlertsSql =
    SelectFrom("alerts", kAlertTable) +
    "WHERE server_id = ANY($1::text[]) AND state IN ('pending', 'open', 'acknowledged')";
const std::string kDueAlertsSql =
    SelectFrom("alerts", kAlertTable) +
    "WHERE (state = 'pending' AND due_at <= $1) OR "
    "(state = 'open' AND next_repeat_at > 0 AND next_repeat_at <= $1)";
const std::string kWindowsSql = SelectFrom("alert_windows", kWindowTable);
const std::string kHeldSql = SelectFrom("alert_notifications", kNotificationTable) +
                             "WHERE state = 'held' AND grp = $1 ORDER BY seq";
const std::string kUpsertAlertSql =
    InsertSql("alerts", kAlertTable, '$') +
    " ON CONFLICT (id) DO UPDATE SET state = excluded.state, due_at = excluded.due_at, "
    "opened_at = excluded.opened_at, acked_at = excluded.acked_at, acked_by = excluded.acked_by, "
    "resolved_at = excluded.resolved_at, next_repeat_at = excluded.next_repeat_at, "
    "repeats = excluded.repeats";
const std::string kInsertNotificationSql =
    InsertSql("alert_notifications", kNotificationTable, '$') + " ON CONFLICT (key) DO NOTHING";
const std::string kUpsertFlapSql = InsertSql("alert_flaps", kFlapTable, '$') +
                                   " ON CONFLICT (server_id) DO UPDATE SET times = excluded.times, "
                                   "flapping_since = excluded.flapping_since";
const std::string kUpsertWindowSql = InsertSql("alert_windows", kWindowTable, '$') +
                                     " ON CONFLICT (rule_id) DO UPDATE SET opened_at = "
                                     "excluded.opened_at, closes_at = excluded.closes_at";

void ReadInput(pqxx::transaction_base& tx, PgConnection& conn, int limit, DispatchInput& in) {
  std::set<std::string> servers;
  for (const pqxx::row& r : ExecPrepared(tx, conn, kOutboxSql, limit)) {
    in.transitions.push_back(ReadTransition(PgRow{r}));
    servers.insert(in.transitions.back().server_id);
  }
  in.rules = PgRecords(ExecPrepared(tx, conn, kListRulesSql), kRuleTable);
  std::string ids = PgTextArray({servers.begin(), servers.end()});
  in.flaps = PgRecords(ExecPrepared(tx, conn, kFlapsSql, ids), kFlapTable);
  std::set<std::string> seen;
  for (auto& found : {PgRecords(ExecPrepared(tx, conn, kLiveAlertsSql, ids), kAlertTable),
                      PgRecords(ExecPrepared(tx, conn, kDueAlertsSql, in.now), kAlertTable)}) {
    for (const AlertRecord& a : found) {
      if (seen.insert(a.id).second) in.alerts.push_back(a);
    }
  }
  in.windows = PgRecords(ExecPrepared(tx, conn, kWindowsSql), kWindowTable);
  for (const WindowRecord& w : in.windows) {
    if (w.closes_at > in.now) continue;
    std::string group = w.rule_id + ":" + std::to_string(w.opened_at);
    for (NotificationRecord& n :
         PgRecords(ExecPrepared(tx, conn, kHeldSql, group), kNotificationTable)) {
      in.held.push_back(std::move(n));
    }
  }
}

void WriteAll(pqxx::transaction_base& tx, PgConnection& conn, const DispatchWrites& w, Millis now) {
  for (int64_t id : w.outbox_done) {
    ExecPrepared(tx, conn, "DELETE FROM alert_outbox WHERE id = $1", id);
  }
  for (const FlapRecord& f : w.flaps)
    ExecValues(tx, conn, kUpsertFlapSql, RowValues(f, kFlapTable));
  for (const AlertRecord& a : w.alerts) UpsertPgAlert(tx, conn, a);
  for (const std::string& id : w.alerts_deleted) {
    ExecPrepared(tx, conn, "DELETE FROM alerts WHERE id = $1", id);
  }
  for (const NotificationRecord& n : w.notifications) InsertPgNotification(tx, conn, n);
  for (const auto& [id, state] : w.states) {
    ExecPrepared(
        tx, conn,
        "UPDATE alert_notifications SET state = $2, next_at = $3, done_at = $3 WHERE id = $1", id,
        state, now);
  }
  // Closed first: a window closing and the next one opening belong to the same rule.
  for (const std::string& rule : w.windows_closed) {
    ExecPrepared(tx, conn, "DELETE FROM alert_windows WHERE rule_id = $1", rule);
  }
  for (const WindowRecord& win : w.windows) {
    ExecValues(tx, conn, kUpsertWindowSql, RowValues(win, kWindowTable));
  }
}

}  // namespace

void UpsertPgAlert(pqxx::transaction_base& tx, PgConnection& conn, const AlertRecord& a) {
  ExecValues(tx, conn, kUpsertAlertSql, RowValues(a, kAlertTable));
}

bool InsertPgNotification(pqxx::transaction_base& tx, PgConnection& conn,
                          const NotificationRecord& n) {
  return ExecValues(tx, conn, kInsertNotificationSql, RowValues(n, kNotificationTable))
             .affected_rows() > 0;
}

Result<int> PostgresStore::Dispatch(Millis now, int limit, const Planner& plan) {
  int taken = 0;
  Status s = pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kDispatchLock) + ")");
    DispatchInput in;
    in.now = now;
    ReadInput(tx, conn, limit, in);
    Result<DispatchWrites> writes = plan(in);
    if (!writes.ok()) return writes.status();
    WriteAll(tx, conn, *writes, now);
    tx.commit();
    taken = static_cast<int>(in.transitions.size());
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return taken;
}

}  // namespace sms::store
