#include "cache/memory_cache.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace sms::cache {
namespace {

struct Entry {
  std::string key;
  std::string value;
  Millis expires_at = 0;
};

using Lru = std::list<Entry>;  // front: most recently used

}  // namespace

struct MemoryCache::Shard {
  explicit Shard(size_t cap) : capacity(cap) {}

  // REQUIRES: mu held. Unlinks the entry at `it` into `graveyard`, whose destruction (after
  // the lock is released) frees it.
  void Unlink(std::unordered_map<std::string_view, Lru::iterator>::iterator it, Lru& graveyard) {
    Lru::iterator node = it->second;
    index.erase(it);  // first: its key is a view into the node
    graveyard.splice(graveyard.end(), lru, node);
  }

  const size_t capacity;
  mutable std::mutex mu;
  Lru lru;
  std::unordered_map<std::string_view, Lru::iterator> index;  // keys view into lru's nodes
};

MemoryCache::MemoryCache(size_t max_entries, ClockPtr clock) : clock_(std::move(clock)) {
  max_entries = std::max<size_t>(max_entries, 1);  // a shard of capacity 0 could not insert
  const size_t shards = max_entries >= kMinShardedEntries ? kShards : 1;
  for (size_t i = 0; i < shards; ++i) {
    // Spread the remainder over the first shards, so the capacities add up to max_entries.
    const size_t capacity = max_entries / shards + (i < max_entries % shards ? 1 : 0);
    shards_.push_back(std::make_unique<Shard>(capacity));
  }
}

MemoryCache::~MemoryCache() = default;

MemoryCache::Shard& MemoryCache::ShardFor(std::string_view key) const {
  if (shards_.size() == 1) return *shards_[0];
  // The top bits of a multiplicative mix: the index's buckets use the low bits of the hash.
  const uint64_t h = std::hash<std::string_view>{}(key)*0x9E3779B97F4A7C15ull;
  return *shards_[(h >> 32) % shards_.size()];
}

Result<std::optional<std::string>> MemoryCache::Get(const std::string& key) {
  Shard& shard = ShardFor(key);
  const Millis now = clock_->Now();
  Lru graveyard;
  std::lock_guard lock(shard.mu);
  auto it = shard.index.find(key);
  if (it == shard.index.end()) return std::optional<std::string>();
  if (it->second->expires_at <= now) {
    shard.Unlink(it, graveyard);
    return std::optional<std::string>();
  }
  shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
  return std::optional<std::string>(it->second->value);
}

Status MemoryCache::Set(const std::string& key, const std::string& value,
                        std::chrono::seconds ttl) {
  if (ttl.count() <= 0) return Status::InvalidArgument("cache ttl must be positive", "ttl");
  Shard& shard = ShardFor(key);
  const Millis expires_at =
      clock_->Now() + std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count();
  // Allocate the new node before taking the lock, and free old ones after releasing it.
  Lru fresh;
  fresh.push_back(Entry{key, value, expires_at});
  Lru graveyard;
  std::lock_guard lock(shard.mu);
  if (auto it = shard.index.find(key); it != shard.index.end()) shard.Unlink(it, graveyard);
  if (shard.lru.size() >= shard.capacity) {
    shard.Unlink(shard.index.find(shard.lru.back().key), graveyard);
  }
  shard.lru.splice(shard.lru.begin(), fresh);
  shard.index.emplace(shard.lru.front().key, shard.lru.begin());
  return Status::Ok();
}

Status MemoryCache::Delete(const std::string& key) {
  Shard& shard = ShardFor(key);
  Lru graveyard;
  std::lock_guard lock(shard.mu);
  if (auto it = shard.index.find(key); it != shard.index.end()) shard.Unlink(it, graveyard);
  return Status::Ok();
}

size_t MemoryCache::Size() const {
  size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mu);
    total += shard->lru.size();
  }
  return total;
}

}  // namespace sms::cache
