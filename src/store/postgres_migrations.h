#pragma once
// Versioned schema migrations for PostgresStore. The SQL lives in
// src/store/migrations_pg/NNNN_*.sql and is embedded in the binary at build time (see
// CMakeLists.txt). Applied versions are recorded in the schema_migrations table of the
// connection's schema (the first of its search_path).

#include <span>

#include "core/status.h"
#include "core/types.h"
#include "store/migrations.h"
#include "store/postgres_connection.h"

namespace sms::store {

// The session-level advisory lock (pg_advisory_lock) every PostgresStore takes while it
// migrates, so replicas starting together apply each migration once, one after the other.
inline constexpr int64_t kPgMigrationLock = 8317430940517885810;  // "sms_migr"

// The embedded PostgreSQL migrations, in version order.
std::span<const Migration> PgMigrations();

// Brings the schema up to the newest embedded version (or only up to version `through`, as an
// older binary would, for tests): under kPgMigrationLock, the pending migrations run in one
// transaction with their schema_migrations rows. A version already recorded is skipped, so
// calling it again (or from many processes at once) is harmless. Migrations kNfcNamesVersion
// and kNameKeysVersion also run their steps (store/name_normalization.h).
// InvalidArgument (field database_url) when the schema is newer than this binary.
Status ApplyPgMigrations(PgPool& pool, Millis now, int through = INT_MAX);

}  // namespace sms::store
