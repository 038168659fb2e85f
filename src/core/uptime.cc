#include "core/uptime.h"

#include <algorithm>

namespace sms {
namespace {

bool EarlierAt(const StatusEvent& a, const StatusEvent& b) { return a.at < b.at; }

}  // namespace

Millis UpMillis(const std::vector<StatusEvent>& events, Millis lo, Millis hi) {
  Millis up = 0;
  for (const OnRun& run : RunsFromEvents(events)) {
    const Millis end = run.open ? hi : run.end;
    up += std::max<Millis>(0, std::min(end, hi) - std::max(run.start, lo));
  }
  return up;
}

const char* SourceName(UptimeSource source) {
  return source == UptimeSource::kSearch ? "search" : "sql";
}

std::vector<OnRun> RunsFromEvents(const std::vector<StatusEvent>& events) {
  std::vector<OnRun> runs;
  bool on = false;
  for (const StatusEvent& e : events) {
    bool next_on = e.status == ServerStatus::kOn;
    if (!on && next_on) runs.push_back({e.at, e.at, true});
    if (on && !next_on) {
      runs.back().end = e.at;
      runs.back().open = false;
    }
    on = next_on;
  }
  return runs;
}

UptimeResult UptimeFromRuns(const std::vector<OnRun>& runs, Millis created_time, Millis from,
                            Millis to, Millis now) {
  UptimeResult r;
  r.from = std::max(from, created_time);
  r.to = std::min(to, now);
  if (r.to <= r.from) {
    r.to = r.from;  // an empty window: nothing to measure
    return r;
  }
  Millis up = 0;
  Millis counted = r.from;  // [r.from, counted) is measured already: overlaps count once
  for (const OnRun& run : runs) {
    Millis begin = std::max(run.start, counted);
    Millis end = std::min(run.open ? r.to : run.end, r.to);
    if (end > begin) {
      up += end - begin;
      counted = end;
    }
  }
  Millis window = r.to - r.from;
  r.up_seconds = static_cast<double>(up) / 1000.0;
  r.window_seconds = static_cast<double>(window) / 1000.0;
  r.uptime = static_cast<double>(up) / static_cast<double>(window);
  return r;
}

UptimeResult ComputeUptime(const std::vector<StatusEvent>& events, Millis created_time, Millis from,
                           Millis to, Millis now) {
  if (std::is_sorted(events.begin(), events.end(), EarlierAt)) {
    return UptimeFromRuns(RunsFromEvents(events), created_time, from, to, now);
  }
  // The contract asks for sorted events; a caller that slips still gets the right answer.
  std::vector<StatusEvent> sorted = events;
  std::stable_sort(sorted.begin(), sorted.end(), EarlierAt);
  return UptimeFromRuns(RunsFromEvents(sorted), created_time, from, to, now);
}

}  // namespace sms
