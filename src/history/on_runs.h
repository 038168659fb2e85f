#pragma once
// What the Store's status tells a history that keeps on-runs of its own (SearchHistory): the
// updates a batch of heartbeats and the offline sweep make to each server's current on-run.
// Shared by the worker and the tests so that the rule lives in one place. Pure functions.
//
// A run is named by its server and its start (the on transition, the server's
// status_changed_at while on), so every update of it lands on the same record. Updates are
// order-free and idempotent: an extension only moves the end later and never reopens a closed
// run; a close sets the end to the off transition whatever came before.

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/types.h"
#include "store/server_store.h"

namespace sms::history {

struct RunUpdate {
  std::string server_id;
  Millis start = 0;  // the on transition: with server_id, the run's identity
  Millis end = 0;    // newest heartbeat + its own interval; or, when `closes`, the off transition
  int interval = 0;  // seconds, of the newest heartbeat (0 on a close)
  bool closes = false;  // the off transition: the run ends at `end` for good
};

// How far apart a run's recorded extensions are. A run's end matters only once it is over, and
// the sweep's close sets it then, exactly; until that close is recorded (a worker that died with
// closes it could not yet write), the last extension stands in for it, at most one step plus
// one interval early. So a run is extended by its first heartbeat (the upsert that makes it)
// and then once per step, not by every heartbeat: at 1 s a second, a sixtieth of the writes.
constexpr Millis kRunExtendStep = 60'000;

// One extension per server of `batch` that is on after it and whose run needs one: the run's
// first heartbeats (received within an interval of its start), or heartbeats that carry its end
// across a multiple of kRunExtendStep from the start (from where the batch's oldest heartbeat of
// the server found it: about that heartbeat's arrival, the end its predecessor set). `on_since`
// gives each server's status_changed_at; heartbeats received before it (stale redeliveries from
// an earlier run) extend nothing. Ordered by server_id.
std::vector<RunUpdate> RunsOfBatch(const std::vector<Heartbeat>& batch,
                                   const std::unordered_map<std::string, Millis>& on_since);

// Notes in `on_since` each of `servers` (as the Store stored them) that is on, with its
// status_changed_at, and drops those that are off.
void NoteOnSince(const std::vector<Server>& servers,
                 std::unordered_map<std::string, Millis>& on_since);

// One close per off transition of a sweep, in its order.
std::vector<RunUpdate> RunsClosedBy(const std::vector<store::OffTransition>& offs);

// The close of `run`, an open run kept for a server that may have gone off since, from the
// server's transitions from run.start on (as ServerStore::ListEvents gives them): the first off
// after the run's on transition. nullopt while the server is still on since run.start.
std::optional<RunUpdate> CloseOfOpenRun(const RunUpdate& run,
                                        const std::vector<StatusEvent>& events);

// The updates that make every on-run the transitions of `timelines` describe: a close per
// ended run, an extension to its own start for a run still open (heartbeats extend it
// further). For an installation whose runs predate the history that keeps them.
std::vector<RunUpdate> RunsOfTimelines(const std::vector<store::ServerTimeline>& timelines);

}  // namespace sms::history
