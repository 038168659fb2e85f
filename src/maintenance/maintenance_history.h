#pragma once
// MaintenanceHistory: any History with maintenance left out of its uptime answers, by the one
// rule of history/maintenance.h. It wraps the SQL and the search histories alike (and the
// tiered one), so the uptime API, /stats, reports and the daily mail all leave maintenance out
// the same way, whatever answers underneath: the on-time inside a maintenance span is measured
// by the wrapped history itself, over that span. Thread-safe.

#include "history/forwarding_history.h"
#include "maintenance/windows.h"
#include "store/server_store.h"

namespace sms::maintenance {

// Every other method is the wrapped history's (ForwardingHistory).
class MaintenanceHistory final : public history::ForwardingHistory {
 public:
  // `store` gives the servers' tags to UptimeAll when a window is scoped by tags.
  MaintenanceHistory(history::HistoryPtr inner, MaintenancePtr maintenance,
                     store::ServerStorePtr store)
      : ForwardingHistory(std::move(inner)),
        maintenance_(std::move(maintenance)),
        store_(std::move(store)) {}

  // The wrapped history's answer, with the server's maintenance in the window left out.
  Result<UptimeResult> Uptime(const Server& server, Millis from, Millis to, Millis now) override;
  // As Uptime for every server. Without a window in [from, to) it is the wrapped history's
  // answer as it is; with some, it reads the servers once and asks the wrapped history once
  // more per stretch of time that some window covers.
  Result<std::vector<std::pair<std::string, UptimeResult>>> UptimeAll(Millis from, Millis to,
                                                                      Millis now) override;

 private:
  MaintenancePtr maintenance_;
  store::ServerStorePtr store_;
};

}  // namespace sms::maintenance
