#pragma once
// SqlHistory: the embedded History, computed from the status transitions the Store keeps.
//
// The status history is written by the Store itself, in the same transaction as each status
// change (ApplyHeartbeats for "on", SweepOffline for "off"), so Record() has nothing to add and
// returns OK. Uptime is exact and time-weighted: ServerStore::ListEvents / ServerStore::Timelines
// plus sms::ComputeUptime. Thread-safe (the Store is).

#include <utility>

#include "history/history.h"

namespace sms::history {

class SqlHistory final : public History {
 public:
  // REQUIRES: store != nullptr.
  explicit SqlHistory(store::ServerStorePtr store) : store_(std::move(store)) {}

  // OK: the history is the Store's, whose own readiness is checked on its own.
  Status Ping() override { return Status::Ok(); }
  // A no-op returning OK: heartbeats leave their trace as status transitions in the Store.
  Status Record(const std::vector<Heartbeat>& batch) override;
  // NotFound when the server no longer exists.
  Result<UptimeResult> Uptime(const Server& server, Millis from, Millis to, Millis now) override;
  Result<std::vector<std::pair<std::string, UptimeResult>>> UptimeAll(Millis from, Millis to,
                                                                      Millis now) override;
  // Every transition is kept: any window is answered, nothing expires.
  Millis Horizon(Millis /*now*/) const override { return kKeepsEverything; }
  Result<int64_t> Expire(Millis /*now*/) override { return int64_t{0}; }

 private:
  store::ServerStorePtr store_;
};

}  // namespace sms::history
