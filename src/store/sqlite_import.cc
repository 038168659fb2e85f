// SqliteStore::ImportServers: many servers created in one write transaction.
//
// Rows go in as multi-row INSERTs. Per-row INSERTs cost ~70 us each, most of it in the trigger
// that feeds the FTS5 search index: FTS5 writes out its pending terms at the end of every
// statement, so one row per statement means one tiny index segment (and its merges) per row.
// A few hundred rows per statement cut an import of 100 k servers from ~7 s to ~2 s.

#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "store/list_column.h"
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
  Result<Statement> st = conn.Prepare("SELECT 1 FROM servers WHERE server_id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, server_id);
  return st->Step();
}

// Inserts `servers` (ids set on return) and their "created" events: one statement each.
Status InsertMany(Connection& conn, std::vector<Server*>& servers, Millis now) {
  size_t n = servers.size();
  Result<Statement> insert = conn.Prepare(
      "INSERT INTO servers (server_id, server_name, ipv4, ipv4_num, hostname, status, interval, "
      "created_time, last_updated, last_seen, status_changed_at, tags) VALUES " +
      Repeat("(?, ?, ?, ?, ?, 0, 30, ?, ?, 0, ?, ?)", n) + " RETURNING id, server_id");
  if (!insert.ok()) return insert.status();
  std::vector<std::string> tags;  // bound, not copied: they outlive the statement run
  tags.reserve(n);
  int p = 1;
  for (const Server* s : servers) {
    insert->Bind(p, s->server_id).Bind(p + 1, s->server_name).Bind(p + 2, s->ipv4);
    insert->Bind(p + 3, Ipv4Number(s->ipv4)).Bind(p + 4, s->hostname);
    insert->Bind(p + 5, now).Bind(p + 6, now).Bind(p + 7, now);
    insert->Bind(p + 8, tags.emplace_back(JoinColumn(s->tags, ',')));
    p += 9;
  }
  // RETURNING's order is unspecified: match the rows by server_id.
  std::unordered_map<std::string_view, Server*> by_id;
  for (Server* s : servers) by_id.emplace(s->server_id, s);
  for (;;) {
    Result<bool> row = insert->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    by_id.at(insert->Text(1))->id = insert->Int(0);
  }
  insert->Reset();
  Result<Statement> events =
      conn.Prepare("INSERT INTO status_events (server, status, at, cause) VALUES " +
                   Repeat("(?, 0, ?, 'created')", n));
  if (!events.ok()) return events.status();
  p = 1;
  for (const Server* s : servers) {
    events->Bind(p, s->id).Bind(p + 1, now);
    p += 2;
  }
  return events->Run();
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
    std::unordered_set<std::string_view> ids, names;
    std::vector<Server*> pending;
    for (size_t i = 0; i < rows.size(); ++i) {
      const ServerInput& in = rows[i];
      const char* field = nullptr;
      Result<bool> id = IdStored(conn, in.server_id);
      if (!id.ok()) return id.status();
      if (*id || ids.count(in.server_id)) field = "server_id";
      if (field == nullptr && names.count(in.server_name)) field = "server_name";
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
      names.insert(in.server_name);
      Server& s = result.imported.emplace_back();
      s.server_id = in.server_id;
      s.server_name = in.server_name;
      s.ipv4 = in.ipv4;
      s.hostname = in.hostname;
      s.tags = in.tags;
      s.status = ServerStatus::kOff;
      s.created_time = s.last_updated = s.status_changed_at = now;
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
