#include "store/sqlite_rows.h"

#include <charconv>

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

int64_t Ipv4Number(std::string_view ipv4) {
  int64_t value = 0;
  const char* p = ipv4.data();
  const char* end = ipv4.data() + ipv4.size();
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (p == end || *p != '.') return -1;
      ++p;
    }
    unsigned octet = 0;
    auto [next, ec] = std::from_chars(p, end, octet);
    if (ec != std::errc() || next == p || octet > 255) return -1;
    value = value * 256 + octet;
    p = next;
  }
  return p == end ? value : -1;
}

Result<std::optional<Server>> FindServer(Connection& conn, std::string_view server_id) {
  static const std::string kSql =
      "SELECT " + std::string(kServerColumns) + " FROM servers WHERE server_id = ?";
  Result<Statement> st = conn.Prepare(kSql);
  if (!st.ok()) return st.status();
  st->Bind(1, server_id);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<Server>();
  return std::optional<Server>(ReadServer(*st));
}

Result<bool> NameTaken(Connection& conn, std::string_view server_name, int64_t except_row) {
  Result<Statement> st = conn.Prepare("SELECT id FROM servers WHERE server_name = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, server_name);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  return *row && st->Int(0) != except_row;
}

Status InsertEvent(Connection& conn, int64_t server_row, ServerStatus status, Millis at,
                   std::string_view cause) {
  Result<Statement> st =
      conn.Prepare("INSERT INTO status_events (server, status, at, cause) VALUES (?, ?, ?, ?)");
  if (!st.ok()) return st.status();
  st->Bind(1, server_row).Bind(2, int64_t{status == ServerStatus::kOn}).Bind(3, at).Bind(4, cause);
  return st->Run();
}

Status InsertServer(Connection& conn, Server& s) {
  Result<Statement> st = conn.Prepare(
      "INSERT INTO servers (server_id, server_name, ipv4, ipv4_num, hostname, status, interval, "
      "created_time, last_updated, last_seen, status_changed_at, tags) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st.ok()) return st.status();
  st->Bind(1, s.server_id).Bind(2, s.server_name).Bind(3, s.ipv4).Bind(4, Ipv4Number(s.ipv4));
  st->Bind(5, s.hostname).Bind(6, int64_t{s.status == ServerStatus::kOn});
  st->Bind(7, int64_t{s.interval}).Bind(8, s.created_time).Bind(9, s.last_updated);
  std::string tags = JoinColumn(s.tags, ',');  // bound, not copied: it outlives the statement run
  st->Bind(10, s.last_seen).Bind(11, s.status_changed_at).Bind(12, tags);
  Status status = st->Run();
  if (status.ok()) s.id = conn.LastInsertId();
  return status;
}

Status WriteServer(Connection& conn, const Server& s) {
  Result<Statement> st = conn.Prepare(
      "UPDATE servers SET server_name = ?, ipv4 = ?, ipv4_num = ?, hostname = ?, status = ?, "
      "interval = ?, last_updated = ?, last_seen = ?, status_changed_at = ?, tags = ? WHERE id = "
      "?");
  if (!st.ok()) return st.status();
  st->Bind(1, s.server_name).Bind(2, s.ipv4).Bind(3, Ipv4Number(s.ipv4)).Bind(4, s.hostname);
  st->Bind(5, int64_t{s.status == ServerStatus::kOn}).Bind(6, int64_t{s.interval});
  st->Bind(7, s.last_updated).Bind(8, s.last_seen).Bind(9, s.status_changed_at);
  std::string tags = JoinColumn(s.tags, ',');  // bound, not copied
  st->Bind(10, tags).Bind(11, s.id);
  return st->Run();
}

}  // namespace sms::store
