#pragma once
// MaintenanceStore: maintenance windows, the times when servers are expected to be off (no
// alert goes out for them, and uptime leaves the time out). A narrow interface beside Store:
// its consumers (the maintenance API, the uptime and alert paths) see only this. What a window
// means (which servers, which instants) is alert/maintenance.h; this only keeps them.
// Implementations: SqliteStore and PostgresStore (OpenStores() hands out both interfaces of
// one backend). Every method is thread-safe.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace sms::store {

// A window that repeats every week on some days, in the zone of --tz.
struct WeeklyRecurrence {
  int days = 0;              // bit d set for weekday d (0 Sunday … 6 Saturday); never 0
  int start_minute = 0;      // local time of day it starts, minutes after midnight (0-1439)
  int duration_minutes = 0;  // elapsed minutes it lasts (1 … 7 days)
  bool operator==(const WeeklyRecurrence&) const = default;
};

struct MaintenanceWindow {
  std::string id;  // "mw-…", made by the API
  std::string name;
  // One-off: [start, end). Both 0 when the window is weekly.
  Millis start = 0;
  Millis end = 0;
  std::optional<WeeklyRecurrence> weekly;
  // Scope: servers carrying any of `tags`, and the servers of `server_ids`; both empty means
  // every server.
  std::vector<std::string> tags;
  std::vector<std::string> server_ids;
  Millis created_at = 0;
  Millis updated_at = 0;
  bool operator==(const MaintenanceWindow&) const = default;
};

class MaintenanceStore {
 public:
  virtual ~MaintenanceStore() = default;
  MaintenanceStore() = default;
  MaintenanceStore(const MaintenanceStore&) = delete;
  MaintenanceStore& operator=(const MaintenanceStore&) = delete;

  // Records `window` as given. Conflict (field "id") when the id exists. REQUIRES: validated.
  virtual Status InsertMaintenance(const MaintenanceWindow& window) = 0;
  // NotFound when absent.
  virtual Result<MaintenanceWindow> GetMaintenance(const std::string& id) = 0;
  // Windows that may cover part of [from, to): every weekly window, and the one-off windows
  // that overlap it; ordered by created_at, then id. (0, kForever) lists every window.
  virtual Result<std::vector<MaintenanceWindow>> ListMaintenance(Millis from, Millis to) = 0;
  // Replaces every field of window `window.id` but created_at. NotFound when absent.
  // REQUIRES: validated.
  virtual Status ReplaceMaintenance(const MaintenanceWindow& window) = 0;
  // NotFound when absent.
  virtual Status DeleteMaintenance(const std::string& id) = 0;

  static constexpr Millis kForever = INT64_MAX;
};

using MaintenanceStorePtr = std::shared_ptr<MaintenanceStore>;

}  // namespace sms::store
