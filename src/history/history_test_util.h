#pragma once
// Test support shared by the History tests.

#include <string>
#include <unordered_map>
#include <vector>

#include "core/types.h"
#include "history/history.h"
#include "history/on_runs.h"
#include "store/server_store.h"

namespace sms::history::testing {

// A heartbeat of `server_id` received at `received_at`, interval 30 s, its id made of both
// (so delivering it again is a redelivery).
inline Heartbeat Beat(const std::string& server_id, Millis received_at) {
  Heartbeat hb;
  hb.id = server_id + "@" + std::to_string(received_at);
  hb.server_id = server_id;
  hb.hostname = server_id;
  hb.interval = 30;
  hb.received_at = received_at;
  return hb;
}

// What the worker does with a batch: applied to the Store, then recorded in the history with
// the on-runs the Store's status gives (every server of the batch takes the full path here).
inline Status Deliver(store::ServerStore& store, History& history,
                      const std::vector<Heartbeat>& due) {
  Result<store::ApplyResult> applied = store.ApplyHeartbeats(due, {});
  if (!applied.ok()) return applied.status();
  std::unordered_map<std::string, Millis> on_since;
  NoteOnSince(applied->changed, on_since);
  Status recorded = history.Record(due);
  if (!recorded.ok()) return recorded;
  return history.RecordRuns(RunsOfBatch(due, on_since));
}

// What the worker's sweep does: servers turned off in the Store, their runs closed.
inline Status Sweep(store::ServerStore& store, History& history, Millis now, Millis grace) {
  Result<store::SweepResult> swept = store.SweepOffline(now, grace);
  if (!swept.ok()) return swept.status();
  return history.RecordRuns(RunsClosedBy(swept->offs));
}

}  // namespace sms::history::testing
