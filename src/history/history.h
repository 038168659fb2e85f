#pragma once
// History: where heartbeat records live and where uptime is computed from.
// Implementations: SqlHistory (status intervals in the Store; embedded default),
// SearchHistory (OpenSearch/Elasticsearch documents), and TieredHistory, which answers each
// window from a search history while it reaches back that far and from SQL beyond.
// Thread-safe.

#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/types.h"
#include "core/uptime.h"
#include "history/on_runs.h"
#include "store/server_store.h"

namespace sms::history {

class History {
 public:
  virtual ~History() = default;
  History() = default;
  History(const History&) = delete;
  History& operator=(const History&) = delete;

  // OK when the backend answers (within about a second); Unavailable otherwise.
  virtual Status Ping() = 0;
  // Records accepted heartbeats. Idempotent by Heartbeat::id.
  virtual Status Record(const std::vector<Heartbeat>& batch) = 0;
  // Keeps the on-runs the Store's status describes (history/on_runs.h), for a history that
  // measures from runs of its own; idempotent and order-free. A history that reads the Store's
  // transitions needs none of it: OK without doing anything (the default).
  virtual Status RecordRuns(const std::vector<RunUpdate>& /*updates*/) { return Status::Ok(); }
  // True when RecordRuns keeps runs this history measures from (false by default).
  virtual bool KeepsRuns() const { return false; }
  // Runs kept by RecordRuns that are still open although their recorded end is before
  // `before` (as RunUpdates: server_id, start, end), at most `limit`, oldest end first: the
  // ones whose close may have been lost. None for a history that keeps no runs (the default).
  // REQUIRES: limit > 0.
  virtual Result<std::vector<RunUpdate>> OpenRunsEndedBefore(Millis /*before*/, size_t /*limit*/) {
    return std::vector<RunUpdate>{};
  }
  // Uptime of `server` over [from, to], clipped to [created_time, now].
  virtual Result<UptimeResult> Uptime(const Server& server, Millis from, Millis to,
                                      Millis now) = 0;
  // Uptime of every server over [from, to] (each clipped to its created_time and now),
  // computed set-based. Ordered by server_id.
  virtual Result<std::vector<std::pair<std::string, UptimeResult>>> UptimeAll(Millis from,
                                                                               Millis to,
                                                                               Millis now) = 0;

  // The earliest window start whose uptime this history still answers in full as of `now`
  // (what an earlier window needs is past its retention); kKeepsEverything when it keeps all.
  virtual Millis Horizon(Millis now) const = 0;
  // Deletes the records past the retention as of `now`, in whole stored units, and returns how
  // many units this call deleted (0 when the history keeps everything). Safe to run from
  // several replicas at once: a unit another caller deleted first is skipped, not an error.
  virtual Result<int64_t> Expire(Millis now) = 0;

  static constexpr Millis kKeepsEverything = std::numeric_limits<Millis>::min();
};

using HistoryPtr = std::shared_ptr<History>;

struct HistoryConfig {
  std::string search_url;  // empty: SqlHistory over `store`; "http(s)://…": SearchHistory
  // SearchHistory only: the worker's --heartbeat-grace (a heartbeat this late still continues
  // the on-run, as in the SQL status) and the daily indices' name prefix.
  Millis grace = 30'000;
  std::string search_index_prefix = "sms-heartbeats";
  // SearchHistory only: days of heartbeat documents kept (0: all). When set, windows that
  // start before that horizon are answered from the SQL status history of `store`.
  int retention_days = 30;
};

Result<HistoryPtr> MakeHistory(const HistoryConfig& config, store::ServerStorePtr store);

}  // namespace sms::history
