#pragma once
// ForwardingHistory: a History that passes every method to an inner History. A wrapper
// (maintenance left out, tiers) derives from it and overrides only what it changes, so a
// method added to History reaches the inner history through every wrapper without a line in
// any of them. Thread-safe when the inner history is.

#include <string>
#include <utility>
#include <vector>

#include "history/history.h"

namespace sms::history {

class ForwardingHistory : public History {
 public:
  // REQUIRES: `inner` non-null.
  explicit ForwardingHistory(HistoryPtr inner) : inner_(std::move(inner)) {}

  // Each: the inner history's answer, as it is.
  Status Ping() override { return inner_->Ping(); }
  Status Record(const std::vector<Heartbeat>& batch) override { return inner_->Record(batch); }
  Status RecordRuns(const std::vector<RunUpdate>& updates) override {
    return inner_->RecordRuns(updates);
  }
  bool KeepsRuns() const override { return inner_->KeepsRuns(); }
  Result<std::vector<RunUpdate>> OpenRunsEndedBefore(Millis before, size_t limit) override {
    return inner_->OpenRunsEndedBefore(before, limit);
  }
  Result<UptimeResult> Uptime(const Server& server, Millis from, Millis to, Millis now) override {
    return inner_->Uptime(server, from, to, now);
  }
  Result<std::vector<std::pair<std::string, UptimeResult>>> UptimeAll(Millis from, Millis to,
                                                                      Millis now) override {
    return inner_->UptimeAll(from, to, now);
  }
  Millis Horizon(Millis now) const override { return inner_->Horizon(now); }
  Result<int64_t> Expire(Millis now) override { return inner_->Expire(now); }

 protected:
  History& inner() const { return *inner_; }

 private:
  const HistoryPtr inner_;
};

}  // namespace sms::history
