#pragma once
// The heartbeat schedule: the normal cadence, exponential backoff after failures, and jitter.
// Pure functions and a small value type; nothing here sleeps or reads a clock.

#include <chrono>
#include <cstdint>

namespace sms::agent {

inline constexpr std::chrono::seconds kFirstBackoff{1};
inline constexpr std::chrono::seconds kMaxBackoff{300};
inline constexpr double kJitterFraction = 0.1;  // delays vary by ±10 %

// Delay before the next attempt, before jitter. No failures: `interval`. After n >= 1
// consecutive failures: kFirstBackoff * 2^(n-1), capped at kMaxBackoff (1 s, 2 s, 4 s, ...,
// 256 s, 300 s, 300 s, ...). REQUIRES: consecutive_failures >= 0, interval > 0.
std::chrono::milliseconds BaseDelay(int64_t consecutive_failures, std::chrono::seconds interval);

// Scales `delay` by a factor in [1 - kJitterFraction, 1 + kJitterFraction]: random01 = 0 gives
// the low end, 0.5 the delay itself, 1 the high end. random01 outside [0, 1] is clamped.
std::chrono::milliseconds Jitter(std::chrono::milliseconds delay, double random01);

// Jitter(BaseDelay(consecutive_failures, interval), random01): how long to wait before the
// next heartbeat. A capped backoff therefore lands in [270 s, 330 s].
std::chrono::milliseconds NextDelay(int64_t consecutive_failures, std::chrono::seconds interval,
                                    double random01);

// FailureStreak counts consecutive failed heartbeats and says which events deserve a log
// line: the failure that starts a streak, and the success that ends one. Not thread-safe.
class FailureStreak {
 public:
  // Records a failure. Returns true when it is the first of a streak.
  bool OnFailure();
  // Records a success. Returns the length of the streak it ends, 0 when there was none.
  int64_t OnSuccess();
  // Consecutive failures since the last success.
  int64_t failures() const { return failures_; }

 private:
  int64_t failures_ = 0;
};

}  // namespace sms::agent
