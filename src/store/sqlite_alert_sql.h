#pragma once
// SQL helpers of SqliteStore's alert tables (internal to src/store): shared by
// sqlite_alerts.cc and sqlite_alert_dispatch.cc. The tables are store/alert_rows.h.

#include <string>
#include <vector>

#include "store/alert_rows.h"
#include "store/sqlite_connection.h"

namespace sms::store {

// Runs `sql` with `bind` applied and calls `each` on every row.
template <typename Bind, typename Each>
Status SqlQuery(Connection& conn, const std::string& sql, Bind bind, Each each) {
  Result<Statement> st = conn.Prepare(sql);
  if (!st.ok()) return st.status();
  bind(*st);
  for (;;) {
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    each(*st);
  }
}

template <typename Bind>
Status SqlExec(Connection& conn, const std::string& sql, Bind bind) {
  Result<Statement> st = conn.Prepare(sql);
  if (!st.ok()) return st.status();
  bind(*st);
  return st->Run();
}

// Binds `values` to ?1, ?2, … in order. Text is not copied: `values` must outlive the run.
inline void BindValues(Statement& st, const std::vector<SqlValue>& values) {
  for (size_t i = 0; i < values.size(); ++i) {
    std::visit([&](const auto& v) { st.Bind(static_cast<int>(i + 1), v); }, values[i]);
  }
}

// Runs `sql` with `values` bound to ?1, ?2, ….
inline Status SqlExecValues(Connection& conn, const std::string& sql,
                            const std::vector<SqlValue>& values) {
  return SqlExec(conn, sql, [&](Statement& st) { BindValues(st, values); });
}

// The records of `table` that `sql` (selecting its columns) returns with `params` bound.
template <typename Table>
Status SqlSelect(Connection& conn, const std::string& sql, const std::vector<SqlValue>& params,
                 const Table& table, std::vector<RecordOf<Table>>& out) {
  return SqlQuery(
      conn, sql, [&](Statement& st) { BindValues(st, params); },
      [&](Statement& st) { out.push_back(ReadRow(st, table)); });
}

// Inserts or replaces alert `a` (by id).
Status WriteAlert(Connection& conn, const AlertRecord& a);

// Inserts `n`; true when it went in (its key was free), false when the key is taken.
Result<bool> WriteNotification(Connection& conn, const NotificationRecord& n);

}  // namespace sms::store
