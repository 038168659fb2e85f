// SqliteStore as an AlertStore: channels, rules, alerts, notifications and the dispatch
// transaction (store/alert_store.h).

#include <string>

#include "store/alert_rows.h"
#include "store/sqlite_alert_sql.h"
#include "store/sqlite_store.h"

namespace sms::store {
namespace {

const ChannelRuleSql kSql('?');
const std::string kUpsertAlertSql = InsertSql("alerts", kAlertTable, '?', "INSERT OR REPLACE");
const std::string kInsertNotificationSql =
    InsertSql("alert_notifications", kNotificationTable, '?') + " ON CONFLICT (key) DO NOTHING";
const std::string kSelectAlertSql = SelectFrom("alerts", kAlertTable);
const std::string kSelectNotificationSql = SelectFrom("alert_notifications", kNotificationTable);

Status NotFoundUnlessChanged(Connection& conn, const std::string& what, const std::string& id) {
  return NotFoundUnless(conn.Changes() > 0, what, id);
}

}  // namespace

template <typename Table>
auto SqliteStore::Select(const std::string& sql, const std::vector<SqlValue>& params,
                         const Table& table) {
  std::vector<RecordOf<Table>> out;
  Status s = WithReader([&](Connection& conn) { return SqlSelect(conn, sql, params, table, out); });
  return s.ok() ? Result<std::vector<RecordOf<Table>>>(std::move(out))
                : Result<std::vector<RecordOf<Table>>>(s);
}

Status WriteAlert(Connection& conn, const AlertRecord& a) {
  return SqlExecValues(conn, kUpsertAlertSql, RowValues(a, kAlertTable));
}

// Inserts `n`; true when it went in (its key was free).
Result<bool> WriteNotification(Connection& conn, const NotificationRecord& n) {
  Status s = SqlExecValues(conn, kInsertNotificationSql, RowValues(n, kNotificationTable));
  if (!s.ok()) return s;
  return conn.Changes() > 0;
}

// ---- Channels ---------------------------------------------------------------------------------

Status SqliteStore::CreateChannel(const ChannelRecord& c) {
  return ChannelNameConflict(WithWriter([&](Connection& conn) {
                               return SqlExecValues(conn, kSql.insert_channel,
                                                    RowValues(c, kChannelTable));
                             }),
                             c.name);
}

Result<ChannelRecord> SqliteStore::GetChannel(const std::string& id) {
  return FirstOrNotFound(Select(kSql.get_channel, {id}, kChannelTable), "channel", id);
}

Result<std::vector<ChannelRecord>> SqliteStore::ListChannels() {
  return Select(kListChannelsSql, {}, kChannelTable);
}

Status SqliteStore::UpdateChannel(const ChannelRecord& c) {
  return ChannelNameConflict(WithWriter([&](Connection& conn) {
                               Status s = SqlExecValues(conn, kSql.update_channel,
                                                        RowValues(c, kChannelUpdate));
                               if (!s.ok()) return s;
                               return NotFoundUnlessChanged(conn, "channel", c.id);
                             }),
                             c.name);
}

Status SqliteStore::DeleteChannel(const std::string& id) {
  return WithWriter([&](Connection& conn) {
    Transaction tx(conn);
    Status s = tx.BeginWrite();
    if (!s.ok()) return s;
    bool used = false;
    std::string wrapped = "\n" + id + "\n";
    s = SqlQuery(
        conn, "SELECT 1 FROM alert_rules WHERE instr(char(10) || channels || char(10), ?) > 0",
        [&](Statement& st) { st.Bind(1, wrapped); }, [&](Statement&) { used = true; });
    if (!s.ok()) return s;
    if (used) return Status::Conflict("a rule sends to channel \"" + id + "\"", "channel_id");
    s = SqlExec(conn, "DELETE FROM alert_channels WHERE id = ?",
                [&](Statement& st) { st.Bind(1, id); });
    if (!s.ok()) return s;
    s = NotFoundUnlessChanged(conn, "channel", id);
    if (!s.ok()) return s;
    return tx.Commit();
  });
}

// ---- Rules ------------------------------------------------------------------------------------

Status SqliteStore::CreateRule(const RuleRecord& r) {
  return WithWriter([&](Connection& conn) {
    return SqlExecValues(conn, kSql.insert_rule, RowValues(r, kRuleTable));
  });
}

Result<RuleRecord> SqliteStore::GetRule(const std::string& id) {
  return FirstOrNotFound(Select(kSql.get_rule, {id}, kRuleTable), "rule", id);
}

Result<std::vector<RuleRecord>> SqliteStore::ListRules() {
  return Select(kListRulesSql, {}, kRuleTable);
}

Status SqliteStore::UpdateRule(const RuleRecord& r) {
  return WithWriter([&](Connection& conn) {
    Status s = SqlExecValues(conn, kSql.update_rule, RowValues(r, kRuleUpdate));
    if (!s.ok()) return s;
    return NotFoundUnlessChanged(conn, "rule", r.id);
  });
}

Status SqliteStore::DeleteRule(const std::string& id) {
  return WithWriter([&](Connection& conn) {
    Status s = SqlExec(conn, "DELETE FROM alert_rules WHERE id = ?",
                       [&](Statement& st) { st.Bind(1, id); });
    if (!s.ok()) return s;
    return NotFoundUnlessChanged(conn, "rule", id);
  });
}

// ---- Alerts -----------------------------------------------------------------------------------

Result<std::vector<AlertRecord>> SqliteStore::ListAlerts(const AlertQuery& q) {
  return Select(kSelectAlertSql + "WHERE state IN " + std::string(kVisibleAlertStates) +
                    " AND (?1 = '' OR server_id = ?1) AND (?2 = '' OR state = ?2) AND since >= ?3 "
                    "AND (?4 = 0 OR since < ?4) ORDER BY since DESC, id DESC LIMIT ?5",
                {q.server_id, q.state, q.from, q.to, int64_t{q.limit}}, kAlertTable);
}

Result<AlertRecord> SqliteStore::GetAlert(const std::string& id) {
  return FirstOrNotFound(
      Select(kSelectAlertSql + "WHERE id = ?1 AND state <> 'pending'", {id}, kAlertTable), "alert",
      id);
}

Result<AlertRecord> SqliteStore::AckAlert(const std::string& id, const std::string& by,
                                          Millis now) {
  Status s = WithWriter([&](Connection& conn) {
    return SqlExec(conn,
                   "UPDATE alerts SET state = 'acknowledged', acked_at = ?2, acked_by = ?3, "
                   "next_repeat_at = 0 WHERE id = ?1 AND state = 'open'",
                   [&](Statement& st) { st.Bind(1, id).Bind(2, now).Bind(3, by); });
  });
  if (!s.ok()) return s;
  return GetAlert(id);
}

// ---- Delivery ---------------------------------------------------------------------------------

Status SqliteStore::EnqueueNotification(const NotificationRecord& n) {
  Result<bool> added = false;
  Status s = WithWriter([&](Connection& conn) {
    added = WriteNotification(conn, n);
    return added.status();
  });
  if (!s.ok()) return s;
  if (!*added) return Status::Conflict("notification \"" + n.key + "\" exists", "key");
  return Status::Ok();
}

Result<std::vector<NotificationRecord>> SqliteStore::ClaimDeliveries(Millis now, Millis lease_ms,
                                                                     int limit) {
  std::vector<NotificationRecord> out;
  Status s = WithWriter([&](Connection& conn) {
    Transaction tx(conn);
    Status st = tx.BeginWrite();
    if (!st.ok()) return st;
    st = SqlSelect(conn,
                   kSelectNotificationSql +
                       "WHERE state = 'pending' AND next_at <= ?1 AND lease_until <= ?1 "
                       "ORDER BY next_at, seq LIMIT ?2",
                   {now, int64_t{limit}}, kNotificationTable, out);
    if (!st.ok()) return st;
    for (NotificationRecord& n : out) {
      n.lease_until = now + lease_ms;
      st = SqlExec(conn, "UPDATE alert_notifications SET lease_until = ? WHERE id = ?",
                   [&](Statement& q) { q.Bind(1, n.lease_until).Bind(2, n.id); });
      if (!st.ok()) return st;
    }
    return tx.Commit();
  });
  if (!s.ok()) return s;
  return out;
}

Status SqliteStore::FinishDelivery(const std::string& id, const DeliveryOutcome& o) {
  Millis done = o.state == "pending" ? 0 : o.at;
  return WithWriter([&](Connection& conn) {
    Status s = SqlExec(conn,
                       "UPDATE alert_notifications SET state = ?2, attempts = ?3, next_at = ?4, "
                       "error = ?5, done_at = ?6, lease_until = 0 WHERE id = ?1",
                       [&](Statement& st) {
                         st.Bind(1, id).Bind(2, o.state).Bind(3, int64_t{o.attempts});
                         st.Bind(4, o.next_at).Bind(5, o.error).Bind(6, done);
                       });
    if (!s.ok()) return s;
    return NotFoundUnlessChanged(conn, "notification", id);
  });
}

Result<std::vector<NotificationRecord>> SqliteStore::ListDeliveries(const DeliveryQuery& q) {
  return Select(kSelectNotificationSql +
                    "WHERE (?1 = '' OR state = ?1) AND (?2 = '' OR alert_id = ?2) ORDER BY seq "
                    "DESC LIMIT ?3",
                {q.state, q.alert_id, int64_t{q.limit}}, kNotificationTable);
}

}  // namespace sms::store
