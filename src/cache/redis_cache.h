#pragma once
// RedisCache: the Cache on a Redis server (hiredis), for the distributed shape.
// Keys are stored exactly as callers give them; Set is `SET key value EX ttl`, Delete is `DEL`,
// GetMany is `MGET`.
//
// A small pool of blocking connections, each used by one thread at a time; connections are
// opened lazily, authenticated (AUTH) and switched to the configured database (SELECT).
// Every connect and command has a timeout, so a dead or hung Redis costs a caller at most
// about connect_timeout + command_timeout.
//
// Outages: the first failed call marks Redis down and logs "redis unavailable: …" once (a
// warning); from then on calls fail with Unavailable at once, without touching the network,
// except that one call per retry_interval tries again. When that call succeeds, the cache is
// up again and logs "redis reachable again" once. Callers treat Unavailable as a miss.
// Every call that returns an error is counted in failures(). No message shows the password.
//
// Thread-safe.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cache/cache.h"
#include "core/clock.h"

struct redisReply;

namespace sms::cache {

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string user;      // empty: AUTH with the password alone (Redis's "default" user)
  std::string password;  // empty: no AUTH
  int db = 0;            // SELECTed on every new connection unless 0
  std::chrono::milliseconds connect_timeout{500};
  std::chrono::milliseconds command_timeout{250};  // a loaded host can take 100 ms
  // While Redis is down, at most one call per interval tries to reach it again.
  std::chrono::milliseconds retry_interval{500};
  size_t pool_size = 8;                              // connections at most
  ClockPtr clock = std::make_shared<SystemClock>();  // paces the retries
};

// Parses `redis://[[user]:password@]host[:port][/db]` (port 6379 and db 0 by default; user
// and password percent-decoded). InvalidArgument with field "redis_url" otherwise; the
// message never repeats the URL, which may hold a password.
Result<RedisOptions> ParseRedisUrl(const std::string& url);

// The endpoint as shown in logs and errors, password masked: "redis://:***@host:6379/0".
std::string DescribeRedis(const RedisOptions& options);

class RedisCache final : public Cache {
 public:
  // Does not connect: the first call does. REQUIRES: pool_size > 0, clock != nullptr.
  explicit RedisCache(RedisOptions options);
  ~RedisCache() override;

  // The value, or nullopt when the key is absent. Unavailable when Redis cannot be reached
  // or answers with an error; Internal when the key holds a non-string value.
  Result<std::optional<std::string>> Get(const std::string& key) override;
  // MGET, kGetManyChunk keys per command. Unavailable as for Get.
  Result<std::vector<std::optional<std::string>>> GetMany(
      const std::vector<std::string>& keys) override;
  static constexpr size_t kGetManyChunk = 1000;
  // SET key value EX ttl. InvalidArgument (field "ttl") unless ttl > 0, without a call to
  // Redis and without counting a failure. Unavailable as for Get.
  Status Set(const std::string& key, const std::string& value, std::chrono::seconds ttl) override;
  // DEL key; OK whether or not it existed. Unavailable as for Get.
  Status Delete(const std::string& key) override;
  // PING: OK when Redis answers. Counts and logs like any other call.
  Status Ping() override;
  // failures() as the counter sms_cache_failures_total.
  void RegisterMetrics(metrics::Metrics& registry) override;

  // Calls that returned an error since construction.
  uint64_t failures() const { return failures_.load(std::memory_order_relaxed); }
  // Times Redis went from reachable (or never tried) to unavailable.
  uint64_t outages() const { return outages_.load(std::memory_order_relaxed); }
  // False from a failed call until a later call succeeds.
  bool available() const { return !down_.load(std::memory_order_acquire); }
  const std::string& endpoint() const { return endpoint_; }

 private:
  struct Slot;
  struct ReplyDeleter {
    void operator()(redisReply* reply) const;
  };
  using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;
  enum class Admission { kUp, kProbe, kRefused };

  // Runs one command on a pooled connection and returns Redis's reply, which may be an error
  // reply. Unavailable when Redis cannot be reached; keeps the outage state and the counter.
  Result<ReplyPtr> Run(std::initializer_list<std::string_view> args) {
    return Run(std::span<const std::string_view>(args.begin(), args.size()));
  }
  Result<ReplyPtr> Run(std::span<const std::string_view> args);
  Slot& Acquire(std::unique_lock<std::mutex>& lock);
  bool RetryDue() const;
  Admission Admit();
  Result<ReplyPtr> Execute(Slot& slot, std::span<const std::string_view> args);
  Status Connect(Slot& slot) const;
  void MarkDown(const std::string& reason);
  void MarkUp();
  Status Fail(Status status);
  Status RefusedStatus() const;

  const RedisOptions options_;
  const std::string endpoint_;
  const bool guard_sigpipe_;  // SIGPIPE was not ignored at construction
  std::vector<std::unique_ptr<Slot>> slots_;
  std::atomic<size_t> next_slot_{0};
  std::atomic<bool> down_{false};
  std::atomic<Millis> retry_at_{0};  // while down: when the next call may try Redis again
  std::atomic<uint64_t> failures_{0};
  std::atomic<uint64_t> outages_{0};
};

}  // namespace sms::cache
