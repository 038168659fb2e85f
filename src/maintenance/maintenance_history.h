#pragma once
// MaintenanceHistory: any History with maintenance left out of its uptime answers, by the one
// rule of history/maintenance.h. It wraps the SQL and the search histories alike (and the
// tiered one), so the uptime API, /stats, reports and the daily mail all leave maintenance out
// the same way, whatever answers underneath: the on-time inside a maintenance span is measured
// by the wrapped history itself, over that span. Thread-safe.

#include "history/history.h"
#include "maintenance/windows.h"
#include "store/store.h"

namespace sms::maintenance {

class MaintenanceHistory final : public history::History {
 public:
  // `store` gives the servers' tags to UptimeAll when a window is scoped by tags.
  MaintenanceHistory(history::HistoryPtr inner, MaintenancePtr maintenance, store::StorePtr store)
      : inner_(std::move(inner)), maintenance_(std::move(maintenance)), store_(std::move(store)) {}

  Status Ping() override { return inner_->Ping(); }
  Status Record(const std::vector<Heartbeat>& batch) override { return inner_->Record(batch); }
  Status RecordRuns(const std::vector<history::RunUpdate>& updates) override {
    return inner_->RecordRuns(updates);
  }
  bool KeepsRuns() const override { return inner_->KeepsRuns(); }
  // The wrapped history's answer, with the server's maintenance in the window left out.
  Result<UptimeResult> Uptime(const Server& server, Millis from, Millis to, Millis now) override;
  // As Uptime for every server. Without a window in [from, to) it is the wrapped history's
  // answer as it is; with some, it reads the servers once and asks the wrapped history once
  // more per stretch of time that some window covers.
  Result<std::vector<std::pair<std::string, UptimeResult>>> UptimeAll(Millis from, Millis to,
                                                                      Millis now) override;
  Millis Horizon(Millis now) const override { return inner_->Horizon(now); }
  Result<int64_t> Expire(Millis now) override { return inner_->Expire(now); }

 private:
  history::HistoryPtr inner_;
  MaintenancePtr maintenance_;
  store::StorePtr store_;
};

}  // namespace sms::maintenance
