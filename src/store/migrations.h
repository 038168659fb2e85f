#pragma once
// Versioned schema migrations for SqliteStore. The SQL lives in src/store/migrations/NNNN_*.sql
// and is embedded in the binary at build time (see CMakeLists.txt), so a store never depends on
// files next to the executable. Applied versions are recorded in the schema_migrations table.

#include <climits>
#include <span>
#include <string_view>
#include <utility>

#include "core/status.h"
#include "core/types.h"
#include "store/sqlite_connection.h"

namespace sms::store {

struct Migration {
  int version;            // from the file name's numeric prefix; strictly increasing
  std::string_view name;  // the file name without ".sql"
  std::string_view sql;
};

// The embedded migrations, in version order.
std::span<const Migration> Migrations();

// The SQL of a migration before its "-- @step" line and from that line on (empty when it has
// none): its C++ step (MigrationStep, store/name_normalization.h) runs between the two.
std::pair<std::string_view, std::string_view> SplitAtStep(std::string_view sql);

// Brings the database up to the newest embedded version (or only up to version `through`, as an
// older binary would, for tests) in one write transaction; a version already recorded is
// skipped, so calling it again (or from two processes at once) is harmless. Migrations
// kNfcNamesVersion and kNameKeysVersion also run their steps (store/name_normalization.h).
// InvalidArgument (field database_url) when the database is newer than this binary.
Status ApplyMigrations(Connection& conn, Millis now, int through = INT_MAX);

// The highest applied version (0 for an empty database).
Result<int> SchemaVersion(Connection& conn);

}  // namespace sms::store
