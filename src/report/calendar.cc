#include "report/calendar.h"

#include <date/date.h>
#include <date/tz.h>

#include <cstdio>
#include <filesystem>
#include <system_error>

namespace sms::report {
namespace {

using std::chrono::milliseconds;

date::local_seconds LocalMidnight(Day day) {
  return date::local_seconds(date::local_days(date::days(day.days)).time_since_epoch());
}

// The instant of local time `local`: the earlier of two when the clock went back, the moment
// the clock jumped when it went forward past it.
Millis ToInstant(const date::time_zone* zone, date::local_seconds local) {
  date::local_info info = zone->get_info(local);
  date::sys_seconds sys;
  switch (info.result) {
    case date::local_info::unique:
    case date::local_info::ambiguous:
      sys = date::sys_seconds((local - info.first.offset).time_since_epoch());
      break;
    default:  // nonexistent: the transition itself
      sys = info.second.begin;
      break;
  }
  return std::chrono::duration_cast<milliseconds>(sys.time_since_epoch()).count();
}

// `name` as a zone of the tz database: as given, or the part after "zoneinfo/" of a path.
std::string KnownZone(std::string name) {
  if (size_t at = name.rfind("zoneinfo/"); at != std::string::npos) name.erase(0, at + 9);
  if (name.empty()) return "";
  try {
    date::locate_zone(name);
    return name;
  } catch (const std::exception&) {
    return "";
  }
}

}  // namespace

std::string HostTimeZone(const char* tz_env, const std::string& localtime) {
  if (tz_env != nullptr) {
    std::string tz = tz_env;
    if (!tz.empty() && tz.front() == ':') tz.erase(0, 1);
    if (std::string zone = KnownZone(tz); !zone.empty()) return zone;
  }
  std::error_code ec;
  std::filesystem::path target = std::filesystem::read_symlink(localtime, ec);
  if (!ec) {
    if (std::string zone = KnownZone(target.string()); !zone.empty()) return zone;
  }
  return "UTC";
}

Result<Day> ParseDay(std::string_view text, const std::string& field) {
  auto bad = [&] {
    return Status::InvalidArgument(field + " must be a date YYYY-MM-DD", field);
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad();
  int parts[3] = {0, 0, 0};
  size_t starts[3] = {0, 5, 8}, lens[3] = {4, 2, 2};
  for (int i = 0; i < 3; ++i) {
    for (size_t j = starts[i]; j < starts[i] + lens[i]; ++j) {
      if (text[j] < '0' || text[j] > '9') return bad();
      parts[i] = parts[i] * 10 + (text[j] - '0');
    }
  }
  date::year_month_day ymd{date::year(parts[0]), date::month(unsigned(parts[1])),
                           date::day(unsigned(parts[2]))};
  if (!ymd.ok()) return bad();
  if (parts[0] < 1970) {
    return Status::InvalidArgument(field + " must be 1970-01-01 or later", field);
  }
  return Day{date::sys_days(ymd).time_since_epoch().count()};
}

std::string FormatDay(Day day) {
  date::year_month_day ymd{date::sys_days(date::days(day.days))};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", int(ymd.year()), unsigned(ymd.month()),
                unsigned(ymd.day()));
  return buf;
}

Result<Calendar> Calendar::Make(const std::string& tz) {
  try {
    return Calendar(tz, date::locate_zone(tz));
  } catch (const std::exception&) {
    return Status::InvalidArgument("unknown time zone '" + tz + "' (an IANA name, e.g. UTC or " +
                                       "Asia/Ho_Chi_Minh)",
                                   "tz");
  }
}

Millis Calendar::StartOf(Day day) const { return ToInstant(zone_, LocalMidnight(day)); }

Day Calendar::DayOf(Millis t) const {
  date::sys_time<milliseconds> sys{milliseconds(t)};
  auto local = zone_->to_local(sys);
  return Day{date::floor<date::days>(local).time_since_epoch().count()};
}

Millis Calendar::At(Day day, int minutes) const {
  return ToInstant(zone_, LocalMidnight(day) + std::chrono::minutes(minutes));
}

}  // namespace sms::report
