#include "store/postgres_rows.h"

#include "core/validation.h"
#include "store/list_column.h"
#include "store/server_rules.h"

namespace sms::store {

Server ReadPgServer(const pqxx::row& row) {
  Server s;
  s.id = row[0].as<int64_t>();
  s.server_id = row[1].as<std::string>();
  s.server_name = row[2].as<std::string>();
  s.ipv4 = row[3].as<std::string>();
  s.hostname = row[4].as<std::string>();
  s.status = row[5].as<int>() != 0 ? ServerStatus::kOn : ServerStatus::kOff;
  s.interval = row[6].as<int>();
  s.created_time = row[7].as<int64_t>();
  s.last_updated = row[8].as<int64_t>();
  s.last_seen = row[9].as<int64_t>();
  s.status_changed_at = row[10].as<int64_t>();
  s.tags = SplitColumn(row[11].c_str(), ',');
  return s;
}

std::optional<Server> FindPgServer(pqxx::transaction_base& tx, PgConnection& conn,
                                   const std::string& server_id, bool lock) {
  static const std::string kSql = "SELECT " + std::string(kPgServerColumns) + " FROM " +
                                  std::string(kPgServerFrom) + " WHERE s.server_id = $1";
  static const std::string kLockSql = kSql + " FOR UPDATE";
  pqxx::result r = ExecPrepared(tx, conn, lock ? kLockSql : kSql, server_id);
  if (r.empty()) return std::nullopt;
  return ReadPgServer(r[0]);
}

void InsertPgServer(pqxx::transaction_base& tx, PgConnection& conn, Server& s) {
  static const std::string kServer =
      "INSERT INTO servers (server_id, server_name, ipv4, ipv4_num, hostname, status, "
      "\"interval\", created_time, last_updated, status_changed_at, tags, name_key) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id";
  static const std::string kLiveness =
      "INSERT INTO server_liveness (id, last_seen, status, \"interval\") "
      "VALUES ($1, $2, $3, $4)";
  int status = s.status == ServerStatus::kOn;
  pqxx::result r =
      ExecPrepared(tx, conn, kServer, s.server_id, s.server_name, s.ipv4, Ipv4Number(s.ipv4),
                   s.hostname, status, s.interval, s.created_time, s.last_updated,
                   s.status_changed_at, JoinColumn(s.tags, ','), NameKey(s.server_name));
  s.id = r[0][0].as<int64_t>();
  ExecPrepared(tx, conn, kLiveness, s.id, s.last_seen, status, s.interval);
}

void InsertPgEvent(pqxx::transaction_base& tx, PgConnection& conn, int64_t server_row,
                   ServerStatus status, Millis at, const std::string& cause) {
  static const std::string kSql =
      "INSERT INTO status_events (server, status, at, cause) VALUES ($1, $2, $3, $4)";
  ExecPrepared(tx, conn, kSql, server_row, int{status == ServerStatus::kOn}, at, cause);
}

bool PgNameTaken(pqxx::transaction_base& tx, PgConnection& conn, const std::string& server_name,
                 int64_t except_row) {
  static const std::string kSql = "SELECT 1 FROM servers WHERE name_key = $1 AND id <> $2 LIMIT 1";
  return !ExecPrepared(tx, conn, kSql, NameKey(server_name), except_row).empty();
}

}  // namespace sms::store
