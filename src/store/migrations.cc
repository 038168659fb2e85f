#include "store/migrations.h"

#include <string>

#include "store/migrations_sql.h"  // generated: kEmbeddedMigrations
#include "store/sqlite_rows.h"

namespace sms::store {
namespace {

constexpr const char* kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";

Result<int> ReadVersion(Connection& conn) {
  Result<Statement> st = conn.Prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!st.ok()) return st.status();
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  return static_cast<int>(st->Int(0));
}

Status Apply(Connection& conn, const Migration& m, Millis now) {
  auto [before, after] = SplitAtStep(m.sql);
  // Exec needs a NUL-terminated string: copy the views.
  Status status = conn.Exec(std::string(before).c_str());
  if (status.ok()) status = MigrationStep(m.version, *MakeSqliteNameRows(conn));  // beyond SQL
  if (status.ok() && !after.empty()) status = conn.Exec(std::string(after).c_str());
  if (!status.ok()) {
    return Status(status.code(), "migration " + std::string(m.name) + ": " + status.message());
  }
  Result<Statement> st =
      conn.Prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
  if (!st.ok()) return st.status();
  st->Bind(1, int64_t{m.version}).Bind(2, m.name).Bind(3, now);
  return st->Run();
}

}  // namespace

std::span<const Migration> Migrations() { return kEmbeddedMigrations; }

std::pair<std::string_view, std::string_view> SplitAtStep(std::string_view sql) {
  size_t at = sql.find("\n-- @step");
  if (at == std::string_view::npos) return {sql, {}};
  return {sql.substr(0, at + 1), sql.substr(at + 1)};
}

Result<int> SchemaVersion(Connection& conn) {
  Status status = conn.Exec(kCreateMigrationsTable);
  if (!status.ok()) return status;
  return ReadVersion(conn);
}

Status ApplyMigrations(Connection& conn, Millis now, int through) {
  Transaction tx(conn);
  Status status = tx.BeginWrite();
  if (!status.ok()) return status;
  Result<int> current = SchemaVersion(conn);
  if (!current.ok()) return current.status();
  int newest = Migrations().empty() ? 0 : Migrations().back().version;
  if (*current > newest) {
    return Status::InvalidArgument("the database schema is at version " + std::to_string(*current) +
                                       ", newer than this binary (" + std::to_string(newest) + ")",
                                   "database_url");
  }
  for (const Migration& m : Migrations()) {
    if (m.version <= *current || m.version > through) continue;
    status = Apply(conn, m, now);
    if (!status.ok()) return status;
  }
  return tx.Commit();
}

}  // namespace sms::store
