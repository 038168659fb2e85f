#pragma once
// Calendar: civil dates (YYYY-MM-DD) in one IANA time zone, for reports: where a day starts
// and ends as instants, and which day an instant falls on. Days are the zone's calendar days,
// so a day across a DST change is 23 or 25 hours long. Uses the system's tz database
// (/usr/share/zoneinfo). Immutable; thread-safe.

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/types.h"

namespace date {
class time_zone;
}

namespace sms::report {

// A civil date; ordered; days since 1970-01-01 as its one number.
struct Day {
  int64_t days = 0;
  auto operator<=>(const Day&) const = default;
  Day operator+(int64_t n) const { return Day{days + n}; }
  Day operator-(int64_t n) const { return Day{days - n}; }
};

// "YYYY-MM-DD" -> Day. InvalidArgument naming `field` for anything else (2026-02-30 too).
Result<Day> ParseDay(std::string_view text, const std::string& field);
std::string FormatDay(Day day);

// The host's time zone, the default of --tz: `tz_env` (the value of TZ; a leading ':' and a
// path under a zoneinfo directory are allowed) when it names a zone of the tz database, else
// the zone the symbolic link `localtime` points to (…/zoneinfo/Europe/Berlin), else "UTC".
std::string HostTimeZone(const char* tz_env, const std::string& localtime = "/etc/localtime");

class Calendar {
 public:
  // InvalidArgument (field "tz") when `tz` is not a zone of the tz database.
  static Result<Calendar> Make(const std::string& tz);

  const std::string& tz() const { return name_; }
  // The instant `day` begins in the zone (its first local midnight, or the first instant of
  // the day when midnight does not exist).
  Millis StartOf(Day day) const;
  // The local day `t` falls on.
  Day DayOf(Millis t) const;
  // The instant of local time `minutes` after the start of `day` (e.g. 5 for 00:05).
  Millis At(Day day, int minutes) const;

 private:
  Calendar(std::string name, const date::time_zone* zone) : name_(std::move(name)), zone_(zone) {}
  std::string name_;
  const date::time_zone* zone_;  // owned by the tz database, which lives as long as the process
};

}  // namespace sms::report
