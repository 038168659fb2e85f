#pragma once
// SqliteStore: the embedded Store on one SQLite file (WAL), or on a private in-memory database.
//
// Thread-safe. Writes go through one writer connection guarded by a mutex (SQLite has one
// writer at a time anyway); reads lease a connection from a small pool, and WAL lets them run
// while a write is in progress. Every write transaction is BEGIN IMMEDIATE, so several stores
// (threads or processes) on the same file serialise on SQLite's lock instead of failing.
// An in-memory database has a single connection that serves reads and writes.
//
// Status history is written here, in the same transaction as the status change: ApplyHeartbeats
// writes the "on" transitions (cause "registered" or "heartbeat"), SweepOffline the "off" ones
// (cause "timeout"), CreateServer an "off" one (cause "created").
//
// last_updated moves when the stored record changes (fields, status), not on every heartbeat;
// last_seen is what a heartbeat moves. ipv4 sorts numerically (empty first).

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/alert_store.h"
#include "store/dashboard_store.h"
#include "store/maintenance_store.h"
#include "store/row_table.h"
#include "store/sqlite_checkpointer.h"
#include "store/sqlite_connection.h"
#include "store/store.h"

namespace sms::store {

struct SqliteOptions {
  std::string path;     // a file path; ignored when `memory`
  bool memory = false;  // a private in-memory database (one connection)
  int readers = 4;      // read connections in the pool (file databases)
  int64_t writer_cache_kib = 128 * 1024;
  int64_t reader_cache_kib = 16 * 1024;
  int64_t mmap_bytes = int64_t{1} << 30;  // shared OS page cache for reads
  // WAL size (in pages) at which the background checkpointer copies it into the database.
  int checkpoint_frames = 8192;
};

class SqliteStore final : public Store, public AlertStore, public MaintenanceStore {
 public:
  // Opens (creating if needed) the database and applies migrations.
  static Result<std::shared_ptr<SqliteStore>> Open(const SqliteOptions& options);
  ~SqliteStore() override;

  Status Ping() override;
  // ServerStore.
  Result<Server> CreateServer(const ServerInput& input, Millis now) override;
  Result<Server> GetServer(const std::string& server_id) override;
  Result<Server> UpdateServer(const std::string& server_id, const ServerPatch& patch,
                              Millis now) override;
  Status DeleteServer(const std::string& server_id) override;
  Result<ServerPage> ListServers(const ServerQuery& query) override;
  Result<FleetStats> Stats() override;
  Result<ImportResult> ImportServers(const std::vector<ServerInput>& rows, Millis now) override;
  Status ScanServers(const ServerQuery& query,
                     const std::function<Status(const Server&)>& each) override;
  Result<ApplyResult> ApplyHeartbeats(const std::vector<Heartbeat>& batch,
                                      const ApplyOptions& options) override;
  Result<SweepResult> SweepOffline(Millis now, Millis grace) override;
  Result<std::vector<StatusEvent>> ListEvents(const std::string& server_id, Millis from,
                                              Millis to) override;
  Result<std::vector<ServerTimeline>> Timelines(Millis from, Millis to) override;
  // DashboardStore.
  Result<std::vector<FeedEvent>> EventsAfter(int64_t after, int limit) override;
  Result<int64_t> LastEventSeq() override;
  Status RecordFleetMinute(const FleetMinute& m) override;
  Result<std::vector<FleetMinute>> FleetSeries(Millis from, Millis to, Millis step) override;
  Status RecordUptimeDay(const UptimeDay& d) override;
  Result<std::vector<UptimeDay>> UptimeDays(Millis from, Millis to) override;
  // ReportStore.
  Status InsertReport(const ReportRecord& report) override;
  Result<ReportRecord> GetReport(const std::string& id) override;
  Status MarkReportQueued(const std::string& id, Millis at) override;
  Result<std::vector<ReportRecord>> UnqueuedReports(Millis before, int limit) override;
  Result<std::vector<ReportRecord>> UnsentReports(Millis since, int limit) override;
  Result<std::optional<MailOutcome>> GetMailOutcome(const std::string& id) override;
  Status PutMailOutcome(const std::string& id, const MailOutcome& outcome) override;
  // IdentityStore.
  Status CreateUser(const UserRecord& user) override;
  Result<UserRecord> GetUser(const std::string& username) override;
  Result<std::vector<UserRecord>> ListUsers() override;
  Result<int64_t> CountUsers() override;
  Result<UserRecord> UpdateUser(const std::string& username, const UserPatch& patch,
                                Millis now) override;
  Status DeleteUser(const std::string& username) override;
  Status InsertSession(const SessionRecord& session) override;
  Result<std::optional<UserRecord>> SessionUser(const std::string& jti, Millis now) override;
  Status DeleteSession(const std::string& jti) override;
  Status InsertApiToken(const ApiTokenRecord& token) override;
  Result<std::optional<std::pair<ApiTokenRecord, UserRecord>>> ApiTokenUser(
      const std::string& token_id, Millis now) override;
  Result<std::vector<ApiTokenRecord>> ListApiTokens(const std::string& username) override;
  Status DeleteApiToken(const std::string& token_id, const std::string& username) override;
  // RetentionStore, ScheduleStore.
  Result<PruneCounts> Prune(const PruneRequest& request) override;
  Result<bool> ClaimRun(const std::string& job, Millis now, Millis next) override;

  // AlertStore (sqlite_alerts.cc, sqlite_alert_dispatch.cc).
  Status CreateChannel(const ChannelRecord& channel) override;
  Result<ChannelRecord> GetChannel(const std::string& id) override;
  Result<std::vector<ChannelRecord>> ListChannels() override;
  Status UpdateChannel(const ChannelRecord& channel) override;
  Status DeleteChannel(const std::string& id) override;
  Status CreateRule(const RuleRecord& rule) override;
  Result<RuleRecord> GetRule(const std::string& id) override;
  Result<std::vector<RuleRecord>> ListRules() override;
  Status UpdateRule(const RuleRecord& rule) override;
  Status DeleteRule(const std::string& id) override;
  Result<std::vector<AlertRecord>> ListAlerts(const AlertQuery& query) override;
  Result<AlertRecord> GetAlert(const std::string& id) override;
  Result<AlertRecord> AckAlert(const std::string& id, const std::string& by, Millis now) override;
  Result<int> Dispatch(Millis now, int limit, const Planner& plan) override;
  Status EnqueueNotification(const NotificationRecord& n) override;
  Result<std::vector<NotificationRecord>> ClaimDeliveries(Millis now, Millis lease_ms,
                                                          int limit) override;
  Status FinishDelivery(const std::string& id, const DeliveryOutcome& outcome) override;
  Result<std::vector<NotificationRecord>> ListDeliveries(const DeliveryQuery& query) override;
  // MaintenanceStore (sqlite_maintenance.cc).
  Status InsertMaintenance(const MaintenanceWindow& window) override;
  Result<MaintenanceWindow> GetMaintenance(const std::string& id) override;
  Result<std::vector<MaintenanceWindow>> ListMaintenance(Millis from, Millis to) override;
  Status ReplaceMaintenance(const MaintenanceWindow& window) override;
  Status DeleteMaintenance(const std::string& id) override;

  // Most servers one SweepOffline call turns off; the next call continues.
  static constexpr int kSweepLimit = 10000;

 private:
  // Reports matching `where` (fixed SQL with one time parameter), oldest first.
  Result<std::vector<ReportRecord>> SelectReports(const char* where, Millis at, int limit);
  SqliteStore() = default;

  using ConnectionFn = std::function<Status(Connection&)>;
  // Runs `fn` on a read connection (the writer for an in-memory database).
  Status WithReader(const ConnectionFn& fn);
  // Runs `fn` on the writer connection, holding the writer mutex.
  Status WithWriter(const ConnectionFn& fn);
  // The records of `table` (store/row_table.h) that `sql` selects with `params` bound to ?1,
  // ?2, … (sqlite_alerts.cc).
  template <typename Table>
  auto Select(const std::string& sql, const std::vector<SqlValue>& params, const Table& table);

  FairMutex writer_mu_;  // first come, first served: a loop of writes lets the others in
  std::unique_ptr<Connection> writer_;

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;
  bool pooled_ = false;  // false: reads use the writer

  std::unique_ptr<Checkpointer> checkpointer_;  // file databases only
};

}  // namespace sms::store
