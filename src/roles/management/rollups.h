#pragma once
// Rollups for the dashboard's overview, so that a page load at 1 M servers reads a few stored
// rows instead of scanning the fleet:
//   - the fleet's counts (total, on) once a minute, copied from the store's counters (O(1));
//   - each UTC day's mean uptime over the servers of that day, computed once after the day
//     closed, by one replica (Store::ClaimRun), from the uptime source (History::UptimeAll).
// Every replica ticks; the store keeps the first row written for a minute or a day.
//   GET /api/v1/stats/series?from=&to=   the minutes in the window (default the last 24 h, at
//                                        most 31 days), thinned to at most 1440 points; with
//                                        the counts now and the 7 / 30 day means: everything
//                                        the overview shows, in O(points)
// Thread-safe.

#include <boost/json.hpp>
#include <memory>
#include <optional>

#include "core/clock.h"
#include "core/periodic.h"
#include "history/history.h"
#include "http/router.h"
#include "store/dashboard_store.h"
#include "store/schedule_store.h"
#include "store/server_store.h"

namespace sms::management {

struct RollupBackends {
  store::ServerStorePtr servers;     // the fleet's counters
  store::ScheduleStorePtr schedule;  // the claim of a closed day
  store::DashboardStorePtr dashboard;
  history::HistoryPtr history;
  ClockPtr clock;
};

class Rollups {
 public:
  static constexpr const char* kDayJob = "uptime-day";

  explicit Rollups(RollupBackends b) : b_(std::move(b)) {}
  ~Rollups() { Stop(); }

  // Records this minute's counts unless done already in this minute, and the day that closed
  // last when this replica claims it. Errors are returned (and retried next tick).
  Status Tick();

  // Ticks every 10 s until Stop.
  void Start();
  void Stop() { thread_.Stop(); }

 private:
  Status CloseDay(Millis now);
  RollupBackends b_;
  Millis last_minute_ = -1;  // touched by Tick only
  Periodic thread_;
};

// The server-weighted mean of the stored daily uptimes of days starting in [from, to):
// nullopt when none is stored.
Result<std::optional<double>> MeanDailyUptime(store::DashboardStore& store, Millis from, Millis to);

// Sets avg_uptime_7d and avg_uptime_30d of `body`: MeanDailyUptime over the last 7 and 30
// closed UTC days before `now` (null when none is stored).
Status AddDailyMeans(store::DashboardStore& store, Millis now, boost::json::object& body);

// GET /api/v1/stats/series. REQUIRES: servers, dashboard != nullptr.
void RegisterRollups(http::Router& router, store::ServerStorePtr servers,
                     store::DashboardStorePtr dashboard, ClockPtr clock);

}  // namespace sms::management
