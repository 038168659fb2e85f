#pragma once
// Cache: string values by key with a per-entry TTL. A miss is normal, never an error.
// Implementations: MemoryCache (in-process LRU, the embedded default), RedisCache (Redis).
// Thread-safe.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace sms::metrics {
class Metrics;
}

namespace sms::cache {

class Cache {
 public:
  virtual ~Cache() = default;
  Cache() = default;
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  // OK when the backend answers; Unavailable otherwise.
  virtual Status Ping() = 0;
  // The value, or nullopt on a miss or an expired entry. Unavailable when the backend is down.
  virtual Result<std::optional<std::string>> Get(const std::string& key) = 0;
  // The values of `keys`, in their order (repeats included), each as Get gives it: nullopt on a
  // miss; a key that holds something other than a string reads as a miss. Few round trips for
  // many keys where the backend allows it (the default asks Get for each). Unavailable when
  // the backend is down (nothing partial is returned).
  virtual Result<std::vector<std::optional<std::string>>> GetMany(
      const std::vector<std::string>& keys);
  // Stores `value` under `key` for `ttl`, replacing any entry (and its TTL).
  // InvalidArgument (field "ttl") unless ttl > 0. Unavailable when the backend is down.
  virtual Status Set(const std::string& key, const std::string& value,
                     std::chrono::seconds ttl) = 0;
  // Removes the entry; OK whether or not it existed. Unavailable when the backend is down.
  virtual Status Delete(const std::string& key) = 0;
  // Adds what this cache counts (failed calls) to `registry`, read at each render; call once.
  // The default adds nothing. REQUIRES: the cache outlives every Render of `registry`.
  virtual void RegisterMetrics(metrics::Metrics& registry) { (void)registry; }
};

using CachePtr = std::shared_ptr<Cache>;

struct CacheConfig {
  std::string url;            // empty: MemoryCache; "redis://…": RedisCache
  size_t max_entries = 2'000'000;
};

Result<CachePtr> MakeCache(const CacheConfig& config);

// A TTL drawn uniformly from [600, 900] s, so entries written together do not expire together.
std::chrono::seconds JitteredTtl();

}  // namespace sms::cache
