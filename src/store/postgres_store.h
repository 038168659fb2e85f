#pragma once
// PostgresStore: the Store on PostgreSQL (the distributed shape: many replicas of every role
// share one database).
//
// Thread-safe. Every call leases a connection from a bounded pool (pool_size, default 8, from
// the URL's query), opened lazily; a connection found lost is dropped with the idle ones and
// the call runs once more on a fresh connection if nothing was committed, so a database restart
// costs at most one Unavailable per caller. The hot statements are prepared once per
// connection; list queries, whose filters vary, are sent with parameters and planned for their
// values.
//
// The schema and the semantics are those of SqliteStore (src/store/migrations_pg/ mirrors
// src/store/migrations/), but for one table: last_seen lives in server_liveness, so that a
// heartbeat rewrites a narrow row with three index entries instead of a server row with eleven
// (PostgreSQL indexes every new row version). Migrations run at Open under a PostgreSQL
// advisory lock, so replicas starting together do not race. What differs is how work is
// shared between writers:
// - ApplyHeartbeats is set-based: one UPDATE … FROM unnest(…) for the known-on fast path, one
//   SELECT … FOR UPDATE of the rest, two UPDATEs and one INSERT for their changes, and one
//   multi-row INSERT … ON CONFLICT DO NOTHING for registrations, whatever the batch size.
// - SweepOffline claims due servers with FOR UPDATE SKIP LOCKED and turns them off with a
//   conditional UPDATE … WHERE status = 1 AND last_seen = … RETURNING, so concurrent sweepers
//   split the work and never write a transition twice.
// - Fleet counters are sharded by backend, so concurrent writers rarely queue on one row.

#include <memory>
#include <string>
#include <vector>

#include "store/alert_store.h"
#include "store/dashboard_store.h"
#include "store/maintenance_store.h"
#include "store/postgres_alert_sql.h"
#include "store/postgres_connection.h"
#include "store/store.h"

namespace sms::store {

class PostgresStore final : public Store, public AlertStore, public MaintenanceStore {
 public:
  // Connects (one connection), applies migrations. Unavailable when the server cannot be
  // reached; InvalidArgument (field database_url) when the schema is newer than this binary.
  static Result<std::shared_ptr<PostgresStore>> Open(const PostgresOptions& options);

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

  // AlertStore (postgres_alerts.cc, postgres_alert_dispatch.cc).
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
  // MaintenanceStore (postgres_maintenance.cc).
  Status InsertMaintenance(const MaintenanceWindow& window) override;
  Result<MaintenanceWindow> GetMaintenance(const std::string& id) override;
  Result<std::vector<MaintenanceWindow>> ListMaintenance(Millis from, Millis to) override;
  Status ReplaceMaintenance(const MaintenanceWindow& window) override;
  Status DeleteMaintenance(const std::string& id) override;

  // Most servers one SweepOffline call turns off; the next call continues.
  static constexpr int kSweepLimit = 10000;

  // Connections the pool holds open now (idle and leased).
  int open_connections() { return pool_.open_connections(); }

 private:
  // Reports selected by `sql` (fixed text; $1 a time, $2 the limit).
  Result<std::vector<ReportRecord>> SelectReports(const std::string& sql, Millis at, int limit);
  explicit PostgresStore(const PostgresOptions& options);
  // One statement on a pooled connection, outside a transaction (reads).
  Result<pqxx::result> Read(const PgStatement& run);
  // One statement in a transaction; with `what`, NotFound naming `what` and `id` when it
  // changed no row.
  Status Write(const PgStatement& run, const std::string& what = {}, const std::string& id = {});
  // The records of `table` (store/row_table.h) that `sql` selects with `params` bound to $1,
  // $2, … (postgres_alerts.cc).
  template <typename Table>
  auto Select(const std::string& sql, const std::vector<SqlValue>& params, const Table& table);

  PgPool pool_;
};

}  // namespace sms::store
