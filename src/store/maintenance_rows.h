#pragma once
// How both SQL stores keep a MaintenanceWindow in a row of maintenance_windows (migration
// 0008), and the SQL text they share (internal to src/store).

#include <string>
#include <string_view>

#include "store/list_column.h"
#include "store/maintenance_store.h"

namespace sms::store {

// The columns, in the order the statements below and the row readers use.
inline constexpr std::string_view kMaintenanceColumns =
    "id, name, starts_at, ends_at, weekly_days, weekly_start, weekly_minutes, tags, server_ids, "
    "created_at, updated_at";

// Weekly windows, and one-off windows overlapping [$1, $2), in list order. (SQLite reads $N as
// it reads ?N.)
inline constexpr std::string_view kMaintenanceListWhere =
    " WHERE weekly_days <> 0 OR (ends_at > $1 AND starts_at < $2) ORDER BY created_at, id";

// A window's row values as text and numbers, in kMaintenanceColumns order.
struct MaintenanceRow {
  explicit MaintenanceRow(const MaintenanceWindow& w)
      : days(w.weekly ? w.weekly->days : 0),
        start_minute(w.weekly ? w.weekly->start_minute : 0),
        minutes(w.weekly ? w.weekly->duration_minutes : 0),
        tags(JoinColumn(w.tags, ',')),
        server_ids(JoinColumn(w.server_ids, ',')) {}
  int64_t days;
  int64_t start_minute;
  int64_t minutes;
  std::string tags;
  std::string server_ids;
};

// The window of a row, from its values in kMaintenanceColumns order.
inline MaintenanceWindow MaintenanceFromRow(std::string id, std::string name, Millis start,
                                            Millis end, int64_t days, int64_t start_minute,
                                            int64_t minutes, std::string_view tags,
                                            std::string_view server_ids) {
  MaintenanceWindow w;
  w.id = std::move(id);
  w.name = std::move(name);
  w.start = start;
  w.end = end;
  if (days != 0) {
    w.weekly = WeeklyRecurrence{static_cast<int>(days), static_cast<int>(start_minute),
                                static_cast<int>(minutes)};
  }
  w.tags = SplitColumn(tags, ',');
  w.server_ids = SplitColumn(server_ids, ',');
  return w;
}

}  // namespace sms::store
