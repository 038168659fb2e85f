// SqliteStore: maintenance windows (store/maintenance_store.h; migration 0008).

#include "store/maintenance_rows.h"
#include "store/sqlite_store.h"

namespace sms::store {
namespace {

MaintenanceWindow ReadWindow(const Statement& st) {
  MaintenanceWindow w = MaintenanceFromRow(st.Text(0), st.Text(1), st.Int(2), st.Int(3), st.Int(4),
                                           st.Int(5), st.Int(6), st.Text(7), st.Text(8));
  w.created_at = st.Int(9);
  w.updated_at = st.Int(10);
  return w;
}

Status NotFoundWindow(const std::string& id) {
  return Status::NotFound("no maintenance window \"" + id + "\"");
}

// Binds the columns of `w` from id to server_ids (row values in `row`) as ?1 … ?9.
void BindWindow(Statement& st, const MaintenanceWindow& w, const MaintenanceRow& row) {
  st.Bind(1, w.id).Bind(2, w.name).Bind(3, w.start).Bind(4, w.end).Bind(5, row.days);
  st.Bind(6, row.start_minute).Bind(7, row.minutes).Bind(8, row.tags).Bind(9, row.server_ids);
}

}  // namespace

Status SqliteStore::InsertMaintenance(const MaintenanceWindow& window) {
  MaintenanceRow row(window);
  Status s = WithWriter([&](Connection& conn) {
    Result<Statement> st =
        conn.Prepare("INSERT INTO maintenance_windows (" + std::string(kMaintenanceColumns) +
                     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    if (!st.ok()) return st.status();
    BindWindow(*st, window, row);
    st->Bind(10, window.created_at).Bind(11, window.updated_at);
    return st->Run();
  });
  if (s.code() == Code::kConflict) {
    return Status::Conflict("maintenance window \"" + window.id + "\" exists", "id");
  }
  return s;
}

Result<MaintenanceWindow> SqliteStore::GetMaintenance(const std::string& id) {
  std::optional<MaintenanceWindow> found;
  Status s = WithReader([&](Connection& conn) {
    Result<Statement> st = conn.Prepare("SELECT " + std::string(kMaintenanceColumns) +
                                        " FROM maintenance_windows WHERE id = ?1");
    if (!st.ok()) return st.status();
    st->Bind(1, id);
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (*row) found = ReadWindow(*st);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (!found) return NotFoundWindow(id);
  return std::move(*found);
}

Result<std::vector<MaintenanceWindow>> SqliteStore::ListMaintenance(Millis from, Millis to) {
  std::vector<MaintenanceWindow> out;
  Status s = WithReader([&](Connection& conn) {
    Result<Statement> st =
        conn.Prepare("SELECT " + std::string(kMaintenanceColumns) + " FROM maintenance_windows" +
                     std::string(kMaintenanceListWhere));
    if (!st.ok()) return st.status();
    st->Bind(1, from).Bind(2, to);
    for (;;) {
      Result<bool> row = st->Step();
      if (!row.ok()) return row.status();
      if (!*row) return Status::Ok();
      out.push_back(ReadWindow(*st));
    }
  });
  if (!s.ok()) return s;
  return out;
}

Status SqliteStore::ReplaceMaintenance(const MaintenanceWindow& window) {
  MaintenanceRow row(window);
  return WithWriter([&](Connection& conn) {
    Result<Statement> st = conn.Prepare(
        "UPDATE maintenance_windows SET name = ?2, starts_at = ?3, ends_at = ?4, "
        "weekly_days = ?5, weekly_start = ?6, weekly_minutes = ?7, tags = ?8, server_ids = ?9, "
        "updated_at = ?10 WHERE id = ?1");
    if (!st.ok()) return st.status();
    BindWindow(*st, window, row);
    st->Bind(10, window.updated_at);
    Status run = st->Run();
    if (!run.ok()) return run;
    return conn.Changes() == 0 ? NotFoundWindow(window.id) : Status::Ok();
  });
}

Status SqliteStore::DeleteMaintenance(const std::string& id) {
  return WithWriter([&](Connection& conn) {
    Result<Statement> st = conn.Prepare("DELETE FROM maintenance_windows WHERE id = ?1");
    if (!st.ok()) return st.status();
    st->Bind(1, id);
    Status run = st->Run();
    if (!run.ok()) return run;
    return conn.Changes() == 0 ? NotFoundWindow(id) : Status::Ok();
  });
}

}  // namespace sms::store
