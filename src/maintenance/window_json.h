#pragma once
// The JSON of a maintenance window in the API (POST/PATCH/GET /api/v1/maintenance):
//   one-off: {"name", "start", "end", "servers": {"tags": [...], "server_ids": [...]}}
//   weekly:  {"name", "weekly": {"days": ["mon", ...], "start": "HH:MM",
//             "duration_minutes": N}, "servers": {...}}
// `servers` absent, null or {} means every server. Bad input is InvalidArgument naming the
// field ("end", "weekly.days", "servers.tags", …). Stateless; thread-safe.

#include <boost/json/fwd.hpp>
#include <string_view>

#include "core/status.h"
#include "store/maintenance_store.h"

namespace sms::maintenance {

inline constexpr int kMaxWeeklyMinutes = 7 * 24 * 60;
inline constexpr size_t kMaxScopeServers = 1000;

// Parses a create body into a window (id and times of record unset).
Result<store::MaintenanceWindow> ParseWindow(std::string_view body);
// Applies a patch body to `window`: the members present replace theirs ("start"/"end" make it
// one-off, "weekly" makes it weekly, "servers" replaces the scope); the result is validated as
// a whole.
Status ApplyWindowPatch(std::string_view body, store::MaintenanceWindow& window);
// Checks a window as a whole: a name, exactly one of start/end and weekly, end after start.
Status ValidateWindow(const store::MaintenanceWindow& window);

boost::json::object WindowToJson(const store::MaintenanceWindow& window);

}  // namespace sms::maintenance
