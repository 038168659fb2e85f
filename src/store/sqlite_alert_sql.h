#pragma once
// SQL helpers of SqliteStore's alert tables (internal to src/store): shared by
// sqlite_alerts.cc and sqlite_alert_dispatch.cc.

#include <string>

#include "store/alert_store.h"
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

// Inserts or replaces alert `a` (by id).
Status WriteAlert(Connection& conn, const AlertRecord& a);

// Inserts `n`; true when it went in (its key was free), false when the key is taken.
Result<bool> WriteNotification(Connection& conn, const NotificationRecord& n);

}  // namespace sms::store
