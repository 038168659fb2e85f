#pragma once
// History: where heartbeat records live and where uptime is computed from.
// Implementations: SqlHistory (status intervals in the Store; embedded default),
// SearchHistory (OpenSearch/Elasticsearch documents). Thread-safe.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/types.h"
#include "core/uptime.h"
#include "store/store.h"

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
  // Uptime of `server` over [from, to], clipped to [created_time, now].
  virtual Result<UptimeResult> Uptime(const Server& server, Millis from, Millis to,
                                      Millis now) = 0;
  // Uptime of every server over [from, to] (each clipped to its created_time and now),
  // computed set-based. Ordered by server_id.
  virtual Result<std::vector<std::pair<std::string, UptimeResult>>> UptimeAll(Millis from,
                                                                               Millis to,
                                                                               Millis now) = 0;
};

using HistoryPtr = std::shared_ptr<History>;

struct HistoryConfig {
  std::string search_url;  // empty: SqlHistory over `store`; "http(s)://…": SearchHistory
  // SearchHistory only: the worker's --heartbeat-grace (a heartbeat this late still continues
  // the on-run, as in the SQL status) and the daily indices' name prefix.
  Millis grace = 30'000;
  std::string search_index_prefix = "sms-heartbeats";
};

Result<HistoryPtr> MakeHistory(const HistoryConfig& config, store::StorePtr store);

}  // namespace sms::history
