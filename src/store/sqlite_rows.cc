#include "store/sqlite_rows.h"

#include "core/status_macros.h"
#include "core/validation.h"
#include "store/list_column.h"

namespace sms::store {

Server ReadServer(const Statement& st) {
  Server s;
  s.id = st.Int(0);
  s.server_id = st.Text(1);
  s.server_name = st.Text(2);
  s.ipv4 = st.Text(3);
  s.hostname = st.Text(4);
  s.status = st.Int(5) != 0 ? ServerStatus::kOn : ServerStatus::kOff;
  s.interval = static_cast<int>(st.Int(6));
  s.created_time = st.Int(7);
  s.last_updated = st.Int(8);
  s.last_seen = st.Int(9);
  s.status_changed_at = st.Int(10);
  s.tags = SplitColumn(st.Text(11), ',');
  return s;
}

Result<std::optional<Server>> FindServer(Connection& conn, std::string_view server_id) {
  static const std::string kSql =
      "SELECT " + std::string(kServerColumns) + " FROM servers WHERE server_id = ?";
  ASSIGN_OR_RETURN(Statement st, conn.Prepare(kSql));
  st.Bind(1, server_id);
  ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<Server>();
  return std::optional<Server>(ReadServer(st));
}

Result<Server> RequireServer(Connection& conn, std::string_view server_id) {
  ASSIGN_OR_RETURN(std::optional<Server> found, FindServer(conn, server_id));
  if (!found) return ServerNotFound(std::string(server_id));
  return std::move(*found);
}

Result<bool> NameTaken(Connection& conn, std::string_view server_name, int64_t except_row) {
  // Several servers may share a key that migration 0011 found shared (name_clash).
  ASSIGN_OR_RETURN(Statement st,
                   conn.Prepare("SELECT 1 FROM servers WHERE name_key = ? AND id <> ? LIMIT 1"));
  std::string key = NameKey(server_name);  // bound, not copied
  st.Bind(1, key).Bind(2, except_row);
  return st.Step();
}

Status InsertEvent(Connection& conn, int64_t server_row, ServerStatus status, Millis at,
                   std::string_view cause) {
  ASSIGN_OR_RETURN(
      Statement st,
      conn.Prepare("INSERT INTO status_events (server, status, at, cause) VALUES (?, ?, ?, ?)"));
  st.Bind(1, server_row).Bind(2, int64_t{status == ServerStatus::kOn}).Bind(3, at).Bind(4, cause);
  return st.Run();
}

Status InsertServer(Connection& conn, Server& s) {
  ASSIGN_OR_RETURN(Statement st,
                   conn.Prepare("INSERT INTO servers (server_id, server_name, ipv4, ipv4_num, "
                                "hostname, status, interval, created_time, last_updated, "
                                "last_seen, status_changed_at, tags, name_key) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st.Bind(1, s.server_id).Bind(2, s.server_name).Bind(3, s.ipv4).Bind(4, Ipv4Number(s.ipv4));
  st.Bind(5, s.hostname).Bind(6, int64_t{s.status == ServerStatus::kOn});
  st.Bind(7, int64_t{s.interval}).Bind(8, s.created_time).Bind(9, s.last_updated);
  std::string tags = JoinColumn(s.tags, ',');  // bound, not copied: it outlives the statement run
  std::string key = NameKey(s.server_name);
  st.Bind(10, s.last_seen).Bind(11, s.status_changed_at).Bind(12, tags).Bind(13, key);
  Status status = st.Run();
  if (status.ok()) s.id = conn.LastInsertId();
  return status;
}

Status WriteServer(Connection& conn, const Server& s) {
  ASSIGN_OR_RETURN(
      Statement st,
      conn.Prepare(
          "UPDATE servers SET server_name = ?, ipv4 = ?, ipv4_num = ?, hostname = ?, status = ?, "
          "interval = ?, last_updated = ?, last_seen = ?, status_changed_at = ?, tags = ? WHERE id "
          "= "
          "?"));
  st.Bind(1, s.server_name).Bind(2, s.ipv4).Bind(3, Ipv4Number(s.ipv4)).Bind(4, s.hostname);
  st.Bind(5, int64_t{s.status == ServerStatus::kOn}).Bind(6, int64_t{s.interval});
  st.Bind(7, s.last_updated).Bind(8, s.last_seen).Bind(9, s.status_changed_at);
  std::string tags = JoinColumn(s.tags, ',');  // bound, not copied
  st.Bind(10, tags).Bind(11, s.id);
  return st.Run();
}

Status WriteNameKey(Connection& conn, const Server& s) {
  ASSIGN_OR_RETURN(Statement st, conn.Prepare("UPDATE servers SET name_key = ?, name_clash = '' "
                                              "WHERE id = ?"));
  std::string key = NameKey(s.server_name);  // bound, not copied
  st.Bind(1, key).Bind(2, s.id);
  return st.Run();
}

}  // namespace sms::store
