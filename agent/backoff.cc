#include "backoff.h"

#include <algorithm>
#include <cmath>

namespace sms::agent {

using std::chrono::milliseconds;

milliseconds BaseDelay(int64_t consecutive_failures, std::chrono::seconds interval) {
  if (consecutive_failures <= 0) return interval;
  // 2^9 s already exceeds the cap; stopping the doubling there also avoids overflow.
  int64_t doublings = std::min<int64_t>(consecutive_failures - 1, 9);
  auto delay = kFirstBackoff * (int64_t{1} << doublings);
  return std::min<milliseconds>(delay, kMaxBackoff);
}

milliseconds Jitter(milliseconds delay, double random01) {
  if (!(random01 >= 0.0)) random01 = 0.0;  // also catches NaN
  random01 = std::min(random01, 1.0);
  double factor = 1.0 - kJitterFraction + 2.0 * kJitterFraction * random01;
  return milliseconds(std::llround(static_cast<double>(delay.count()) * factor));
}

milliseconds NextDelay(int64_t consecutive_failures, std::chrono::seconds interval,
                       double random01) {
  return Jitter(BaseDelay(consecutive_failures, interval), random01);
}

bool FailureStreak::OnFailure() { return ++failures_ == 1; }

int64_t FailureStreak::OnSuccess() {
  int64_t ended = failures_;
  failures_ = 0;
  return ended;
}

}  // namespace sms::agent
