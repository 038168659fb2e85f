#pragma once
// The PostgreSQL plumbing of PostgresStore (internal to src/store): URL parsing, the one error
// mapping function PgError(), a connection with a cache of prepared statements, and a pool.
//
// PgConnection is used by one thread at a time (a pool lease guarantees it). PgPool is
// thread-safe.

#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace sms::store {

inline constexpr int kDefaultPoolSize = 8;
inline constexpr int kMaxPoolSize = 256;

struct PostgresOptions {
  std::string conninfo;  // the URL as libpq takes it (without our own parameters)
  int pool_size = kDefaultPoolSize;
};

// Splits a postgresql:// or postgres:// URL into libpq's part and ours: the query parameter
// pool_size (1..kMaxPoolSize) is taken out; every other parameter goes to libpq unchanged.
// InvalidArgument (field database_url) on a bad pool_size; the message never repeats the URL
// (it may hold a password).
Result<PostgresOptions> ParsePostgresUrl(std::string_view url);

// Maps an exception thrown by libpqxx (or anything else) to a Status, like PosixError():
//   SQLSTATE 23505 unique_violation       -> Conflict, naming the field from the constraint
//   lost connection, class 08, 57P01-03,
//   class 53 (too many connections…),
//   40001 / 40P01 (serialization, deadlock) -> Unavailable (retryable)
//   anything else                          -> Internal
Status PgError(const std::exception& e);

// True when `e` means the session is gone (the connection must not be reused).
bool PgConnectionLost(const std::exception& e);

// One libpq session plus the statements prepared on it, by SQL text.
class PgConnection {
 public:
  // Connects; throws pqxx::broken_connection when the server cannot be reached.
  explicit PgConnection(const std::string& conninfo);

  pqxx::connection& raw() { return conn_; }
  bool open() const { return conn_.is_open(); }

  // The name of the prepared statement for `sql`, declared on first use (libpqxx sends it to
  // the server the first time it runs, and again after it reconnects).
  const std::string& Prepared(const std::string& sql);

 private:
  pqxx::connection conn_;
  std::unordered_map<std::string, std::string> prepared_;
};

// Runs a prepared statement on `tx`: the fixed SQL of the store's hot paths.
template <typename... Args>
pqxx::result ExecPrepared(pqxx::transaction_base& tx, PgConnection& conn, const std::string& sql,
                          Args&&... args) {
  return tx.exec_prepared(conn.Prepared(sql), std::forward<Args>(args)...);
}

// A bounded pool of PgConnections, opened lazily. A connection that turns out to be lost is
// closed instead of returned, together with the idle ones (after a server restart or a
// pg_terminate_backend they are most likely gone too); the next lease opens fresh ones.
class PgPool {
 public:
  PgPool(std::string conninfo, int size);
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // What a unit of work does with its leased connection. It opens its own transaction, may
  // throw (libpqxx errors) and may run twice: it must not keep state across attempts.
  using Work = std::function<Status(PgConnection&)>;

  // Runs `work` on a leased connection and maps what it throws with PgError(). When the
  // connection turns out to be lost before anything was committed, the work runs once more on
  // a fresh connection; a loss during COMMIT (outcome unknown) is returned as Unavailable.
  Status Run(const Work& work);

  // Connections currently open (idle and leased).
  int open_connections();

 private:
  // A connection for this thread: an idle one, a new one, or (at the size limit) the next
  // one returned. Unavailable when a new one cannot connect.
  Result<std::unique_ptr<PgConnection>> Acquire();
  void Release(std::unique_ptr<PgConnection> conn);
  // Closes `conn` (lost) and every idle connection.
  void Discard(std::unique_ptr<PgConnection> conn);

  const std::string conninfo_;
  const int size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  int open_ = 0;
};

// Text-format PostgreSQL array literals, for unnest($1::text[], …) over a whole batch.
std::string PgTextArray(const std::vector<std::string>& values);
std::string PgIntArray(const std::vector<int64_t>& values);

}  // namespace sms::store
