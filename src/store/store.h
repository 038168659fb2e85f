#pragma once
// Store: the inventory of servers, their on/off status and its history (SQL).
// Implementations: SqliteStore (embedded default), PostgresStore (postgresql:// URLs).
// Every method is thread-safe; implementations serialise or pool as they need.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/types.h"
#include "store/maintenance_store.h"
#include "store/retention_rule.h"

namespace sms::store {

struct ApplyOptions {
  bool auto_register = true;  // unknown server_id: register it, or reject the heartbeat
  // server_ids the caller (the worker's cache) believes are on with the ipv4, hostname and
  // interval their heartbeat carries: they take a cheaper path (one conditional UPDATE of
  // last_seen), and fall back to the full path when SQL disagrees.
  std::unordered_set<std::string> known_on;
};

struct ApplyResult {
  int64_t applied = 0;         // heartbeats of existing or registered servers (incl. redeliveries)
  int64_t registered = 0;      // servers created by a heartbeat
  int64_t rejected = 0;        // unknown servers when auto_register is off
  int64_t turned_on = 0;       // off -> on transitions written
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

// A report as recorded: what was asked and when, and whether its mail job is on the bus.
struct ReportRecord {
  std::string id;                   // "rpt-…" (asked for), "daily-YYYY-MM-DD" (scheduled)
  std::string kind;                 // "manual", "daily"
  std::string first_day;            // YYYY-MM-DD in `tz`
  std::string last_day;
  std::string tz;
  std::vector<std::string> emails;
  std::string summary;              // JSON object, as the API shows it
  Millis created_at = 0;
  Millis queued_at = 0;             // 0: its mail job is not on the bus yet
};

// What became of one mail job (the mail service's record, by job id).
struct MailOutcome {
  std::string outcome;  // "sent", "failed"
  std::string error;    // the last delivery error when failed
  int attempts = 0;
  Millis at = 0;
};

// A user of the management API. The password is only ever held as its argon2id hash.
struct UserRecord {
  std::string username;
  std::string password_hash;  // "$argon2id$…"
  std::string role;           // admin, operator, viewer
  Millis created_at = 0;
  Millis updated_at = 0;
};

// A change to a user; unset fields stay as they are.
struct UserPatch {
  std::optional<std::string> password_hash;
  std::optional<std::string> role;
};

// A login: the jti of the JWT it issued. A request with that JWT is let in only while the row
// exists (logout, a password or role change and deleting the user remove it) and not expired.
struct SessionRecord {
  std::string jti;
  std::string username;
  Millis created_at = 0;
  Millis expires_at = 0;
};

// An API token for automation: shown once as "sms_<token_id>_<secret>"; only the SHA-256 of
// the secret is stored.
struct ApiTokenRecord {
  std::string token_id;
  std::string username;  // the owner; the token never holds more than the owner's role
  std::string name;
  std::string secret_hash;  // hex SHA-256 of the secret
  std::vector<std::string> scopes;
  Millis created_at = 0;
  Millis expires_at = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // OK when the backend answers; Unavailable otherwise.
  virtual Status Ping() = 0;

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
  // Filtered, sorted page plus the total matching. server_name and q match substrings, ASCII
  // case-insensitively, with % _ \ taken literally. ipv4 sorts numerically (empty first); ties
  // break on creation order (reversed for desc), so paging is stable. REQUIRES: query validated.
  virtual Result<ServerPage> ListServers(const ServerQuery& query) = 0;
  virtual Result<FleetStats> Stats() = 0;

  // Creates the servers of `rows` in one transaction, each as CreateServer does (off, never
  // seen, an "off" event with cause "created" at `now`). A row whose server_id or server_name is
  // taken, by a stored server or by an earlier row, is left out and reported as a conflict
  // naming that field (server_id when both are). REQUIRES: every row validated.
  virtual Result<ImportResult> ImportServers(const std::vector<ServerInput>& rows, Millis now) = 0;

  // Calls `each` with every server that matches the filters of `query`, in its sort order
  // (offset and limit are ignored), streaming from one snapshot: memory stays flat over
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

  // ---- Reports and mail outcomes ----------------------------------------------------------
  // Records a report. Conflict (field "report_id") when the id exists: the conditional insert
  // by which one replica, and only one, claims a scheduled report by its deterministic id.
  virtual Status InsertReport(const ReportRecord& report) = 0;
  // NotFound when absent.
  virtual Result<ReportRecord> GetReport(const std::string& id) = 0;
  // Notes that the report's mail job is on the bus. NotFound when absent.
  virtual Status MarkReportQueued(const std::string& id, Millis at) = 0;
  // Reports created before `before` whose mail job was never queued (a replica stopped between
  // claiming and queueing), oldest first, at most `limit`.
  virtual Result<std::vector<ReportRecord>> UnqueuedReports(Millis before, int limit) = 0;
  // Reports created after `since` whose mail job was queued but has no outcome yet, oldest
  // first, at most `limit`: what an in-process bus lost when its process stopped.
  virtual Result<std::vector<ReportRecord>> UnsentReports(Millis since, int limit) = 0;
  // What became of mail job `id`; nullopt when nothing is recorded.
  virtual Result<std::optional<MailOutcome>> GetMailOutcome(const std::string& id) = 0;
  // Records (or replaces) the outcome of mail job `id`.
  virtual Status PutMailOutcome(const std::string& id, const MailOutcome& outcome) = 0;

  // ---- Users, sessions, API tokens --------------------------------------------------------
  // Conflict (field "username") when the username is taken.
  virtual Status CreateUser(const UserRecord& user) = 0;
  // NotFound when absent.
  virtual Result<UserRecord> GetUser(const std::string& username) = 0;
  // Every user, by username.
  virtual Result<std::vector<UserRecord>> ListUsers() = 0;
  virtual Result<int64_t> CountUsers() = 0;
  // Applies `patch` (updated_at = now) and returns the user as stored. When the password or
  // the role changes, the user's sessions are deleted in the same transaction. NotFound when
  // absent; Conflict (field "role") when it would leave no admin. Atomic with respect to
  // concurrent updates and deletes (two demotions of the last two admins cannot both win).
  virtual Result<UserRecord> UpdateUser(const std::string& username, const UserPatch& patch,
                                        Millis now) = 0;
  // Deletes the user with its sessions and API tokens. NotFound when absent; Conflict (field
  // "username") when it is the last admin. Atomic as UpdateUser.
  virtual Status DeleteUser(const std::string& username) = 0;

  // Records a login; also deletes sessions that expired before `session.created_at`. NotFound
  // when the user does not exist.
  virtual Status InsertSession(const SessionRecord& session) = 0;
  // The user of session `jti` when it exists and expires after `now`; nullopt otherwise.
  virtual Result<std::optional<UserRecord>> SessionUser(const std::string& jti, Millis now) = 0;
  // Deletes session `jti` (logout). NotFound when absent.
  virtual Status DeleteSession(const std::string& jti) = 0;

  // Conflict (field "token_id") when the id exists; NotFound when the owner does not exist.
  virtual Status InsertApiToken(const ApiTokenRecord& token) = 0;
  // Token `token_id` with its owner, when it exists and expires after `now`; nullopt otherwise.
  virtual Result<std::optional<std::pair<ApiTokenRecord, UserRecord>>> ApiTokenUser(
      const std::string& token_id, Millis now) = 0;
  // The tokens of `username` (every user's when empty), newest first; expired ones included.
  virtual Result<std::vector<ApiTokenRecord>> ListApiTokens(const std::string& username) = 0;
  // Deletes token `token_id`; when `username` is not empty, only if that user owns it.
  // NotFound otherwise.
  virtual Status DeleteApiToken(const std::string& token_id, const std::string& username) = 0;

  // ---- Retention (store/retention_rule.h says what is old enough) ------------------------
  // Deletes, per table, at most request.limit of the rows `request` names, in one
  // transaction: sessions that expired at or before sessions_expired_before; reports of kind
  // "manual" or "daily" created before reports_created_before; mail outcomes recorded before
  // mail_outcomes_before whose report (same id) no longer exists, reports deleted by this call
  // included. Nothing else is touched (never servers, status transitions, users, tokens).
  // Returns how many rows went from each table; while PruneMayContinue(), call again.
  virtual Result<PruneCounts> Prune(const PruneRequest& request) = 0;
  // Claims the run of scheduled job `job` due at `now`: when no run of it is recorded, or the
  // recorded next run is at or before `now`, records `next` as its next run and returns true;
  // otherwise returns false and changes nothing. A conditional update: of replicas racing for
  // one due run, exactly one gets true. REQUIRES: next > now.
  virtual Result<bool> ClaimRun(const std::string& job, Millis now, Millis next) = 0;
};

using StorePtr = std::shared_ptr<Store>;

struct StoreConfig {
  std::string url;       // "sqlite:<path>" (default), "sqlite::memory:", "postgresql://…"
};

// The one factory: picks the implementation from the URL scheme. Runs migrations.
Result<StorePtr> MakeStore(const StoreConfig& config);

// Every interface one backend offers, on the same database (and the same connections): the
// inventory, the alerts (store/alert_store.h) and the maintenance windows.
class AlertStore;
struct Stores {
  StorePtr store;
  std::shared_ptr<AlertStore> alerts;
  MaintenanceStorePtr maintenance;
};
// As MakeStore, handing out each interface of the backend it opens.
Result<Stores> OpenStores(const StoreConfig& config);

}  // namespace sms::store
