#include "maintenance/windows.h"

#include <algorithm>

namespace sms::maintenance {
namespace {

constexpr Millis kMinute = 60'000;
constexpr int kMinutesPerDay = 24 * 60;

}  // namespace

int Weekday(report::Day day) {
  int64_t w = (day.days + 4) % 7;  // 1970-01-01 was a Thursday
  return static_cast<int>(w < 0 ? w + 7 : w);
}

bool Covers(const store::MaintenanceWindow& window, const Server& server) {
  if (window.tags.empty() && window.server_ids.empty()) return true;
  const auto& ids = window.server_ids;
  if (std::find(ids.begin(), ids.end(), server.server_id) != ids.end()) return true;
  for (const std::string& tag : window.tags) {
    if (std::find(server.tags.begin(), server.tags.end(), tag) != server.tags.end()) return true;
  }
  return false;
}

history::Spans Occurrences(const store::MaintenanceWindow& window, Millis from, Millis to,
                           const report::Calendar& calendar) {
  history::Spans out;
  if (from >= to) return out;
  if (!window.weekly) {
    if (window.end > from && window.start < to) out.push_back({window.start, window.end});
    return out;
  }
  const store::WeeklyRecurrence& weekly = *window.weekly;
  Millis length = weekly.duration_minutes * kMinute;
  // An occurrence that began up to its duration (in days, plus one for DST) before `from`
  // may still be running at `from`.
  int64_t back = weekly.duration_minutes / kMinutesPerDay + 2;
  for (report::Day day = calendar.DayOf(from) - back; day <= calendar.DayOf(to); day = day + 1) {
    if ((weekly.days >> Weekday(day) & 1) == 0) continue;
    Millis start = calendar.At(day, weekly.start_minute);
    if (start + length > from && start < to) out.push_back({start, start + length});
  }
  return out;
}

history::Spans MaintenanceOf(const std::vector<store::MaintenanceWindow>& windows,
                             const Server& server, Millis from, Millis to,
                             const report::Calendar& calendar) {
  history::Spans all;
  for (const store::MaintenanceWindow& w : windows) {
    if (!Covers(w, server)) continue;
    history::Spans some = Occurrences(w, from, to, calendar);
    all.insert(all.end(), some.begin(), some.end());
  }
  return history::Clip(history::Union(std::move(all)), from, to);
}

Result<std::vector<store::MaintenanceWindow>> Maintenance::Windows(Millis from, Millis to) const {
  return store_->ListMaintenance(from, to);
}

Result<bool> Maintenance::InMaintenance(const Server& server, Millis t) const {
  Result<history::Spans> spans = Spans(server, t, t + 1);
  if (!spans.ok()) return spans.status();
  return !spans->empty();
}

Result<std::vector<std::string>> Maintenance::InMaintenance(const std::vector<Server>& servers,
                                                            Millis t) const {
  Result<std::vector<store::MaintenanceWindow>> windows = Windows(t, t + 1);
  if (!windows.ok()) return windows.status();
  std::vector<std::string> out;
  for (const Server& s : servers) {
    if (!MaintenanceOf(*windows, s, t, t + 1, calendar_).empty()) out.push_back(s.server_id);
  }
  return out;
}

Result<history::Spans> Maintenance::Spans(const Server& server, Millis from, Millis to) const {
  Result<std::vector<store::MaintenanceWindow>> windows = Windows(from, to);
  if (!windows.ok()) return windows.status();
  return MaintenanceOf(*windows, server, from, to, calendar_);
}

}  // namespace sms::maintenance
