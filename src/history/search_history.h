#pragma once
// SearchHistory: the History on OpenSearch/Elasticsearch (DESIGN.md §5), over the REST API.
//
// Storage: one document per heartbeat, in daily indices <prefix>-YYYY.MM.DD (the UTC day of
// received_at), shaped by the index template <prefix> (keyword server_id, hostname and id,
// epoch_millis date received_at, integer interval, ip ipv4). The document _id is the
// heartbeat id, so a redelivered heartbeat overwrites its document instead of adding one.
//
// Uptime: a heartbeat received at t with interval i keeps the server on over [t, t + i], and
// a heartbeat arriving within `grace` after that continues the on-run: the rule of the SQL
// status, which turns a server off after interval + grace of silence and stamps the off at
// last_seen + interval (history/coverage.h). A server whose last heartbeat is not yet
// interval + grace old is on through `now`. Uptime is the on time inside the window clipped
// to [created_time, now], divided by that clipped window. The heartbeats come from a search
// sorted by time and paged with search_after over [window start - kMaxInterval - grace,
// min(window end + grace, now)], folded in one pass. Against the SQL status this can differ
// only where a heartbeat lands right at the interval + grace boundary, where the sweep's
// timing decides: by at most grace per such heartbeat, none for an agent on schedule.
//
// Cost: Uptime reads the server's heartbeats in the window (about 2,880 a day at 30 s).
// UptimeAll streams every heartbeat in the window in time order (their values all in the sort
// keys, so no document is fetched), from the daily indices covering the window only: it
// transfers O(heartbeats in the window) and holds one on-run per server in memory. Each
// server's start of measurement is its created_time, read from the Store given to Make() (one
// scan of the servers); without a Store, its first heartbeat stands for it, found by a
// composite aggregation over every index, whose cost grows with the whole history rather
// than the window.
//
// Thread-safe.

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
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
  size_t bulk_max_docs = 1000;                  // heartbeats per _bulk request
  int page_size = 10000;                        // hits or buckets per page, 1..10000
  // The worker's --heartbeat-grace: a heartbeat this late after the previous one's interval
  // ran out still continues the on-run. 0 gives the plain union of [t, t + interval].
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
                                                     store::StorePtr store = nullptr);

  // Writes the batch as _bulk requests of at most bulk_max_docs documents, after installing
  // the index template once. Unavailable when the backend is unreachable, slow, or rejects
  // items for retryable reasons (429, 5xx); Internal, with the first item's reason, when any
  // item fails for another reason. Documents written before a failure stay: a retry of the
  // batch overwrites them.
  Status Record(const std::vector<Heartbeat>& batch) override;
  // A cluster health request: OK when the node answers within a second and the cluster is
  // not red; Unavailable otherwise.
  Status Ping() override;
  // Time-weighted uptime of `server` from its heartbeats (see above); the window is clipped
  // to [server.created_time, now].
  Result<UptimeResult> Uptime(const Server& server, Millis from, Millis to, Millis now) override;
  // With a Store: every server of the Store, ordered by server_id, each measured from its
  // created_time as Uptime() does (a server never heard from in the window is up 0); servers
  // deleted from the Store are absent. Without one: every server that has heartbeats in the
  // indices, measured from its first heartbeat (min received_at over every index); servers
  // registered but never heard from are absent. Unavailable when either backend is down.
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
  // Makes every recorded heartbeat visible to searches now (an index refresh); otherwise they
  // show within the refresh interval (1 s by default). For tests and tools.
  Status Refresh();
  // The daily index a heartbeat received at `received_at` belongs to: <prefix>-YYYY.MM.DD.
  std::string IndexFor(Millis received_at) const;
  // The client on the same backend, for raw requests from tests and tools.
  SearchClient& client() { return *client_; }
  const SearchHistoryOptions& options() const { return options_; }

 private:
  SearchHistory(SearchHistoryOptions options, std::unique_ptr<SearchClient> client,
                store::StorePtr store)
      : options_(std::move(options)), client_(std::move(client)), store_(std::move(store)) {}

  Status EnsureTemplate();
  Status WriteBulk(const std::vector<Heartbeat>& batch, size_t begin, size_t end);
  // The received_at range [lo, hi] that decides uptime inside [from, to] as of `now`.
  std::pair<Millis, Millis> FetchRange(Millis from, Millis to, Millis now) const;
  // The indices to search for received_at in [lo, hi): the daily names when few, else all.
  std::string IndicesFor(Millis lo, Millis hi) const;
  // Each server's start of measurement, by server_id: its created_time from store_ when set,
  // else its first heartbeat (min received_at over every index).
  Result<std::map<std::string, Millis>> Starts();
  Result<std::map<std::string, Millis>> FirstHeartbeats();
  // Milliseconds of [max(from, first), min(to, now)] each server was on, into `covered`;
  // adds to `firsts` any server heard from in the window that `firsts` lacks.
  Status CoverAll(Millis from, Millis to, Millis now, std::map<std::string, Millis>& firsts,
                  std::map<std::string, Millis>& covered);

  const SearchHistoryOptions options_;
  const std::unique_ptr<SearchClient> client_;
  const store::StorePtr store_;  // may be null
  std::mutex template_mu_;
  bool template_installed_ = false;  // guarded by template_mu_
};

}  // namespace sms::history
