#pragma once
// Thin RAII layer over the SQLite C API used by SqliteStore: a connection with a cache of
// prepared statements, a borrowed statement handle, and a transaction guard.
// None of these classes is thread-safe: a Connection (and the Statements it hands out) is
// used by one thread at a time; SqliteStore guarantees that with a mutex or a pool lease.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "core/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sms::store {

// Maps an SQLite result code to a Status, like PosixError() does for errno:
// BUSY/LOCKED/FULL/IOERR/CANTOPEN/NOMEM -> Unavailable (retryable), CONSTRAINT -> Conflict,
// anything else -> Internal. `context` says what was being done.
Status SqliteError(int rc, sqlite3* db, std::string_view context);

// A prepared statement borrowed from a Connection's cache. Resets itself (and clears its
// bindings) when destroyed or reset, so the cached statement is ready for the next user.
// Text bound with Bind() is NOT copied: it must stay alive until the next Reset()/destruction.
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binds parameter `index` (1-based).
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view text);
  // Steps once: true when a row is ready, false when the statement is done.
  Result<bool> Step();
  // Steps to completion (for statements that return no rows).
  Status Run();
  // Steps through every row, calling `on_row(*this)` at each; `on_row` returns void, or a
  // Status that, when not ok, stops the walk and is returned. OK when every row was read.
  template <typename Fn>
  Status ForEachRow(Fn&& on_row);
  // Resets for another execution with new bindings.
  void Reset();
  bool valid() const { return stmt_ != nullptr; }

  int64_t Int(int column) const;
  std::string Text(int column) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
};

template <typename Fn>
Status Statement::ForEachRow(Fn&& on_row) {
  for (;;) {
    Result<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    if constexpr (std::is_void_v<std::invoke_result_t<Fn&, Statement&>>) {
      on_row(*this);
    } else {
      Status status = on_row(*this);
      if (!status.ok()) return status;
    }
  }
}

struct ConnectionOptions {
  std::string uri;  // a file: URI (SQLITE_OPEN_URI is always set)
  bool read_only = false;
  int64_t cache_kib = 16 * 1024;  // page cache of this connection
  int64_t mmap_bytes = 0;         // memory-mapped I/O for reads (0 = off)
  int busy_timeout_ms = 5000;
};

// One SQLite connection with per-connection pragmas (WAL, synchronous=NORMAL, busy_timeout,
// foreign keys) and a cache of prepared statements keyed by their SQL text.
class Connection {
 public:
  static Result<std::unique_ptr<Connection>> Open(const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Returns the cached statement for `sql`, preparing it on first use.
  // REQUIRES: the previous Statement for the same `sql` has been destroyed or reset.
  Result<Statement> Prepare(std::string_view sql);
  // Executes one or more statements without parameters (pragmas, DDL, BEGIN/COMMIT).
  Status Exec(const char* sql);
  int64_t Changes() const;
  int64_t LastInsertId() const;

  // Copies WAL frames into the database (SQLITE_CHECKPOINT_PASSIVE: never waits for anyone).
  // Returns {frames in the WAL, frames now in the database}; equal when it caught up.
  Result<std::pair<int, int>> CheckpointPassive();
  // Calls `fn(frames in the WAL)` after every commit, in place of SQLite's automatic
  // checkpoint (which would run inside the committing thread).
  void OnWalCommit(std::function<void(int)> fn);

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  Status Configure(const ConnectionOptions& options);
  static int WalHook(void* self, sqlite3* db, const char* name, int frames);

  // Dynamic SQL (list filters) can produce a few hundred shapes; beyond this the cache is
  // cleared rather than grown without bound.
  static constexpr size_t kMaxCachedStatements = 512;

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
  std::function<void(int)> on_wal_commit_;
};

// Guards a transaction: rolls back on destruction unless Commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Connection& conn) : conn_(conn) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // BEGIN IMMEDIATE takes the write lock up front (waiting up to busy_timeout), so two
  // writers, even in two processes, never deadlock on a lock upgrade.
  Status BeginWrite();
  // BEGIN (deferred): a consistent snapshot for several reads.
  Status BeginRead();
  Status Commit();

 private:
  Connection& conn_;
  bool open_ = false;
};

}  // namespace sms::store
