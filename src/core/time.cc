#include "core/time.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace sms {
namespace {

using std::chrono::days;
using std::chrono::sys_days;

inline constexpr Millis kMinMillis = -62'167'219'200'000;  // 0000-01-01T00:00:00Z
inline constexpr Millis kMaxMillis = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z

// Euclidean division so that times before 1970 format as the right calendar day.
int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Reads exactly `n` ASCII digits at `pos`; false when any is not a digit or text is too short.
bool ReadDigits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

Status Bad(std::string_view text, const std::string& field) {
  std::string shown(text.substr(0, 64));
  return Status::InvalidArgument(
      (field.empty() ? std::string("time") : field) + " must be an RFC 3339 timestamp like " +
          "2026-11-28T06:00:00Z, got \"" + shown + (text.size() > 64 ? "...\"" : "\""),
      field);
}

// Parses the offset suffix ("Z", "+07:00", "-05:30") starting at `pos`; the rest must be empty.
bool ReadOffset(std::string_view s, size_t pos, int64_t& offset_ms) {
  if (pos >= s.size()) return false;
  char c = s[pos];
  if (c == 'Z' || c == 'z') {
    offset_ms = 0;
    return pos + 1 == s.size();
  }
  if (c != '+' && c != '-') return false;
  int hh = 0, mm = 0;
  if (pos + 6 != s.size() || !ReadDigits(s, pos + 1, 2, hh) || s[pos + 3] != ':' ||
      !ReadDigits(s, pos + 4, 2, mm) || hh > 23 || mm > 59) {
    return false;
  }
  offset_ms = (int64_t{hh} * 60 + mm) * 60'000 * (c == '-' ? -1 : 1);
  return true;
}

}  // namespace

std::string FormatTime(Millis t) {
  // RFC 3339 years have four digits; clamping also keeps the calendar math far from overflow.
  t = std::clamp(t, kMinMillis, kMaxMillis);
  int64_t day_count = FloorDiv(t, 86'400'000);
  int64_t ms_of_day = t - day_count * 86'400'000;
  std::chrono::year_month_day ymd{sys_days{days{day_count}}};
  int64_t secs = ms_of_day / 1000;
  int ms = static_cast<int>(ms_of_day % 1000);
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", int{ymd.year()},
                        unsigned{ymd.month()}, unsigned{ymd.day()}, static_cast<int>(secs / 3600),
                        static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
  if (ms != 0) n += std::snprintf(buf + n, sizeof buf - n, ".%03d", ms);
  std::snprintf(buf + n, sizeof buf - n, "Z");
  return buf;
}

Result<Millis> ParseTime(std::string_view s, const std::string& field) {
  // Layout: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!ReadDigits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !ReadDigits(s, 5, 2, mo) ||
      s[7] != '-' || !ReadDigits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') ||
      !ReadDigits(s, 11, 2, h) || s[13] != ':' || !ReadDigits(s, 14, 2, mi) || s[16] != ':' ||
      !ReadDigits(s, 17, 2, sec)) {
    return Bad(s, field);
  }
  size_t pos = 19;
  int frac_ms = 0;
  if (s[pos] == '.') {
    size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      // Milliseconds are the resolution; further digits are truncated.
      if (pos - start < 3) frac_ms = frac_ms * 10 + (s[pos] - '0');
      ++pos;
    }
    size_t digits = pos - start;
    if (digits == 0 || digits > 18) return Bad(s, field);
    for (size_t i = digits; i < 3; ++i) frac_ms *= 10;
  }
  int64_t offset_ms = 0;
  if (!ReadOffset(s, pos, offset_ms)) return Bad(s, field);
  // Second 60 is RFC 3339's leap second; it rolls into the next minute like timegm() does.
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month(mo),
                                  std::chrono::day(d)};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return Bad(s, field);
  int64_t day_count = sys_days{ymd}.time_since_epoch().count();
  int64_t secs = day_count * 86'400 + int64_t{h} * 3600 + int64_t{mi} * 60 + sec;
  return Millis{secs * 1000 + frac_ms - offset_ms};
}

}  // namespace sms
