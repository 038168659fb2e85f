#include "history/daily_index.h"

#include <chrono>
#include <cstdio>

namespace sms::history {

int64_t UtcDay(Millis t) {
  using namespace std::chrono;
  return floor<days>(sys_time<milliseconds>(milliseconds(t))).time_since_epoch().count();
}

std::string DailyIndexName(std::string_view prefix, int64_t day) {
  using namespace std::chrono;
  year_month_day ymd{sys_days(days(day))};
  char buf[32];
  std::snprintf(buf, sizeof buf, "-%04d.%02u.%02u", int(ymd.year()), unsigned(ymd.month()),
                unsigned(ymd.day()));
  return std::string(prefix) + buf;
}

std::optional<int64_t> DailyIndexDay(std::string_view name, std::string_view prefix) {
  constexpr std::string_view kShape = "-0000.00.00";
  if (name.size() != prefix.size() + kShape.size() || !name.starts_with(prefix)) {
    return std::nullopt;
  }
  std::string_view rest = name.substr(prefix.size());
  int fields[3] = {0, 0, 0};  // year, month, day
  int field = 0;
  for (size_t i = 0; i < kShape.size(); ++i) {
    bool digit = rest[i] >= '0' && rest[i] <= '9';
    if (kShape[i] == '0' ? !digit : rest[i] != kShape[i]) return std::nullopt;
    if (digit) fields[field] = fields[field] * 10 + (rest[i] - '0');
    if (i == 5 || i == 8) ++field;  // past "-YYYY." and "MM."
  }
  using namespace std::chrono;
  year_month_day ymd{year(fields[0]), month(unsigned(fields[1])), day(unsigned(fields[2]))};
  if (!ymd.ok()) return std::nullopt;
  return sys_days(ymd).time_since_epoch().count();
}

}  // namespace sms::history
