// SqliteStore as an AlertStore: channels, rules, alerts, notifications and the dispatch
// transaction (store/alert_store.h).

#include <set>
#include <string>

#include "store/alert_rows.h"
#include "store/sqlite_alert_sql.h"
#include "store/sqlite_store.h"

namespace sms::store {
namespace {

const std::string kInsertChannelSql =
    "INSERT INTO alert_channels (" + std::string(kChannelColumns) + ") VALUES (?, ?, ?, ?, ?, ?)";
const std::string kInsertRuleSql = "INSERT INTO alert_rules (" + std::string(kRuleColumns) +
                                   ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
const std::string kUpsertAlertSql = "INSERT OR REPLACE INTO alerts (" + std::string(kAlertColumns) +
                                    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
const std::string kInsertNotificationSql =
    "INSERT INTO alert_notifications (" + std::string(kNotificationColumns) +
    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING";
const std::string kSelectAlertSql = "SELECT " + std::string(kAlertColumns) + " FROM alerts ";
const std::string kSelectNotificationSql =
    "SELECT " + std::string(kNotificationColumns) + " FROM alert_notifications ";

Status NotFoundUnlessChanged(Connection& conn, const std::string& what, const std::string& id) {
  if (conn.Changes() > 0) return Status::Ok();
  return Status::NotFound(what + " \"" + id + "\" not found");
}

Status NameConflict(Status s, const std::string& name) {
  if (s.code() != Code::kConflict) return s;
  return Status::Conflict("a channel named \"" + name + "\" exists", "name");
}

}  // namespace

Status WriteAlert(Connection& conn, const AlertRecord& a) {
  return SqlExec(conn, kUpsertAlertSql, [&](Statement& st) {
    st.Bind(1, a.id).Bind(2, a.rule_id).Bind(3, a.server_id).Bind(4, a.event).Bind(5, a.state);
    st.Bind(6, a.since).Bind(7, a.due_at).Bind(8, a.opened_at).Bind(9, a.acked_at);
    st.Bind(10, a.acked_by).Bind(11, a.resolved_at).Bind(12, a.next_repeat_at);
    st.Bind(13, int64_t{a.repeats}).Bind(14, a.server);
  });
}

// Inserts `n`; true when it went in (its key was free).
Result<bool> WriteNotification(Connection& conn, const NotificationRecord& n) {
  Status s = SqlExec(conn, kInsertNotificationSql, [&](Statement& st) {
    st.Bind(1, n.id).Bind(2, n.key).Bind(3, n.channel_id).Bind(4, n.rule_id).Bind(5, n.alert_id);
    st.Bind(6, n.event).Bind(7, n.payload).Bind(8, n.state).Bind(9, n.group);
    st.Bind(10, int64_t{n.attempts}).Bind(11, n.next_at).Bind(12, n.lease_until);
    st.Bind(13, n.error).Bind(14, n.created_at).Bind(15, n.done_at);
  });
  if (!s.ok()) return s;
  return conn.Changes() > 0;
}

// ---- Channels ---------------------------------------------------------------------------------

Status SqliteStore::CreateChannel(const ChannelRecord& c) {
  return NameConflict(WithWriter([&](Connection& conn) {
                        return SqlExec(conn, kInsertChannelSql, [&](Statement& st) {
                          st.Bind(1, c.id).Bind(2, c.name).Bind(3, c.type).Bind(4, c.config);
                          st.Bind(5, c.created_at).Bind(6, c.updated_at);
                        });
                      }),
                      c.name);
}

Result<ChannelRecord> SqliteStore::GetChannel(const std::string& id) {
  std::optional<ChannelRecord> found;
  Status s = WithReader([&](Connection& conn) {
    return SqlQuery(
        conn, "SELECT " + std::string(kChannelColumns) + " FROM alert_channels WHERE id = ?",
        [&](Statement& st) { st.Bind(1, id); }, [&](Statement& st) { found = ReadChannel(st); });
  });
  if (!s.ok()) return s;
  if (!found) return Status::NotFound("channel \"" + id + "\" not found");
  return *found;
}

Result<std::vector<ChannelRecord>> SqliteStore::ListChannels() {
  std::vector<ChannelRecord> out;
  Status s = WithReader([&](Connection& conn) {
    return SqlQuery(
        conn, "SELECT " + std::string(kChannelColumns) + " FROM alert_channels ORDER BY name",
        [](Statement&) {}, [&](Statement& st) { out.push_back(ReadChannel(st)); });
  });
  if (!s.ok()) return s;
  return out;
}

Status SqliteStore::UpdateChannel(const ChannelRecord& c) {
  return NameConflict(WithWriter([&](Connection& conn) {
                        Status s =
                            SqlExec(conn,
                                    "UPDATE alert_channels SET name = ?, type = ?, config = ?, "
                                    "updated_at = ? WHERE id = ?",
                                    [&](Statement& st) {
                                      st.Bind(1, c.name).Bind(2, c.type).Bind(3, c.config);
                                      st.Bind(4, c.updated_at).Bind(5, c.id);
                                    });
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
  std::string channels = JoinLines(r.channels), tags = JoinLines(r.tags);
  std::string ids = JoinLines(r.server_ids), events = JoinLines(r.events);
  return WithWriter([&](Connection& conn) {
    return SqlExec(conn, kInsertRuleSql, [&](Statement& st) {
      st.Bind(1, r.id).Bind(2, r.name);
      st.Bind(3, channels).Bind(4, tags).Bind(5, ids).Bind(6, events);
      st.Bind(7, int64_t{r.after_seconds}).Bind(8, int64_t{r.repeat_minutes});
      st.Bind(9, r.created_at).Bind(10, r.updated_at);
    });
  });
}

Result<RuleRecord> SqliteStore::GetRule(const std::string& id) {
  std::optional<RuleRecord> found;
  Status s = WithReader([&](Connection& conn) {
    return SqlQuery(
        conn, "SELECT " + std::string(kRuleColumns) + " FROM alert_rules WHERE id = ?",
        [&](Statement& st) { st.Bind(1, id); }, [&](Statement& st) { found = ReadRule(st); });
  });
  if (!s.ok()) return s;
  if (!found) return Status::NotFound("rule \"" + id + "\" not found");
  return *found;
}

Result<std::vector<RuleRecord>> SqliteStore::ListRules() {
  std::vector<RuleRecord> out;
  Status s = WithReader([&](Connection& conn) {
    return SqlQuery(
        conn, "SELECT " + std::string(kRuleColumns) + " FROM alert_rules ORDER BY seq",
        [](Statement&) {}, [&](Statement& st) { out.push_back(ReadRule(st)); });
  });
  if (!s.ok()) return s;
  return out;
}

Status SqliteStore::UpdateRule(const RuleRecord& r) {
  std::string channels = JoinLines(r.channels), tags = JoinLines(r.tags);
  std::string ids = JoinLines(r.server_ids), events = JoinLines(r.events);
  return WithWriter([&](Connection& conn) {
    Status s =
        SqlExec(conn,
                "UPDATE alert_rules SET name = ?2, channels = ?3, tags = ?4, server_ids = ?5, "
                "events = ?6, after_seconds = ?7, repeat_minutes = ?8, updated_at = ?9 "
                "WHERE id = ?1",
                [&](Statement& st) {
                  st.Bind(1, r.id).Bind(2, r.name);
                  st.Bind(3, channels).Bind(4, tags).Bind(5, ids).Bind(6, events);
                  st.Bind(7, int64_t{r.after_seconds}).Bind(8, int64_t{r.repeat_minutes});
                  st.Bind(9, r.updated_at);
                });
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
  std::vector<AlertRecord> out;
  Status s = WithReader([&](Connection& conn) {
    return SqlQuery(
        conn,
        kSelectAlertSql + "WHERE state IN " + std::string(kVisibleAlertStates) +
            " AND (?1 = '' OR server_id = ?1) AND (?2 = '' OR state = ?2) AND since >= ?3 "
            "AND (?4 = 0 OR since < ?4) ORDER BY since DESC, id DESC LIMIT ?5",
        [&](Statement& st) {
          st.Bind(1, q.server_id).Bind(2, q.state).Bind(3, q.from).Bind(4, q.to);
          st.Bind(5, int64_t{q.limit});
        },
        [&](Statement& st) { out.push_back(ReadAlert(st)); });
  });
  if (!s.ok()) return s;
  return out;
}

Result<AlertRecord> SqliteStore::GetAlert(const std::string& id) {
  std::optional<AlertRecord> found;
  Status s = WithReader([&](Connection& conn) {
    return SqlQuery(
        conn, kSelectAlertSql + "WHERE id = ? AND state <> 'pending'",
        [&](Statement& st) { st.Bind(1, id); }, [&](Statement& st) { found = ReadAlert(st); });
  });
  if (!s.ok()) return s;
  if (!found) return Status::NotFound("alert \"" + id + "\" not found");
  return *found;
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
    st = SqlQuery(
        conn,
        kSelectNotificationSql +
            "WHERE state = 'pending' AND next_at <= ?1 AND lease_until <= ?1 ORDER BY next_at, "
            "seq LIMIT ?2",
        [&](Statement& q) { q.Bind(1, now).Bind(2, int64_t{limit}); },
        [&](Statement& q) { out.push_back(ReadNotification(q)); });
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
  std::vector<NotificationRecord> out;
  Status s = WithReader([&](Connection& conn) {
    return SqlQuery(
        conn,
        kSelectNotificationSql +
            "WHERE (?1 = '' OR state = ?1) AND (?2 = '' OR alert_id = ?2) ORDER BY seq DESC "
            "LIMIT ?3",
        [&](Statement& st) { st.Bind(1, q.state).Bind(2, q.alert_id).Bind(3, int64_t{q.limit}); },
        [&](Statement& st) { out.push_back(ReadNotification(st)); });
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace sms::store
