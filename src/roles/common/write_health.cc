#include "roles/common/write_health.h"

#include "core/time.h"

namespace sms::roles {

WriteHealth::WriteHealth(ClockPtr clock, WriteHealthOptions options)
    : clock_(std::move(clock)), options_(options) {}

void WriteHealth::Record(const Status& outcome) {
  if (!outcome.ok() && outcome.code() != Code::kUnavailable && outcome.code() != Code::kInternal) {
    return;  // the request's fault, not the store's
  }
  Millis now = clock_->Now();
  std::lock_guard lock(mu_);
  if (outcome.ok()) {
    streak_ = 0;
    last_error_.clear();
    return;
  }
  ++streak_;
  last_failure_ = now;
  last_error_ = outcome.ToString();
}

Status WriteHealth::Check() const {
  Millis now = clock_->Now();
  std::lock_guard lock(mu_);
  if (streak_ < options_.failures || now - last_failure_ >= options_.window) return Status::Ok();
  return Status::Unavailable("failing: " + std::to_string(streak_) +
                             " writes in a row, the latest at " + FormatTime(last_failure_) + ": " +
                             last_error_);
}

}  // namespace sms::roles
