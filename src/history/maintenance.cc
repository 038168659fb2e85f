#include "history/maintenance.h"

#include <algorithm>

namespace sms::history {

Spans Union(Spans spans) {
  std::erase_if(spans, [](const Span& s) { return s.to <= s.from; });
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return a.from < b.from || (a.from == b.from && a.to < b.to);
  });
  Spans out;
  for (const Span& s : spans) {
    if (!out.empty() && s.from <= out.back().to) {
      out.back().to = std::max(out.back().to, s.to);
    } else {
      out.push_back(s);
    }
  }
  return out;
}

Spans Clip(const Spans& spans, Millis lo, Millis hi) {
  Spans out;
  for (const Span& s : spans) {
    Span c{std::max(s.from, lo), std::min(s.to, hi)};
    if (c.from < c.to) out.push_back(c);
  }
  return out;
}

Millis Length(const Spans& spans) {
  Millis total = 0;
  for (const Span& s : spans) total += s.to - s.from;
  return total;
}

Result<UptimeResult> LeaveOutMaintenance(const UptimeResult& whole, Spans spans,
                                         const UpBetween& up_between) {
  Spans inside = Clip(Union(std::move(spans)), whole.from, whole.to);
  if (inside.empty()) return whole;
  Millis up_inside = 0;
  for (const Span& s : inside) {
    Result<Millis> up = up_between(s.from, s.to);
    if (!up.ok()) return up.status();
    // A history never measures more on-time than the span holds.
    up_inside += std::clamp<Millis>(*up, 0, s.to - s.from);
  }
  Millis maintenance = Length(inside);
  UptimeResult r = whole;
  r.maintenance_seconds = static_cast<double>(maintenance) / 1000.0;
  r.window_seconds = std::max(0.0, whole.window_seconds - r.maintenance_seconds);
  r.up_seconds =
      std::clamp(whole.up_seconds - static_cast<double>(up_inside) / 1000.0, 0.0, r.window_seconds);
  r.uptime = r.window_seconds > 0 ? r.up_seconds / r.window_seconds : 0;
  return r;
}

}  // namespace sms::history
