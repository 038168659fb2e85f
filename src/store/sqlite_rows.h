#pragma once
// Row helpers shared by the SqliteStore sources (internal to src/store).

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/types.h"
#include "store/name_normalization.h"
#include "store/server_rules.h"
#include "store/sqlite_connection.h"

namespace sms::store {

// The columns ReadServer() expects, in order.
inline constexpr std::string_view kServerColumns =
    "id, server_id, server_name, ipv4, hostname, status, interval, created_time, last_updated, "
    "last_seen, status_changed_at, tags";

// The cheap heartbeat path for a server the caller believes is on with these fields: ?1
// received_at, ?2 server_id, ?3 ipv4, ?4 hostname, ?5 interval. An empty ipv4 or hostname in a
// heartbeat means "not reported" and never clears the stored value.
inline constexpr std::string_view kFastPathSql =
    "UPDATE servers SET last_seen = max(last_seen, ?1) "
    "WHERE server_id = ?2 AND status = 1 AND (?3 = '' OR ipv4 = ?3) "
    "AND (?4 = '' OR hostname = ?4) AND interval = ?5";

// Servers on whose next heartbeat was due before ?1 (now - grace), oldest first, at most ?2.
// INDEXED BY: the planner would otherwise prefer the two-valued status index and sort.
inline constexpr std::string_view kOverdueSql =
    "SELECT id, server_id, last_seen, interval, status_changed_at FROM servers "
    "INDEXED BY servers_due WHERE status = 1 AND last_seen + interval * 1000 < ?1 "
    "ORDER BY last_seen + interval * 1000 LIMIT ?2";

// Reads a Server from the current row of a statement that selected kServerColumns first.
Server ReadServer(const Statement& st);

// The server with `server_id`, or nullopt.
Result<std::optional<Server>> FindServer(Connection& conn, std::string_view server_id);

// The server with `server_id`; NotFound when there is none.
Result<Server> RequireServer(Connection& conn, std::string_view server_id);

// True when a server other than row `except_row` has `server_name` in any case: the same
// NameKey (core/validation.h).
Result<bool> NameTaken(Connection& conn, std::string_view server_name, int64_t except_row = 0);

// Appends a status transition of server row `server_row`.
Status InsertEvent(Connection& conn, int64_t server_row, ServerStatus status, Millis at,
                   std::string_view cause);

// Inserts `s` (every field but id) and sets s.id.
Status InsertServer(Connection& conn, Server& s);

// Writes every mutable field of `s` (by s.id) but the name's key: a heartbeat never renames.
Status WriteServer(Connection& conn, const Server& s);

// Writes the name_key of s.server_name (by s.id), after a rename; the name is then its own.
Status WriteNameKey(Connection& conn, const Server& s);

// How a list reads its tag filters (migration 0007; sqlite_tags.cc).
struct TagPlan {
  int64_t rarest = 0;  // servers carrying the rarest tag given
  int64_t all = -1;    // the list's total when the tags are its only filters; -1 otherwise
  // Walk the sort index probing server_tags per server, rather than gather the tagged servers
  // and sort them: chosen when the tags are common enough for a page to fill quickly.
  bool probe = false;
};
// The plan for `q` (nothing to do when it has no tags), read in the caller's snapshot.
Result<TagPlan> PlanTags(Connection& conn, const ServerQuery& q);

// The NameRows of migrations 0006 and 0011 on `conn` (sqlite_names.cc).
std::unique_ptr<NameRows> MakeSqliteNameRows(Connection& conn);

}  // namespace sms::store
