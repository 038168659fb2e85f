#include "core/uptime.h"

#include <algorithm>

namespace sms {
namespace {

bool EarlierAt(const StatusEvent& a, const StatusEvent& b) { return a.at < b.at; }

}  // namespace

Millis UpMillis(const std::vector<StatusEvent>& events, Millis lo, Millis hi) {
  // The state at `lo` is the last event at or before it; off before any event.
  auto first_inside = std::upper_bound(events.begin(), events.end(), lo,
                                       [](Millis t, const StatusEvent& e) { return t < e.at; });
  bool on = first_inside != events.begin() && std::prev(first_inside)->status == ServerStatus::kOn;
  Millis up = 0;
  Millis since = lo;
  for (auto it = first_inside; it != events.end() && it->at < hi; ++it) {
    bool next_on = it->status == ServerStatus::kOn;
    if (on && !next_on) up += it->at - since;
    if (!on && next_on) since = it->at;
    on = next_on;
  }
  if (on) up += hi - since;
  return up;
}

const char* SourceName(UptimeSource source) {
  return source == UptimeSource::kSearch ? "search" : "sql";
}

UptimeResult ComputeUptime(const std::vector<StatusEvent>& events, Millis created_time, Millis from,
                           Millis to, Millis now) {
  UptimeResult r;
  r.from = std::max(from, created_time);
  r.to = std::min(to, now);
  if (r.to <= r.from) {
    r.to = r.from;  // an empty window: nothing to measure
    return r;
  }
  Millis up = 0;
  if (std::is_sorted(events.begin(), events.end(), EarlierAt)) {
    up = UpMillis(events, r.from, r.to);
  } else {
    // The contract asks for sorted events; a caller that slips still gets the right answer.
    std::vector<StatusEvent> sorted = events;
    std::stable_sort(sorted.begin(), sorted.end(), EarlierAt);
    up = UpMillis(sorted, r.from, r.to);
  }
  Millis window = r.to - r.from;
  r.up_seconds = static_cast<double>(up) / 1000.0;
  r.window_seconds = static_cast<double>(window) / 1000.0;
  r.uptime = static_cast<double>(up) / static_cast<double>(window);
  return r;
}

}  // namespace sms
