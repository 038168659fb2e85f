#include "cache/cache.h"

#include <random>

#include "cache/memory_cache.h"
#include "cache/redis_cache.h"

namespace sms::cache {

Result<std::vector<std::optional<std::string>>> Cache::GetMany(
    const std::vector<std::string>& keys) {
  std::vector<std::optional<std::string>> values;
  values.reserve(keys.size());
  for (const std::string& key : keys) {
    Result<std::optional<std::string>> value = Get(key);
    if (!value.ok()) return value.status();
    values.push_back(std::move(*value));
  }
  return values;
}

Result<CachePtr> MakeCache(const CacheConfig& config) {
  if (config.max_entries == 0) {
    return Status::InvalidArgument("cache max entries must be positive", "cache_max_entries");
  }
  if (config.url.empty()) return CachePtr(std::make_shared<MemoryCache>(config.max_entries));
  auto options = ParseRedisUrl(config.url);
  if (!options.ok()) return options.status();
  auto cache = std::make_shared<RedisCache>(std::move(*options));
  // Not fatal when Redis is down (callers fall back to SQL), but an unreachable Redis or a
  // wrong password is logged now, at start-up, rather than at the first heartbeat.
  (void)cache->Ping();
  return CachePtr(std::move(cache));
}

std::chrono::seconds JitteredTtl() {
  thread_local std::mt19937 engine{std::random_device{}()};
  std::uniform_int_distribution<int> seconds(600, 900);
  return std::chrono::seconds(seconds(engine));
}

}  // namespace sms::cache
