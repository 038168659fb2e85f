// SqliteStore::ImportServers: many servers created in one write transaction.

#include "store/sqlite_rows.h"
#include "store/sqlite_store.h"

namespace sms::store {
namespace {

// The field of `in` that is taken in SQL (server_id first), or nullptr. Inside the import's
// transaction, rows inserted earlier in the same import count as taken.
Result<const char*> TakenField(Connection& conn, const ServerInput& in) {
  Result<Statement> id = conn.Prepare("SELECT 1 FROM servers WHERE server_id = ?");
  if (!id.ok()) return id.status();
  id->Bind(1, in.server_id);
  Result<bool> found = id->Step();
  if (!found.ok()) return found.status();
  if (*found) return "server_id";
  Result<bool> name = NameTaken(conn, in.server_name);
  if (!name.ok()) return name.status();
  return *name ? "server_name" : nullptr;
}

}  // namespace

Result<ImportResult> SqliteStore::ImportServers(const std::vector<ServerInput>& rows, Millis now) {
  ImportResult result;
  Status status = WithWriter([&](Connection& conn) {
    result = ImportResult();
    Transaction tx(conn);
    Status st = tx.BeginWrite();
    if (!st.ok()) return st;
    for (size_t i = 0; i < rows.size(); ++i) {
      const ServerInput& in = rows[i];
      Result<const char*> taken = TakenField(conn, in);
      if (!taken.ok()) return taken.status();
      if (*taken != nullptr) {
        result.conflicts.push_back({i, *taken});
        continue;
      }
      Server& s = result.imported.emplace_back();
      s.server_id = in.server_id;
      s.server_name = in.server_name;
      s.ipv4 = in.ipv4;
      s.hostname = in.hostname;
      s.status = ServerStatus::kOff;
      s.created_time = s.last_updated = s.status_changed_at = now;
      st = InsertServer(conn, s);
      if (st.ok()) st = InsertEvent(conn, s.id, ServerStatus::kOff, now, "created");
      if (!st.ok()) return st;
    }
    return tx.Commit();
  });
  if (!status.ok()) return status;
  return result;
}

}  // namespace sms::store
