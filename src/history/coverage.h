#pragma once
// Coverage: the time heartbeats keep a server on inside a window, counted once however they
// overlap, by the rule of the SQL status (DESIGN.md §5).
//
// A heartbeat received at t with interval i keeps the server on over [t, t + i]. A heartbeat
// that arrives within `grace` after that span ends continues the same on-run (the status
// sweep would not yet have turned the server off), so the gap between them counts as on; a
// longer silence ends the run at t + i, where the SQL status stamps the off transition.
// Heartbeats closer together than their interval overlap; the union is measured, so nothing
// is counted twice. With grace 0 this is the plain union of the spans. Streaming and
// constant-memory: feed heartbeats in ascending time. Not thread-safe.

#include <algorithm>

#include "core/types.h"

namespace sms::history {

class Coverage {
 public:
  // Measures inside [lo, hi]; an empty or inverted window measures 0. REQUIRES: grace >= 0.
  Coverage(Millis lo, Millis hi, Millis grace) : lo_(lo), hi_(hi), grace_(grace) {}

  // Adds the span [t, t + length]. REQUIRES: t not below any earlier call's t; length >= 0.
  void Add(Millis t, Millis length) {
    Millis end = t + length;
    if (open_ && t <= run_end_ + grace_) {
      run_end_ = std::max(run_end_, end);
      return;
    }
    Close();
    run_start_ = t;
    run_end_ = end;
    open_ = true;
  }

  // Marks the end of the heartbeats: a server whose last run (grace included) reaches `now`
  // has not been turned off yet, so it is on through `now`, as the SQL status says. Call once,
  // after the last Add(). REQUIRES: now not below any added t.
  void StillOnAt(Millis now) {
    if (open_ && now <= run_end_ + grace_) run_end_ = std::max(run_end_, now);
  }

  // Milliseconds of [lo, hi] covered by the spans added so far.
  Millis Covered() const { return covered_ + Clipped(); }

 private:
  Millis Clipped() const {
    if (!open_) return 0;
    return std::max<Millis>(0, std::min(run_end_, hi_) - std::max(run_start_, lo_));
  }
  void Close() {
    covered_ += Clipped();
    open_ = false;
  }

  Millis lo_;
  Millis hi_;
  Millis grace_;
  Millis run_start_ = 0;  // the current run of overlapping spans
  Millis run_end_ = 0;
  bool open_ = false;
  Millis covered_ = 0;  // closed runs, clipped to [lo, hi]
};

}  // namespace sms::history
