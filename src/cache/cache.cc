#include "cache/cache.h"

#include <random>

#include "cache/memory_cache.h"

namespace sms::cache {

Result<CachePtr> MakeCache(const CacheConfig& config) {
  if (config.max_entries == 0) {
    return Status::InvalidArgument("cache max entries must be positive", "cache_max_entries");
  }
  if (!config.url.empty()) {
    return Status::InvalidArgument(
        "unsupported cache url \"" + config.url + "\": this build has only the in-process cache",
        "redis_url");
  }
  return CachePtr(std::make_shared<MemoryCache>(config.max_entries));
}

std::chrono::seconds JitteredTtl() {
  thread_local std::mt19937 engine{std::random_device{}()};
  std::uniform_int_distribution<int> seconds(600, 900);
  return std::chrono::seconds(seconds(engine));
}

}  // namespace sms::cache
