#pragma once
// ServerStore: the inventory of servers, their on/off status and its history — what the ingest
// path (worker), the servers API, the history and the reports read and write. A narrow
// interface of Store (store.h): a consumer that takes a ServerStore sees only this.
// Implementations: SqliteStore, PostgresStore. Every method is thread-safe.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace sms::store {

struct ApplyOptions {
  bool auto_register = true;  // unknown server_id: register it, or reject the heartbeat
  // server_ids the caller (the worker's cache) believes are on with the ipv4, hostname and
  // interval their heartbeat carries: they take a cheaper path (one conditional UPDATE of
  // last_seen), and fall back to the full path when SQL disagrees.
  std::unordered_set<std::string> known_on;
};

struct ApplyResult {
  int64_t applied = 0;     // heartbeats of existing or registered servers (incl. redeliveries)
  int64_t registered = 0;  // servers created by a heartbeat
  int64_t rejected = 0;    // unknown servers when auto_register is off
  int64_t turned_on = 0;   // off -> on transitions written
  // Every server that took the full path (not in known_on, or SQL disagreed), as stored after
  // the batch: the caller caches these so their next heartbeats take the cheap path.
  std::vector<Server> changed;
};

// One server's transitions for set-based uptime (all servers in one call).
struct ServerTimeline {
  std::string server_id;
  Millis created_time = 0;
  std::vector<StatusEvent> events;  // ascending; includes the last one before `from`
};

// An off transition the sweep wrote: the server's on-run [on_since, off_at] closed.
struct OffTransition {
  std::string server_id;
  Millis on_since = 0;  // the on transition it closes (status_changed_at before)
  Millis off_at = 0;
};

struct SweepResult {
  int64_t turned_off = 0;
  std::vector<std::string> server_ids;  // the servers turned off by this call
  std::vector<OffTransition> offs;      // the same, in the same order, with their times
};

// A row ImportServers did not insert because a value of it is taken.
struct ImportConflict {
  size_t index = 0;   // into the rows given
  std::string field;  // "server_id" or "server_name"
};

struct ImportResult {
  std::vector<Server> imported;           // as stored, in the order given
  std::vector<ImportConflict> conflicts;  // in the order given
};

class ServerStore {
 public:
  virtual ~ServerStore() = default;
  ServerStore() = default;
  ServerStore(const ServerStore&) = delete;
  ServerStore& operator=(const ServerStore&) = delete;

  // Creates a server (status off, never seen; an "off" event with cause "created" at `now`).
  // Conflict (field server_id or server_name) when either is taken. REQUIRES: input validated.
  virtual Result<Server> CreateServer(const ServerInput& input, Millis now) = 0;
  virtual Result<Server> GetServer(const std::string& server_id) = 0;
  // Applies the fields present; last_updated moves only if a value changed. NotFound, or
  // Conflict (field server_name).
  virtual Result<Server> UpdateServer(const std::string& server_id, const ServerPatch& patch,
                                      Millis now) = 0;
  // Deletes a server and its history. NotFound when absent.
  virtual Status DeleteServer(const std::string& server_id) = 0;
  // Filtered, sorted page, the total matching and the page's next/prev cursors (list_cursor.h;
  // InvalidArgument "cursor" for one of another query). server_name, q: substrings, ASCII case-
  // insensitive, % _ \ literal; ipv4 numeric (empty first); ties by creation. REQUIRES: validated.
  virtual Result<ServerPage> ListServers(const ServerQuery& query) = 0;
  virtual Result<FleetStats> Stats() = 0;

  // Creates the servers of `rows` in one transaction, each as CreateServer does (off, never
  // seen, an "off" event with cause "created" at `now`). A row whose server_id or server_name is
  // taken, by a stored server or by an earlier row, is left out and reported as a conflict
  // naming that field (server_id when both are). REQUIRES: every row validated.
  virtual Result<ImportResult> ImportServers(const std::vector<ServerInput>& rows, Millis now) = 0;

  // Calls `each` with every server that matches the filters of `query`, in its sort order
  // (offset, limit, cursor: ignored), streaming from one snapshot: memory stays flat over
  // millions of servers. Stops at the first non-ok Status `each` returns and returns it.
  // REQUIRES: query validated.
  virtual Status ScanServers(const ServerQuery& query,
                             const std::function<Status(const Server&)>& each) = 0;

  // Applies a batch of heartbeats in one transaction: updates last_seen (never backwards),
  // ipv4, hostname, interval (from the newest heartbeat only; an empty ipv4 or hostname keeps
  // the stored one); turns on servers that are off (event stamped at received_at, cause
  // "heartbeat"), unless the heartbeat is older than the off transition (a stale redelivery);
  // registers unknown servers (name = hostname or server_id, made unique with "-2", "-3", …;
  // event cause "registered") when allowed. last_updated moves when the record changes, not on
  // every heartbeat. Several heartbeats of one server in a batch apply in received_at order.
  // Idempotent: applying the same heartbeat twice changes nothing the second time.
  virtual Result<ApplyResult> ApplyHeartbeats(const std::vector<Heartbeat>& batch,
                                              const ApplyOptions& options) = 0;

  // Turns off every server that is on and whose last_seen + (interval + grace) < now,
  // stamping the transition at last_seen + interval (cause "timeout"). Conditional per server,
  // so concurrent sweeps never write a transition twice. Does a bounded amount of work per
  // call (oldest first); call again while turned_off is non-zero to drain a large backlog.
  virtual Result<SweepResult> SweepOffline(Millis now, Millis grace) = 0;

  // Transitions of one server with at < to, ascending, including the last one before `from`
  // (so the state at `from` is known). NotFound when the server does not exist.
  virtual Result<std::vector<StatusEvent>> ListEvents(const std::string& server_id, Millis from,
                                                      Millis to) = 0;

  // Every server's created_time and transitions with at < to (plus the last before `from`),
  // read set-based (a fixed number of queries whatever the fleet size), ordered by server_id.
  virtual Result<std::vector<ServerTimeline>> Timelines(Millis from, Millis to) = 0;
};

using ServerStorePtr = std::shared_ptr<ServerStore>;

}  // namespace sms::store
