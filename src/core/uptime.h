#pragma once
// Exact, time-weighted uptime from status transitions (DESIGN.md §5).

#include <cstdint>
#include <vector>

#include "core/types.h"

namespace sms {

// Where an uptime was computed from: the SQL status transitions (kept for good), or the
// heartbeat documents of a search backend (kept for its retention).
enum class UptimeSource : uint8_t { kSql, kSearch };

// "sql" or "search", as the API shows it.
const char* SourceName(UptimeSource source);

struct UptimeResult {
  double uptime = 0;  // up_seconds / window_seconds; 0 when the window is empty
  double up_seconds = 0;
  double window_seconds = 0;  // the window measured, maintenance left out
  Millis from = 0;            // the clipped window actually measured
  Millis to = 0;
  UptimeSource source = UptimeSource::kSql;
  // Time of the window inside maintenance (history/maintenance.h): in neither up_seconds nor
  // window_seconds.
  double maintenance_seconds = 0;
};

// One stretch a server was on: from its on transition at `start` to its off transition at
// `end`; an open run (not turned off yet) lasts through now. Every history measures uptime from
// runs with UptimeFromRuns: the SQL history makes them from its transitions, the search history
// keeps them as documents.
struct OnRun {
  Millis start = 0;
  Millis end = 0;  // the off transition; ignored while open
  bool open = false;
};

// The runs that transitions sorted by time describe: an on (while off) opens one, an off (while
// on) closes it, a repeated status changes nothing; on after the last event is an open run.
std::vector<OnRun> RunsFromEvents(const std::vector<StatusEvent>& events);

// Uptime over [from, to] clipped to [created_time, now], from `runs` sorted by start (closed
// ones not overlapping the next); off outside every run. Overlaps are counted once.
UptimeResult UptimeFromRuns(const std::vector<OnRun>& runs, Millis created_time, Millis from,
                            Millis to, Millis now);

// Milliseconds spent on inside [lo, hi] (the runs `events` describe, an open one through hi),
// given events sorted by time (any before `lo` included); off before the first event.
Millis UpMillis(const std::vector<StatusEvent>& events, Millis lo, Millis hi);

// Computes uptime over [from, to] clipped to [created_time, now].
// `events` are the server's transitions sorted by time (any before `from` included, so the
// state at `from` is known); before the first event the server is off.
UptimeResult ComputeUptime(const std::vector<StatusEvent>& events, Millis created_time, Millis from,
                           Millis to, Millis now);

}  // namespace sms
