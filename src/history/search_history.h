#pragma once
// SearchHistory: the History on OpenSearch/Elasticsearch (DESIGN.md §5), over the REST API.
//
// Storage: one document per heartbeat, in daily indices <prefix>-YYYY.MM.DD (the UTC day of
// received_at), shaped by the index template <prefix> (keyword server_id, hostname and id,
// epoch_millis date received_at, integer interval, ip ipv4). The document _id is the
// heartbeat id, so a redelivered heartbeat overwrites its document instead of adding one.
// The template leaves refresh_interval unset on purpose: SMS never searches these indices
// (uptime reads the runs), and a shard nobody searches for 30 s then stops refreshing until
// someone does, which any interval set explicitly would turn off (an explicit 30 s was tried
// and showed no gain the benchmarks could resolve: docs/BENCHMARKS.md, "Soak").
//
// On-runs: beside the heartbeats, the index <prefix>.runs keeps one document per on-run of
// each server (server_id, start, end, interval, open), id "<server_id>@<start>", where start
// is the on transition of the SQL status. The worker extends a run as heartbeats arrive (once
// per kRunExtendStep) and closes it with the sweep's off transition (RecordRuns,
// history/on_runs.h); scripted upserts make the updates order-free and idempotent.
//
// Uptime: the on time inside the window clipped to [created_time, now], divided by that
// clipped window, measured from the runs with UptimeFromRuns (core/uptime.h), the arithmetic
// the SQL history uses on its transitions: the same numbers. An open run is on through now, as
// the SQL status is until the sweep turns the server off; an open run that a later run
// follows (its close was lost) ends at its last extension. A worker closes a run whose close
// was lost at the Store's off transition (OpenRunsEndedBefore, Worker::CloseLostRuns).
//
// Cost: a run document per on-run, whatever the heartbeat rate. Uptime reads the server's runs
// that touch the window; UptimeAll streams every run touching the window, ordered by server
// (their values all in the sort keys, so no document is fetched). Each server's start of
// measurement is its created_time, read from the Store given to Make() (one scan of the
// servers); without a Store, its first run's start stands for it. Heartbeat documents stay, in
// daily indices, for their retention; no uptime reads them.
//
// Thread-safe.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "history/history.h"
#include "history/search_client.h"

namespace sms::history {

struct SearchHistoryOptions {
  std::string url;                              // http(s)://[user:pass@]host:port[/path]
  std::string index_prefix = "sms-heartbeats";  // indices <prefix>-YYYY.MM.DD, template <prefix>
  int shards = 1;                               // per daily index
  int replicas = 0;                             // 0 suits a single-node cluster
  size_t bulk_max_docs = 1000;                  // heartbeats or run updates per _bulk request
  int page_size = 10000;                        // hits or buckets per page, 1..10000
  // The worker's --heartbeat-grace: how long after its heartbeats' reach a run may still be
  // extended, which Horizon() allows for. Uptime itself comes from the runs the worker keeps.
  std::chrono::milliseconds grace{30000};
  // Days of daily indices Expire() keeps: an index goes once its whole UTC day ended at least
  // this long ago. 0 keeps every index.
  int retention_days = 0;
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds bulk_timeout{10000};    // one _bulk or template request
  std::chrono::milliseconds search_timeout{30000};  // one search or aggregation page
};

class SearchHistory final : public History {
 public:
  // Checks the options (InvalidArgument naming the field: search_url, index_prefix, …);
  // contacts nothing, so it succeeds while the backend is down. `store` (optional) is where
  // UptimeAll reads the servers and their created_time; MakeHistory passes its Store.
  static Result<std::shared_ptr<SearchHistory>> Make(SearchHistoryOptions options,
                                                     store::ServerStorePtr store = nullptr);

  // Writes the batch as _bulk requests of at most bulk_max_docs documents, after installing
  // the index template once. Unavailable when the backend is unreachable, slow, or rejects
  // items for retryable reasons (429, 5xx); Internal, with the first item's reason, when any
  // item fails for another reason. Documents written before a failure stay: a retry of the
  // batch overwrites them.
  Status Record(const std::vector<Heartbeat>& batch) override;
  // Applies the run updates to <prefix>.runs (created on first use) as scripted upserts in
  // _bulk requests, keyed by server and run start: order-free and idempotent (on_runs.h).
  // Errors as Record().
  Status RecordRuns(const std::vector<RunUpdate>& updates) override;
  bool KeepsRuns() const override { return true; }
  // One search of the runs index (open, end before `before`), sorted by end.
  Result<std::vector<RunUpdate>> OpenRunsEndedBefore(Millis before, size_t limit) override;
  // A cluster health request: OK when the node answers within a second and the cluster is
  // not red; Unavailable otherwise.
  Status Ping() override;
  // Time-weighted uptime of `server` from its on-runs (see above); the window is clipped to
  // [server.created_time, now].
  Result<UptimeResult> Uptime(const Server& server, Millis from, Millis to, Millis now) override;
  // With a Store: every server of the Store, ordered by server_id, each measured from its
  // created_time as Uptime() does (a server never on in the window is up 0); servers deleted
  // from the Store are absent. Without one: every server that has on-runs, measured from its
  // first run's start; servers registered but never heard from are absent. Unavailable when
  // either backend is down.
  Result<std::vector<std::pair<std::string, UptimeResult>>> UptimeAll(Millis from, Millis to,
                                                                      Millis now) override;
  // now - retention_days + kMaxInterval + grace: a window starting later reads heartbeats
  // from no earlier than now - retention_days, which Expire() keeps. kKeepsEverything with no
  // retention.
  Millis Horizon(Millis now) const override;
  // DeleteIndicesBefore(now - retention_days); 0 with no retention.
  Result<int64_t> Expire(Millis now) override;

  // Deletes the daily indices of this prefix whose whole UTC day ended at or before `cutoff`,
  // by name, one at a time. Only names that are exactly <prefix>-YYYY.MM.DD with a real date
  // are touched: never another prefix's indices, never a name that does not parse. Returns
  // how many this call deleted (an index already gone is skipped). Unavailable when the
  // backend is down; indices deleted before a failure stay deleted.
  Result<int64_t> DeleteIndicesBefore(Millis cutoff);

  // Creates or replaces the index template <prefix> for <prefix>-*. Record() does this once
  // before its first write (and again after a failed try); calling it again is harmless.
  Status InstallTemplate();
  // Makes every recorded heartbeat and run visible to searches now (an index refresh);
  // otherwise within a second, or, on a heartbeat index nobody searched for 30 s, at the
  // next search (which waits for it). For tests and tools.
  Status Refresh();
  // The daily index a heartbeat received at `received_at` belongs to: <prefix>-YYYY.MM.DD.
  std::string IndexFor(Millis received_at) const;
  // The on-runs index: <prefix>.runs (outside the pattern <prefix>-* of the daily indices).
  std::string RunsIndex() const;
  // The client on the same backend, for raw requests from tests and tools.
  SearchClient& client() { return *client_; }
  const SearchHistoryOptions& options() const { return options_; }

 private:
  SearchHistory(SearchHistoryOptions options, std::unique_ptr<SearchClient> client,
                store::ServerStorePtr store)
      : options_(std::move(options)), client_(std::move(client)), store_(std::move(store)) {}

  Status EnsureTemplate();
  Status WriteBulk(const std::vector<Heartbeat>& batch, size_t begin, size_t end);
  // Each server's start of measurement, by server_id: its created_time from store_ when set,
  // else the start of its first on-run.
  Result<std::map<std::string, Millis>> Starts();
  Result<std::map<std::string, Millis>> FirstRuns();
  Status EnsureRunsIndex();
  // Calls `fn` for every run that starts by `hi` and is open or ends at `lo` or later, of
  // `server_id` (every server when empty), ordered by server_id and start.
  using RunFn = std::function<Status(std::string_view server_id, const OnRun& run)>;
  Status ScanRuns(const std::string& server_id, Millis lo, Millis hi, const RunFn& fn);

  const SearchHistoryOptions options_;
  const std::unique_ptr<SearchClient> client_;
  const store::ServerStorePtr store_;  // may be null
  std::mutex template_mu_;
  bool template_installed_ = false;  // guarded by template_mu_
  bool runs_index_ready_ = false;    // guarded by template_mu_
};

}  // namespace sms::history
