#pragma once
// What a maintenance window means: which servers it covers and at which instants, and the query
// the alert and uptime paths ask: "is this server in maintenance at t", "which spans of
// [from, to) is it in maintenance". Windows are kept by a store::MaintenanceStore; weekly ones
// are read in the zone of --tz (a report::Calendar).
//
// A weekly window starts at its local time of day on each of its weekdays and lasts its
// duration in elapsed time (a 120-minute window across a DST change is still 120 minutes); it
// may run past midnight into the next day. A local start time that does not exist on a day
// (skipped by DST) starts at the instant the clocks jump to. Thread-safe.

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/types.h"
#include "history/maintenance.h"
#include "report/calendar.h"
#include "store/maintenance_store.h"

namespace sms::maintenance {

// Weekday of `day`: 0 Sunday … 6 Saturday.
int Weekday(report::Day day);

// Whether `window`'s scope includes `server`: no tags and no server_ids (every server), the
// server's server_id listed, or a tag in common.
bool Covers(const store::MaintenanceWindow& window, const Server& server);

// The occurrences of `window` that overlap [from, to), ascending (not clipped).
history::Spans Occurrences(const store::MaintenanceWindow& window, Millis from, Millis to,
                           const report::Calendar& calendar);

// The union of the occurrences of those `windows` that cover `server`, clipped to [from, to).
history::Spans MaintenanceOf(const std::vector<store::MaintenanceWindow>& windows,
                             const Server& server, Millis from, Millis to,
                             const report::Calendar& calendar);

// The query, over a MaintenanceStore. Each call reads the windows once.
class Maintenance {
 public:
  Maintenance(store::MaintenanceStorePtr store, report::Calendar calendar)
      : store_(std::move(store)), calendar_(std::move(calendar)) {}

  // Whether `server` is inside one of its maintenance windows at `t`.
  Result<bool> InMaintenance(const Server& server, Millis t) const;
  // The servers of `servers` inside maintenance at `t` (their server_ids, in the order given).
  Result<std::vector<std::string>> InMaintenance(const std::vector<Server>& servers,
                                                 Millis t) const;
  // The spans of [from, to) `server` spends in maintenance (sorted, disjoint).
  Result<history::Spans> Spans(const Server& server, Millis from, Millis to) const;
  // The windows that may cover part of [from, to) (for callers that evaluate many servers).
  Result<std::vector<store::MaintenanceWindow>> Windows(Millis from, Millis to) const;

  const report::Calendar& calendar() const { return calendar_; }

 private:
  store::MaintenanceStorePtr store_;
  report::Calendar calendar_;
};

using MaintenancePtr = std::shared_ptr<const Maintenance>;

}  // namespace sms::maintenance
