#pragma once
// Uptime reports: what a report asks for (a span of calendar days in a time zone and who gets
// it) and what it says (DESIGN.md §5 uptime over that window, per server and for the fleet),
// computed set-based: one read of the servers, one of the uptime source, one of the status
// transitions, whatever the fleet size. Stateless functions; thread-safe.

#include <string>
#include <vector>

#include "core/status.h"
#include "core/types.h"
#include "history/history.h"
#include "report/calendar.h"
#include "store/server_store.h"

namespace sms::report {

inline constexpr int kMaxSpanDays = 366;
inline constexpr size_t kMaxRecipients = 20;
inline constexpr size_t kWorstListed = 20;     // servers below the threshold, in the mail
inline constexpr double kUptimeThreshold = 0.99;

// A report's window: calendar days [first, last] in the calendar's zone.
struct Window {
  Day first;
  Day last;
  std::string tz;
  Millis from = 0;  // start of `first`
  Millis to = 0;    // start of the day after `last`
};

struct ReportRequest {
  Window window;
  std::vector<std::string> emails;
};

// Parses {"start":"YYYY-MM-DD","end":"YYYY-MM-DD","emails":["a@b.c",…]} (unknown members
// rejected). InvalidArgument naming the field: a missing or malformed date, start > end, a span
// over kMaxSpanDays days, an end after today (in `calendar`, as of `now`), emails not an array
// of 1..kMaxRecipients valid addresses, or the body not a JSON object.
Result<ReportRequest> ParseReportRequest(std::string_view body, const Calendar& calendar,
                                         Millis now);

// The window of days [first, last] in `calendar`.
Window MakeWindow(const Calendar& calendar, Day first, Day last);

struct ServerLine {
  std::string server_id;
  std::string server_name;
  std::string ipv4;
  ServerStatus status = ServerStatus::kOff;  // now
  bool measured = false;   // false: the server did not exist during the window
  double uptime = 0;       // 0..1 over the part of the window it existed (and that has passed)
  double downtime_seconds = 0;
  int64_t transitions = 0; // on/off changes inside the window
};

struct Report {
  Window window;
  Millis generated_at = 0;
  int64_t total = 0;  // servers now
  int64_t on = 0;
  int64_t off = 0;
  double average_uptime = 0;    // mean over the measured servers; 0 when none
  int64_t measured = 0;
  std::vector<ServerLine> servers;  // every server, by server_id
  std::vector<size_t> below;        // indexes into servers: uptime < threshold, worst first,
                                    // at most kWorstListed
  int64_t below_total = 0;          // all servers below the threshold
  std::vector<size_t> changed;      // indexes into servers with transitions, most first
  // Where the uptimes came from: a window past the search backend's retention is measured on
  // the SQL status history.
  UptimeSource source = UptimeSource::kSql;
};

// Computes the report of `window` as of `now` (the window is clipped to now and to each
// server's creation). Unavailable when a backend is down.
Result<Report> ComputeReport(store::ServerStore& store, history::History& history,
                             const Window& window, Millis now);

}  // namespace sms::report
