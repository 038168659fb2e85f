// PostgresStore::Dispatch: the outbox and the due alerts in, alerts and notifications out, in one
// transaction, serialised across replicas by a transaction-scoped advisory lock.

#include <set>
#include <string>

#include "core/tags.h"
#include "store/postgres_alert_sql.h"
#include "store/postgres_store.h"

namespace sms::store {
namespace {

constexpr int64_t kDispatchLock = 8317430940517885811;  // "sms_migr" + 1: the alert dispatch

const std::string kAlertCols(kAlertColumns);
const std::string kOutboxSql =
    "SELECT o.id, o.event_id, coalesce(s.server_id, ''), coalesce(s.server_name, ''), "
    "coalesce(s.ipv4, ''), o.status, o.at, coalesce(s.tags, '') FROM alert_outbox o "
    "LEFT JOIN servers s "
    "ON s.id = o.server ORDER BY o.id LIMIT $1";
const std::string kFlapsSql =
    "SELECT server_id, times, flapping_since FROM alert_flaps WHERE server_id = ANY($1::text[])";
const std::string kLiveAlertsSql = "SELECT " + kAlertCols +
                                   " FROM alerts WHERE server_id = ANY($1::text[]) AND state IN "
                                   "('pending', 'open', 'acknowledged')";
const std::string kDueAlertsSql =
    "SELECT " + kAlertCols +
    " FROM alerts WHERE (state = 'pending' AND due_at <= $1) OR "
    "(state = 'open' AND next_repeat_at > 0 AND next_repeat_at <= $1)";
const std::string kHeldSql = "SELECT " + std::string(kNotificationColumns) +
                             " FROM alert_notifications WHERE state = 'held' AND grp = $1 "
                             "ORDER BY seq";
const std::string kUpsertAlertSql =
    "INSERT INTO alerts (" + kAlertCols +
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (id) DO "
    "UPDATE SET state = excluded.state, due_at = excluded.due_at, opened_at = excluded.opened_at, "
    "acked_at = excluded.acked_at, acked_by = excluded.acked_by, resolved_at = "
    "excluded.resolved_at, next_repeat_at = excluded.next_repeat_at, repeats = excluded.repeats";
const std::string kInsertNotificationSql =
    "INSERT INTO alert_notifications (" + std::string(kNotificationColumns) +
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) "
    "ON CONFLICT (key) DO NOTHING";

void ReadInput(pqxx::transaction_base& tx, PgConnection& conn, int limit, DispatchInput& in) {
  std::set<std::string> servers;
  for (const pqxx::row& r : ExecPrepared(tx, conn, kOutboxSql, limit)) {
    TransitionRecord t;
    t.outbox_id = r[0].as<int64_t>();
    t.event_id = r[1].as<int64_t>();
    t.server_id = r[2].as<std::string>();
    t.server_name = r[3].as<std::string>();
    t.ipv4 = r[4].as<std::string>();
    t.status = r[5].as<int>() == 1 ? ServerStatus::kOn : ServerStatus::kOff;
    t.at = r[6].as<int64_t>();
    t.tags = SplitTags(r[7].as<std::string>());
    servers.insert(t.server_id);
    in.transitions.push_back(std::move(t));
  }
  for (const pqxx::row& r : ExecPrepared(tx, conn, kPgListRulesSql)) {
    in.rules.push_back(ReadRule(PgRow{r}));
  }
  std::string ids = PgTextArray({servers.begin(), servers.end()});
  for (const pqxx::row& r : ExecPrepared(tx, conn, kFlapsSql, ids)) {
    in.flaps.push_back(
        {r[0].as<std::string>(), SplitTimes(r[1].as<std::string>()), r[2].as<int64_t>()});
  }
  std::set<std::string> seen;
  for (const std::string* sql : {&kLiveAlertsSql, &kDueAlertsSql}) {
    pqxx::result rows = sql == &kLiveAlertsSql ? ExecPrepared(tx, conn, *sql, ids)
                                               : ExecPrepared(tx, conn, *sql, in.now);
    for (const pqxx::row& r : rows) {
      AlertRecord a = ReadAlert(PgRow{r});
      if (seen.insert(a.id).second) in.alerts.push_back(std::move(a));
    }
  }
  for (const pqxx::row& r :
       ExecPrepared(tx, conn, "SELECT rule_id, opened_at, closes_at FROM alert_windows")) {
    in.windows.push_back({r[0].as<std::string>(), r[1].as<int64_t>(), r[2].as<int64_t>()});
  }
  for (const WindowRecord& w : in.windows) {
    if (w.closes_at > in.now) continue;
    std::string group = w.rule_id + ":" + std::to_string(w.opened_at);
    for (const pqxx::row& r : ExecPrepared(tx, conn, kHeldSql, group)) {
      in.held.push_back(ReadNotification(PgRow{r}));
    }
  }
}

void WriteAll(pqxx::transaction_base& tx, PgConnection& conn, const DispatchWrites& w, Millis now) {
  for (int64_t id : w.outbox_done) {
    ExecPrepared(tx, conn, "DELETE FROM alert_outbox WHERE id = $1", id);
  }
  for (const FlapRecord& f : w.flaps) {
    ExecPrepared(tx, conn,
                 "INSERT INTO alert_flaps (server_id, times, flapping_since) VALUES ($1, $2, $3) "
                 "ON CONFLICT (server_id) DO UPDATE SET times = excluded.times, "
                 "flapping_since = excluded.flapping_since",
                 f.server_id, JoinTimes(f.times), f.flapping_since);
  }
  for (const AlertRecord& a : w.alerts) UpsertPgAlert(tx, conn, a);
  for (const std::string& id : w.alerts_deleted) {
    ExecPrepared(tx, conn, "DELETE FROM alerts WHERE id = $1", id);
  }
  for (const NotificationRecord& n : w.notifications) InsertPgNotification(tx, conn, n);
  for (const auto& [id, state] : w.states) {
    ExecPrepared(tx, conn, "UPDATE alert_notifications SET state = $2, next_at = $3 WHERE id = $1",
                 id, state, now);
  }
  // Closed first: a window closing and the next one opening belong to the same rule.
  for (const std::string& rule : w.windows_closed) {
    ExecPrepared(tx, conn, "DELETE FROM alert_windows WHERE rule_id = $1", rule);
  }
  for (const WindowRecord& win : w.windows) {
    ExecPrepared(tx, conn,
                 "INSERT INTO alert_windows (rule_id, opened_at, closes_at) VALUES ($1, $2, $3) "
                 "ON CONFLICT (rule_id) DO UPDATE SET opened_at = excluded.opened_at, "
                 "closes_at = excluded.closes_at",
                 win.rule_id, win.opened_at, win.closes_at);
  }
}

}  // namespace

void UpsertPgAlert(pqxx::transaction_base& tx, PgConnection& conn, const AlertRecord& a) {
  ExecPrepared(tx, conn, kUpsertAlertSql, a.id, a.rule_id, a.server_id, a.event, a.state, a.since,
               a.due_at, a.opened_at, a.acked_at, a.acked_by, a.resolved_at, a.next_repeat_at,
               a.repeats, a.server);
}

bool InsertPgNotification(pqxx::transaction_base& tx, PgConnection& conn,
                          const NotificationRecord& n) {
  pqxx::result r =
      ExecPrepared(tx, conn, kInsertNotificationSql, n.id, n.key, n.channel_id, n.rule_id,
                   n.alert_id, n.event, n.payload, n.state, n.group, n.attempts, n.next_at,
                   n.lease_until, n.error, n.created_at, n.done_at);
  return r.affected_rows() > 0;
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
