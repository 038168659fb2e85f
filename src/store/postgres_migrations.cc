#include "store/postgres_migrations.h"

#include <string>

#include "store/migrations_pg_sql.h"  // generated: kEmbeddedPgMigrations
#include "store/postgres_rows.h"

namespace sms::store {
namespace {

constexpr const char* kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)";

// Holds kPgMigrationLock for its lifetime. If the session dies instead, the server releases it.
class AdvisoryLock {
 public:
  explicit AdvisoryLock(pqxx::connection& conn) : conn_(conn) {
    pqxx::nontransaction(conn_).exec("SELECT pg_advisory_lock(" + std::to_string(kPgMigrationLock) +
                                     ")");
  }
  ~AdvisoryLock() {
    try {
      pqxx::nontransaction(conn_).exec("SELECT pg_advisory_unlock(" +
                                       std::to_string(kPgMigrationLock) + ")");
    } catch (const std::exception&) {
      // The session is gone, and its lock with it.
    }
  }
  AdvisoryLock(const AdvisoryLock&) = delete;
  AdvisoryLock& operator=(const AdvisoryLock&) = delete;

 private:
  pqxx::connection& conn_;
};

Status Migrate(pqxx::connection& conn, Millis now, int through) {
  // Notices such as "extension already exists, skipping" are expected here.
  pqxx::nontransaction(conn).exec("SET client_min_messages = warning");
  AdvisoryLock lock(conn);
  pqxx::work tx(conn);
  tx.exec(kCreateMigrationsTable);
  int current = tx.exec("SELECT coalesce(max(version), 0) FROM schema_migrations")[0][0].as<int>();
  int newest = PgMigrations().empty() ? 0 : PgMigrations().back().version;
  if (current > newest) {
    return Status::InvalidArgument("the database schema is at version " + std::to_string(current) +
                                       ", newer than this binary (" + std::to_string(newest) + ")",
                                   "database_url");
  }
  for (const Migration& m : PgMigrations()) {
    if (m.version <= current || m.version > through) continue;
    Status step;
    try {
      auto [before, after] = SplitAtStep(m.sql);
      tx.exec(std::string(before));
      step = MigrationStep(m.version, *MakePgNameRows(tx));  // NFC, case folding: beyond SQL
      if (step.ok() && !after.empty()) tx.exec(std::string(after));
    } catch (const pqxx::sql_error& e) {
      if (PgConnectionLost(e)) throw;  // the pool decides about the connection
      Status status = PgError(e);
      return Status(status.code(), "migration " + std::string(m.name) + ": " + status.message());
    }
    if (!step.ok()) {
      return Status(step.code(), "migration " + std::string(m.name) + ": " + step.message());
    }
    tx.exec_params("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                   m.version, std::string(m.name), now);
  }
  tx.commit();
  return Status::Ok();
}

}  // namespace

std::span<const Migration> PgMigrations() { return kEmbeddedPgMigrations; }

Status ApplyPgMigrations(PgPool& pool, Millis now, int through) {
  return pool.Run([now, through](PgConnection& conn) { return Migrate(conn.raw(), now, through); });
}

}  // namespace sms::store
