#pragma once
// SQL text and row helpers shared by the PostgresStore sources (internal to src/store).

#include <optional>
#include <string>
#include <string_view>

#include "core/types.h"
#include "store/name_normalization.h"
#include "store/postgres_connection.h"

namespace sms::store {

// A server is a row of servers (s) and its row of server_liveness (l), which holds last_seen.
inline constexpr std::string_view kPgServerFrom = "servers s JOIN server_liveness l ON l.id = s.id";

// The columns ReadPgServer() expects, in order, from kPgServerFrom. "interval" is quoted: it is
// an SQL keyword.
inline constexpr std::string_view kPgServerColumns =
    "s.id, s.server_id, s.server_name, s.ipv4, s.hostname, s.status, s.\"interval\", "
    "s.created_time, s.last_updated, l.last_seen, s.status_changed_at, s.tags";

// Reads a Server from a row that selected kPgServerColumns first.
Server ReadPgServer(const pqxx::row& row);

// The server with `server_id`, or nullopt. `lock`: SELECT … FOR UPDATE (both of its rows).
std::optional<Server> FindPgServer(pqxx::transaction_base& tx, PgConnection& conn,
                                   const std::string& server_id, bool lock = false);

// Inserts `s` (every field but id; its servers and server_liveness rows) and sets s.id.
// Throws (unique_violation) on a taken server_id or server_name (by its NameKey).
void InsertPgServer(pqxx::transaction_base& tx, PgConnection& conn, Server& s);

// True when a server other than row `except_row` has `server_name` in any case: the same NameKey
// (core/validation.h). The unique index alone does not say so for a key that servers found
// sharing it at migration 0011 still hold (name_clash).
bool PgNameTaken(pqxx::transaction_base& tx, PgConnection& conn, const std::string& server_name,
                 int64_t except_row = 0);

// The NameRows of migrations 0006 and 0011 in `tx` (postgres_names.cc).
std::unique_ptr<NameRows> MakePgNameRows(pqxx::transaction_base& tx);

// Appends a status transition of server row `server_row`.
void InsertPgEvent(pqxx::transaction_base& tx, PgConnection& conn, int64_t server_row,
                   ServerStatus status, Millis at, const std::string& cause);

}  // namespace sms::store
