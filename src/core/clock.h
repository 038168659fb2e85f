#pragma once
// Clock: the one source of "now". Tests inject a ManualClock. Thread-safe.

#include <atomic>
#include <chrono>
#include <memory>

#include "core/types.h"

namespace sms {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Millis Now() const = 0;  // milliseconds since the Unix epoch
};

class SystemClock final : public Clock {
 public:
  Millis Now() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(Millis start) : now_(start) {}
  Millis Now() const override { return now_.load(); }
  void Set(Millis t) { now_.store(t); }
  void Advance(Millis d) { now_.fetch_add(d); }

 private:
  std::atomic<Millis> now_;
};

using ClockPtr = std::shared_ptr<const Clock>;

}  // namespace sms
