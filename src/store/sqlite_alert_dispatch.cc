// SqliteStore::Dispatch: the outbox and the due alerts in, alerts and notifications out, in one
// write transaction (BEGIN IMMEDIATE serialises it with every other writer, replicas included).

#include <set>
#include <string>

#include "core/tags.h"
#include "store/alert_rows.h"
#include "store/sqlite_alert_sql.h"
#include "store/sqlite_store.h"

namespace sms::store {
namespace {

const std::string kOutboxSql =
    "SELECT o.id, o.event_id, coalesce(s.server_id, ''), coalesce(s.server_name, ''), "
    "coalesce(s.ipv4, ''), o.status, o.at, coalesce(s.tags, '') FROM alert_outbox o "
    "LEFT JOIN servers s "
    "ON s.id = o.server ORDER BY o.id LIMIT ?";
const std::string kAlertsSql = "SELECT " + std::string(kAlertColumns) + " FROM alerts ";

class DispatchReader {
 public:
  DispatchReader(Connection& conn, DispatchInput& in) : conn_(conn), in_(in) {}

  Status Read(int limit) {
    Status s = Transitions(limit);
    if (s.ok()) s = Rules();
    if (s.ok()) s = ServerState();
    if (s.ok()) s = DueAlerts();
    if (s.ok()) s = Windows();
    return s;
  }

 private:
  Status Transitions(int limit) {
    return SqlQuery(
        conn_, kOutboxSql, [&](Statement& st) { st.Bind(1, int64_t{limit}); },
        [&](Statement& st) {
          TransitionRecord t;
          t.outbox_id = st.Int(0);
          t.event_id = st.Int(1);
          t.server_id = st.Text(2);
          t.server_name = st.Text(3);
          t.ipv4 = st.Text(4);
          t.status = st.Int(5) == 1 ? ServerStatus::kOn : ServerStatus::kOff;
          t.at = st.Int(6);
          t.tags = SplitTags(st.Text(7));
          in_.transitions.push_back(std::move(t));
        });
  }

  Status Rules() {
    return SqlQuery(
        conn_, "SELECT " + std::string(kRuleColumns) + " FROM alert_rules ORDER BY seq",
        [](Statement&) {}, [&](Statement& st) { in_.rules.push_back(ReadRule(st)); });
  }

  // Flapping state and live alerts of every server with a transition in the batch.
  Status ServerState() {
    std::set<std::string> servers;
    for (const TransitionRecord& t : in_.transitions) servers.insert(t.server_id);
    for (const std::string& id : servers) {
      Status s = SqlQuery(
          conn_, "SELECT server_id, times, flapping_since FROM alert_flaps WHERE server_id = ?",
          [&](Statement& st) { st.Bind(1, id); },
          [&](Statement& st) {
            in_.flaps.push_back({st.Text(0), SplitTimes(st.Text(1)), st.Int(2)});
          });
      if (!s.ok()) return s;
      s = SqlQuery(
          conn_,
          kAlertsSql + "WHERE server_id = ? AND state IN ('pending', 'open', 'acknowledged')",
          [&](Statement& st) { st.Bind(1, id); }, [&](Statement& st) { Add(ReadAlert(st)); });
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }

  Status DueAlerts() {
    return SqlQuery(
        conn_,
        kAlertsSql +
            "WHERE (state = 'pending' AND due_at <= ?1) OR (state = 'open' AND "
            "next_repeat_at > 0 AND next_repeat_at <= ?1)",
        [&](Statement& st) { st.Bind(1, in_.now); }, [&](Statement& st) { Add(ReadAlert(st)); });
  }

  Status Windows() {
    Status s = SqlQuery(
        conn_, "SELECT rule_id, opened_at, closes_at FROM alert_windows", [](Statement&) {},
        [&](Statement& st) { in_.windows.push_back({st.Text(0), st.Int(1), st.Int(2)}); });
    if (!s.ok()) return s;
    for (const WindowRecord& w : in_.windows) {
      if (w.closes_at > in_.now) continue;
      std::string group = w.rule_id + ":" + std::to_string(w.opened_at);
      s = SqlQuery(
          conn_,
          "SELECT " + std::string(kNotificationColumns) +
              " FROM alert_notifications WHERE state = 'held' AND grp = ? ORDER BY seq",
          [&](Statement& st) { st.Bind(1, group); },
          [&](Statement& st) { in_.held.push_back(ReadNotification(st)); });
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }

  void Add(AlertRecord a) {
    if (seen_.insert(a.id).second) in_.alerts.push_back(std::move(a));
  }

  Connection& conn_;
  DispatchInput& in_;
  std::set<std::string> seen_;
};

Status WriteAll(Connection& conn, const DispatchWrites& w, Millis now) {
  Status s;
  for (int64_t id : w.outbox_done) {
    s = SqlExec(conn, "DELETE FROM alert_outbox WHERE id = ?",
                [&](Statement& st) { st.Bind(1, id); });
    if (!s.ok()) return s;
  }
  for (const FlapRecord& f : w.flaps) {
    std::string times = JoinTimes(f.times);
    s = SqlExec(
        conn,
        "INSERT OR REPLACE INTO alert_flaps (server_id, times, flapping_since) "
        "VALUES (?, ?, ?)",
        [&](Statement& st) { st.Bind(1, f.server_id).Bind(2, times).Bind(3, f.flapping_since); });
    if (!s.ok()) return s;
  }
  for (const AlertRecord& a : w.alerts) {
    if (s = WriteAlert(conn, a); !s.ok()) return s;
  }
  for (const std::string& id : w.alerts_deleted) {
    s = SqlExec(conn, "DELETE FROM alerts WHERE id = ?", [&](Statement& st) { st.Bind(1, id); });
    if (!s.ok()) return s;
  }
  for (const NotificationRecord& n : w.notifications) {
    if (Result<bool> added = WriteNotification(conn, n); !added.ok()) return added.status();
  }
  for (const auto& [id, state] : w.states) {
    s = SqlExec(conn, "UPDATE alert_notifications SET state = ?, next_at = ? WHERE id = ?",
                [&](Statement& st) { st.Bind(1, state).Bind(2, now).Bind(3, id); });
    if (!s.ok()) return s;
  }
  // Closed first: a window closing and the next one opening belong to the same rule.
  for (const std::string& rule : w.windows_closed) {
    s = SqlExec(conn, "DELETE FROM alert_windows WHERE rule_id = ?",
                [&](Statement& st) { st.Bind(1, rule); });
    if (!s.ok()) return s;
  }
  for (const WindowRecord& win : w.windows) {
    s = SqlExec(conn,
                "INSERT OR REPLACE INTO alert_windows (rule_id, opened_at, closes_at) "
                "VALUES (?, ?, ?)",
                [&](Statement& st) {
                  st.Bind(1, win.rule_id).Bind(2, win.opened_at).Bind(3, win.closes_at);
                });
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

Result<int> SqliteStore::Dispatch(Millis now, int limit, const Planner& plan) {
  int taken = 0;
  Status s = WithWriter([&](Connection& conn) {
    Transaction tx(conn);
    Status st = tx.BeginWrite();
    if (!st.ok()) return st;
    DispatchInput in;
    in.now = now;
    st = DispatchReader(conn, in).Read(limit);
    if (!st.ok()) return st;
    Result<DispatchWrites> writes = plan(in);
    if (!writes.ok()) return writes.status();
    st = WriteAll(conn, *writes, now);
    if (!st.ok()) return st;
    taken = static_cast<int>(in.transitions.size());
    return tx.Commit();
  });
  if (!s.ok()) return s;
  return taken;
}

}  // namespace sms::store
