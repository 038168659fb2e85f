// SqliteStore::Dispatch: the outbox and the due alerts in, alerts and notifications out, in one
// write transaction (BEGIN IMMEDIATE serialises it with every other writer, replicas included).

#include <set>
#include <string>

#include "store/alert_rows.h"
#include "store/sqlite_alert_sql.h"
#include "store/sqlite_store.h"

namespace sms::store {
namespace {

const std::string kOutboxSql = std::string(kOutboxSelect) + "?1";
const std::string kSelectAlertSql = SelectFrom("alerts", kAlertTable);
const std::string kUpsertFlapSql = InsertSql("alert_flaps", kFlapTable, '?', "INSERT OR REPLACE");
const std::string kUpsertWindowSql =
    InsertSql("alert_windows", kWindowTable, '?', "INSERT OR REPLACE");

class DispatchReader {
 public:
  DispatchReader(Connection& conn, DispatchInput& in) : conn_(conn), in_(in) {}

  Status Read(int limit) {
    Status s = SqlQuery(
        conn_, kOutboxSql, [&](Statement& st) { st.Bind(1, int64_t{limit}); },
        [&](Statement& st) { in_.transitions.push_back(ReadTransition(st)); });
    if (s.ok()) s = SqlSelect(conn_, kListRulesSql, {}, kRuleTable, in_.rules);
    if (s.ok()) s = ServerState();
    if (s.ok()) s = DueAlerts();
    if (s.ok()) s = Windows();
    return s;
  }

 private:
  // Flapping state and live alerts of every server with a transition in the batch.
  Status ServerState() {
    std::set<std::string> servers;
    for (const TransitionRecord& t : in_.transitions) servers.insert(t.server_id);
    for (const std::string& id : servers) {
      Status s = SqlSelect(conn_, SelectFrom("alert_flaps", kFlapTable) + "WHERE server_id = ?1",
                           {id}, kFlapTable, in_.flaps);
      if (!s.ok()) return s;
      s = AddAlerts(
          kSelectAlertSql + "WHERE server_id = ?1 AND state IN ('pending', 'open', 'acknowledged')",
          {id});
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }

  Status DueAlerts() {
    return AddAlerts(kSelectAlertSql +
                         "WHERE (state = 'pending' AND due_at <= ?1) OR (state = 'open' AND "
                         "next_repeat_at > 0 AND next_repeat_at <= ?1)",
                     {in_.now});
  }

  Status Windows() {
    Status s =
        SqlSelect(conn_, SelectFrom("alert_windows", kWindowTable), {}, kWindowTable, in_.windows);
    if (!s.ok()) return s;
    for (const WindowRecord& w : in_.windows) {
      if (w.closes_at > in_.now) continue;
      std::string group = w.rule_id + ":" + std::to_string(w.opened_at);
      s = SqlSelect(conn_,
                    SelectFrom("alert_notifications", kNotificationTable) +
                        "WHERE state = 'held' AND grp = ?1 ORDER BY seq",
                    {group}, kNotificationTable, in_.held);
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }

  // Adds the alerts `sql` selects that are not in yet.
  Status AddAlerts(const std::string& sql, const std::vector<SqlValue>& params) {
    std::vector<AlertRecord> found;
    Status s = SqlSelect(conn_, sql, params, kAlertTable, found);
    for (AlertRecord& a : found) {
      if (seen_.insert(a.id).second) in_.alerts.push_back(std::move(a));
    }
    return s;
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
    if (s = SqlExecValues(conn, kUpsertFlapSql, RowValues(f, kFlapTable)); !s.ok()) return s;
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
    s = SqlExec(
        conn, "UPDATE alert_notifications SET state = ?1, next_at = ?2, done_at = ?2 WHERE id = ?3",
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
    if (s = SqlExecValues(conn, kUpsertWindowSql, RowValues(win, kWindowTable)); !s.ok()) return s;
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
