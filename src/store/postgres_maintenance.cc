// PostgresStore: maintenance windows (store/maintenance_store.h; migration 0008).

#include "store/maintenance_rows.h"
#include "store/postgres_store.h"

namespace sms::store {
namespace {

const std::string kColumns(kMaintenanceColumns);
const std::string kInsertSql = "INSERT INTO maintenance_windows (" + kColumns +
                               ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
const std::string kGetSql = "SELECT " + kColumns + " FROM maintenance_windows WHERE id = $1";
const std::string kListSql =
    "SELECT " + kColumns + " FROM maintenance_windows" + std::string(kMaintenanceListWhere);
const std::string kReplaceSql =
    "UPDATE maintenance_windows SET name = $2, starts_at = $3, ends_at = $4, weekly_days = $5, "
    "weekly_start = $6, weekly_minutes = $7, tags = $8, server_ids = $9, updated_at = $10 "
    "WHERE id = $1 RETURNING id";
const std::string kDeleteSql = "DELETE FROM maintenance_windows WHERE id = $1 RETURNING id";

MaintenanceWindow ReadWindow(const pqxx::row& row) {
  MaintenanceWindow w =
      MaintenanceFromRow(row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<int64_t>(),
                         row[3].as<int64_t>(), row[4].as<int64_t>(), row[5].as<int64_t>(),
                         row[6].as<int64_t>(), row[7].c_str(), row[8].c_str());
  w.created_at = row[9].as<int64_t>();
  w.updated_at = row[10].as<int64_t>();
  return w;
}

Status NotFoundWindow(const std::string& id) {
  return Status::NotFound("no maintenance window \"" + id + "\"");
}

}  // namespace

Status PostgresStore::InsertMaintenance(const MaintenanceWindow& w) {
  MaintenanceRow row(w);
  Status s = pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    ExecPrepared(tx, conn, kInsertSql, w.id, w.name, w.start, w.end, row.days, row.start_minute,
                 row.minutes, row.tags, row.server_ids, w.created_at, w.updated_at);
    tx.commit();
    return Status::Ok();
  });
  if (s.code() == Code::kConflict) {
    return Status::Conflict("maintenance window \"" + w.id + "\" exists", "id");
  }
  return s;
}

Result<MaintenanceWindow> PostgresStore::GetMaintenance(const std::string& id) {
  std::optional<MaintenanceWindow> found;
  Status s = pool_.Run([&](PgConnection& conn) {
    pqxx::nontransaction tx(conn.raw());
    pqxx::result r = ExecPrepared(tx, conn, kGetSql, id);
    if (!r.empty()) found = ReadWindow(r[0]);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (!found) return NotFoundWindow(id);
  return std::move(*found);
}

Result<std::vector<MaintenanceWindow>> PostgresStore::ListMaintenance(Millis from, Millis to) {
  std::vector<MaintenanceWindow> out;
  Status s = pool_.Run([&](PgConnection& conn) {
    out.clear();
    pqxx::nontransaction tx(conn.raw());
    for (const pqxx::row& row : ExecPrepared(tx, conn, kListSql, from, to)) {
      out.push_back(ReadWindow(row));
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Status PostgresStore::ReplaceMaintenance(const MaintenanceWindow& w) {
  MaintenanceRow row(w);
  return pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    pqxx::result r =
        ExecPrepared(tx, conn, kReplaceSql, w.id, w.name, w.start, w.end, row.days,
                     row.start_minute, row.minutes, row.tags, row.server_ids, w.updated_at);
    if (r.empty()) return NotFoundWindow(w.id);
    tx.commit();
    return Status::Ok();
  });
}

Status PostgresStore::DeleteMaintenance(const std::string& id) {
  return pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    if (ExecPrepared(tx, conn, kDeleteSql, id).empty()) return NotFoundWindow(id);
    tx.commit();
    return Status::Ok();
  });
}

}  // namespace sms::store
