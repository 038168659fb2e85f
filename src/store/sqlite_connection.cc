#include "store/sqlite_connection.h"

#include <sqlite3.h>

#include <mutex>
#include <utility>

namespace sms::store {

Status SqliteError(int rc, sqlite3* db, std::string_view context) {
  std::string message(context);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
      return Status::Unavailable(std::move(message));
    case SQLITE_CONSTRAINT:
      return Status::Conflict(std::move(message));
    default:
      return Status::Internal(std::move(message));
  }
}

// ---- Statement -------------------------------------------------------------------------------

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), db_(other.db_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    Reset();
    stmt_ = std::exchange(other.stmt_, nullptr);
    db_ = other.db_;
  }
  return *this;
}

Statement::~Statement() { Reset(); }

void Statement::Reset() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  // SQLITE_STATIC: the caller keeps `text` alive until the statement is reset (see header).
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  return *this;
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(rc, db_, sqlite3_sql(stmt_));
}

Status Statement::Run() {
  for (;;) {
    Result<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
  }
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

// ---- Connection ------------------------------------------------------------------------------

namespace {

// Process-wide settings that must precede sqlite3_initialize(). Memory statistics put a
// global mutex and a memory barrier around every malloc inside SQLite (~10% of the heartbeat
// path); nothing here reads them. If the host initialised SQLite first, the call is refused
// and the defaults stay, which is only slower.
void ConfigureSqliteOnce() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::Open(const ConnectionOptions& options) {
  ConfigureSqliteOnce();
  sqlite3* db = nullptr;
  // NOMUTEX: a Connection is used by one thread at a time (the store's mutex or pool lease).
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(options.uri.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status status = SqliteError(rc, db, "opening " + options.uri);
    sqlite3_close_v2(db);
    return status;
  }
  sqlite3_extended_result_codes(db, 1);
  std::unique_ptr<Connection> conn(new Connection(db));
  Status status = conn->Configure(options);
  if (!status.ok()) return status;
  return conn;
}

Status Connection::Configure(const ConnectionOptions& options) {
  sqlite3_busy_timeout(db_, options.busy_timeout_ms);
  std::string pragmas =
      "PRAGMA foreign_keys = ON;"
      "PRAGMA synchronous = NORMAL;"
      "PRAGMA temp_store = MEMORY;"
      // Debian builds SQLite with SECURE_DELETE; zeroing freed pages only costs I/O here.
      "PRAGMA secure_delete = OFF;"
      "PRAGMA cache_size = -" +
      std::to_string(options.cache_kib) +
      ";PRAGMA mmap_size = " + std::to_string(options.mmap_bytes) + ";";
  if (options.read_only) {
    pragmas += "PRAGMA query_only = ON;";
  } else {
    // Persistent in the file; an in-memory database answers "memory" and stays so.
    pragmas += "PRAGMA journal_mode = WAL;";
  }
  return Exec(pragmas.c_str());
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Result<Statement> Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it != cache_.end()) return Statement(it->second, db_);
  if (cache_.size() >= kMaxCachedStatements) {
    for (auto& [text, stmt] : cache_) sqlite3_finalize(stmt);
    cache_.clear();
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(rc, db_, "preparing " + std::string(sql));
  cache_.emplace(std::string(sql), stmt);
  return Statement(stmt, db_);
}

Status Connection::Exec(const char* sql) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc == SQLITE_OK) return Status::Ok();
  return SqliteError(rc, db_,
                     std::string("executing ").append(std::string_view(sql).substr(0, 60)));
}

int64_t Connection::Changes() const { return sqlite3_changes64(db_); }

int64_t Connection::LastInsertId() const { return sqlite3_last_insert_rowid(db_); }

Result<std::pair<int, int>> Connection::CheckpointPassive() {
  int frames = 0;
  int done = 0;
  int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &frames, &done);
  if (rc != SQLITE_OK) return SqliteError(rc, db_, "checkpoint");
  return std::make_pair(frames, done);
}

void Connection::OnWalCommit(std::function<void(int)> fn) {
  on_wal_commit_ = std::move(fn);
  if (on_wal_commit_) {
    sqlite3_wal_hook(db_, &Connection::WalHook, this);
  } else {
    sqlite3_wal_hook(db_, nullptr, nullptr);
  }
}

int Connection::WalHook(void* self, sqlite3* /*db*/, const char* /*name*/, int frames) {
  static_cast<Connection*>(self)->on_wal_commit_(frames);
  return SQLITE_OK;
}

// ---- Transaction -----------------------------------------------------------------------------

Status Transaction::BeginWrite() {
  Status status = conn_.Exec("BEGIN IMMEDIATE");
  open_ = status.ok();
  return status;
}

Status Transaction::BeginRead() {
  Status status = conn_.Exec("BEGIN");
  open_ = status.ok();
  return status;
}

Status Transaction::Commit() {
  Status status = conn_.Exec("COMMIT");
  // A failed COMMIT leaves the transaction open; the destructor rolls it back.
  if (status.ok()) open_ = false;
  return status;
}

Transaction::~Transaction() {
  if (open_) conn_.Exec("ROLLBACK");
}

}  // namespace sms::store
