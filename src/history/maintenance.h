#pragma once
// Maintenance left out of uptime: the one home of the rule, for every history (SQL status,
// search documents) and every caller (the uptime API, /stats, reports, the daily mail).
//
// Time inside maintenance is left out of both the on-time and the window: over a window W with
// maintenance M (the union of the maintenance spans, clipped to W),
//   maintenance_seconds = |M|,  window_seconds = |W| - |M|,  up_seconds = up(W) - up(M),
// where up(X) is the on-time inside X as the history measures it. So a ratio never exceeds 1,
// and a window wholly inside maintenance has window_seconds 0 and uptime 0 (nothing measured).
// Stateless; thread-safe.

#include <functional>
#include <vector>

#include "core/status.h"
#include "core/types.h"
#include "core/uptime.h"

namespace sms::history {

// A half-open span of time [from, to).
struct Span {
  Millis from = 0;
  Millis to = 0;
  bool operator==(const Span&) const = default;
};
using Spans = std::vector<Span>;

// The union of `spans`: sorted, disjoint, none empty (touching spans merge).
Spans Union(Spans spans);
// The parts of `spans` inside [lo, hi). REQUIRES: spans as Union() returns them.
Spans Clip(const Spans& spans, Millis lo, Millis hi);
// The total length of `spans`. REQUIRES: spans as Union() returns them.
Millis Length(const Spans& spans);

// The on-time (milliseconds) a history measures inside [lo, hi), lo < hi, both inside the
// window being measured; an error stops the measurement.
using UpBetween = std::function<Result<Millis>(Millis lo, Millis hi)>;

// `whole` (an uptime measured over [whole.from, whole.to]) with the maintenance `spans` left
// out, by the rule above: one call of `up_between` per span of maintenance inside the window
// (none when there is none, so a fleet without maintenance pays nothing). `spans` need not be
// sorted or disjoint. The result's from and to stay those of `whole`.
Result<UptimeResult> LeaveOutMaintenance(const UptimeResult& whole, Spans spans,
                                         const UpBetween& up_between);

}  // namespace sms::history
