// SqliteStore::ImportServers: many servers created in one write transaction.
//
// Rows go in as multi-row INSERTs. Per-row INSERTs cost ~70 us each, most of it in the trigger
// that feeds the FTS5 search index: FTS5 writes out its pending terms at the end of every
// statement, so one row per statement means one tiny index segment (and its merges) per row.
// A few hundred rows per statement cut an import of 100 k servers from ~7 s to ~2 s.

#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/status_macros.h"
#include "core/validation.h"
#include "store/list_column.h"
#include "store/server_rules.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_store.h"

namespace sms::store {
namespace {

// Rows per INSERT; a remainder goes in power-of-two pieces, so that whatever the row count only
// these few statement texts reach the connection's statement cache.
constexpr size_t kChunk = 512;

std::string Repeat(std::string_view item, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out.append(i == 0 ? "" : ", ").append(item);
  return out;
}

Result<bool> IdStored(Connection& conn, std::string_view server_id) {
  ASSIGN_OR_RETURN(Statement st, conn.Prepare("SELECT 1 FROM servers WHERE server_id = ?"));
  st.Bind(1, server_id);
  return st.Step();
}

// Inserts `servers` (ids set on return) and their "created" events: one statement each.
Status InsertMany(Connection& conn, std::vector<Server*>& servers, Millis now) {
  size_t n = servers.size();
  ASSIGN_OR_RETURN(
      Statement insert,
      conn.Prepare("INSERT INTO servers (server_id, server_name, ipv4, ipv4_num, hostname, status, "
                   "interval, created_time, last_updated, last_seen, status_changed_at, tags, "
                   "name_key) VALUES " +
                   Repeat("(?, ?, ?, ?, ?, 0, 30, ?, ?, 0, ?, ?, ?)", n) +
                   " RETURNING id, server_id"));
  std::vector<std::string> tags, keys;  // bound, not copied: they outlive the statement run
  tags.reserve(n);
  keys.reserve(n);
  int p = 1;
  for (const Server* s : servers) {
    insert.Bind(p, s->server_id).Bind(p + 1, s->server_name).Bind(p + 2, s->ipv4);
    insert.Bind(p + 3, Ipv4Number(s->ipv4)).Bind(p + 4, s->hostname);
    insert.Bind(p + 5, now).Bind(p + 6, now).Bind(p + 7, now);
    insert.Bind(p + 8, tags.emplace_back(JoinColumn(s->tags, ',')));
    insert.Bind(p + 9, keys.emplace_back(NameKey(s->server_name)));
    p += 10;
  }
  // RETURNING's order is unspecified: match the rows by server_id.
  std::unordered_map<std::string_view, Server*> by_id;
  for (Server* s : servers) by_id.emplace(s->server_id, s);
  RETURN_IF_ERROR(
      insert.ForEachRow([&](Statement& row) { by_id.at(row.Text(1))->id = row.Int(0); }));
  insert.Reset();
  ASSIGN_OR_RETURN(Statement events,
                   conn.Prepare("INSERT INTO status_events (server, status, at, cause) VALUES " +
                                Repeat("(?, 0, ?, 'created')", n)));
  p = 1;
  for (const Server* s : servers) {
    events.Bind(p, s->id).Bind(p + 1, now);
    p += 2;
  }
  return events.Run();
}

// Inserts the pending servers in chunks of kChunk, then powers of two.
Status Flush(Connection& conn, std::vector<Server*>& pending, Millis now) {
  size_t at = 0;
  while (at < pending.size()) {
    size_t n = kChunk;
    while (n > pending.size() - at) n /= 2;
    std::vector<Server*> piece(pending.begin() + at, pending.begin() + at + n);
    Status st = InsertMany(conn, piece, now);
    if (!st.ok()) return st;
    at += n;
  }
  pending.clear();
  return Status::Ok();
}

}  // namespace

Result<ImportResult> SqliteStore::ImportServers(const std::vector<ServerInput>& rows, Millis now) {
  ImportResult result;
  Status status = WithWriter([&](Connection& conn) {
    result = ImportResult();
    result.imported.reserve(rows.size());  // pointers into it stay valid
    Transaction tx(conn);
    Status st = tx.BeginWrite();
    if (!st.ok()) return st;
    // Values of the rows accepted so far: a row takes them only once it is accepted.
    std::unordered_set<std::string_view> ids;
    std::unordered_set<std::string> names;  // by NameKey
    std::vector<Server*> pending;
    for (size_t i = 0; i < rows.size(); ++i) {
      const ServerInput& in = rows[i];
      const char* field = nullptr;
      Result<bool> id = IdStored(conn, in.server_id);
      if (!id.ok()) return id.status();
      if (*id || ids.count(in.server_id)) field = "server_id";
      std::string key = NameKey(in.server_name);
      if (field == nullptr && names.count(key)) field = "server_name";
      if (field == nullptr) {
        Result<bool> name = NameTaken(conn, in.server_name);
        if (!name.ok()) return name.status();
        if (*name) field = "server_name";
      }
      if (field != nullptr) {
        result.conflicts.push_back({i, field});
        continue;
      }
      ids.insert(in.server_id);
      names.insert(std::move(key));
      Server& s = result.imported.emplace_back(NewServer(in, now));
      pending.push_back(&s);
      if (pending.size() == kChunk) st = Flush(conn, pending, now);
      if (!st.ok()) return st;
    }
    st = Flush(conn, pending, now);
    return st.ok() ? tx.Commit() : st;
  });
  if (!status.ok()) return status;
  return result;
}

}  // namespace sms::store
