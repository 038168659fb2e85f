#pragma once
// TieredHistory: a History that keeps recent records in one history (the search backend,
// which deletes what is past its retention) and answers older windows from another that keeps
// everything (the SQL status transitions). A window that starts before the recent history's
// Horizon() goes to the archive; every other window to the recent one. The answer says which
// (UptimeResult::source), and both agree within one interval per server (DESIGN.md §5).
//
// Thread-safe (both histories are).

#include <utility>

#include "history/history.h"

namespace sms::history {

class TieredHistory final : public History {
 public:
  // REQUIRES: both non-null; `archive` keeps everything (Horizon() is kKeepsEverything).
  TieredHistory(HistoryPtr recent, HistoryPtr archive)
      : recent_(std::move(recent)), archive_(std::move(archive)) {}

  // Both must answer.
  Status Ping() override;
  // Recorded in both (the archive first); idempotent as each is.
  Status Record(const std::vector<Heartbeat>& batch) override;
  // The recent history's (the archive reads the Store's transitions).
  Status RecordRuns(const std::vector<RunUpdate>& updates) override {
    return recent_->RecordRuns(updates);
  }
  bool KeepsRuns() const override { return recent_->KeepsRuns(); }
  // From the archive when the window, clipped to the server's created_time, starts before
  // the recent history's horizon; from the recent history otherwise.
  Result<UptimeResult> Uptime(const Server& server, Millis from, Millis to, Millis now) override;
  // From the archive when `from` is before the recent history's horizon.
  Result<std::vector<std::pair<std::string, UptimeResult>>> UptimeAll(Millis from, Millis to,
                                                                      Millis now) override;
  // The archive's: any window is answered.
  Millis Horizon(Millis now) const override { return archive_->Horizon(now); }
  // The recent history's: the archive keeps everything.
  Result<int64_t> Expire(Millis now) override { return recent_->Expire(now); }

 private:
  History& For(Millis from, Millis now) const;

  const HistoryPtr recent_;
  const HistoryPtr archive_;
};

}  // namespace sms::history
