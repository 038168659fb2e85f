#pragma once
// MemoryCache: the in-process Cache, both the embedded default and the fake for unit tests.
// A least-recently-used cache of at most max_entries entries, each with its own expiry time
// read from an injectable Clock. An expired entry is a miss, and is dropped when met.
//
// Large caches are split into shards by key hash, each with its own lock, list and index, so
// threads rarely wait for each other; eviction is then least-recently-used within a shard
// (each holds max_entries / shards). Caches below kMinShardedEntries use one shard, so their
// eviction order is exact. The total never exceeds max_entries.
//
// Thread-safe.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cache/cache.h"
#include "core/clock.h"

namespace sms::cache {

class MemoryCache final : public Cache {
 public:
  static constexpr size_t kShards = 16;
  static constexpr size_t kMinShardedEntries = 16 * 1024;

  // REQUIRES: max_entries > 0, clock != nullptr.
  explicit MemoryCache(size_t max_entries, ClockPtr clock = std::make_shared<SystemClock>());
  ~MemoryCache() override;

  // Never fails. A hit makes the entry the most recently used.
  Status Ping() override { return Status::Ok(); }
  Result<std::optional<std::string>> Get(const std::string& key) override;
  // Inserts or replaces the entry, expiring `ttl` from now; evicts the least recently used
  // entry of the shard when it is full. InvalidArgument (field "ttl") unless ttl > 0.
  Status Set(const std::string& key, const std::string& value, std::chrono::seconds ttl) override;
  // OK whether or not the key was there.
  Status Delete(const std::string& key) override;

  // Entries held, expired ones not yet dropped included.
  size_t Size() const;
  size_t shard_count() const { return shards_.size(); }

 private:
  struct Shard;
  Shard& ShardFor(std::string_view key) const;

  const ClockPtr clock_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace sms::cache
