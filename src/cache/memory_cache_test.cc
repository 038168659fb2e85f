// What MemoryCache promises beyond the Cache contract (see cache_contract_test.cc), and
// MakeCache (its Redis URLs: redis_cache_test.cc).

#include "cache/memory_cache.h"

#include <gtest/gtest.h>

#include <string>

#include "cache/cache_test_util.h"

namespace sms::cache {
namespace {

using namespace std::chrono_literals;
using testing::Lookup;

TEST(MemoryCacheTest, SmallCachesUseOneShardLargeOnesSeveral) {
  EXPECT_EQ(MemoryCache(MemoryCache::kMinShardedEntries - 1).shard_count(), 1u);
  EXPECT_EQ(MemoryCache(MemoryCache::kMinShardedEntries).shard_count(), MemoryCache::kShards);
}

TEST(MemoryCacheTest, AShardedCacheNeverHoldsMoreThanMaxEntries) {
  constexpr size_t kMax = 20'000;
  MemoryCache cache(kMax);
  ASSERT_GT(cache.shard_count(), 1u);
  for (size_t i = 0; i < 3 * kMax; ++i) {
    ASSERT_TRUE(cache.Set("server-" + std::to_string(i), "v", 600s).ok());
  }
  EXPECT_EQ(cache.Size(), kMax);  // every shard is full
  // The newest entries survive; the oldest ones were evicted.
  EXPECT_EQ(Lookup(cache, "server-" + std::to_string(3 * kMax - 1)), "v");
  EXPECT_EQ(Lookup(cache, "server-0"), "<none>");
}

TEST(MemoryCacheTest, ExpiredEntriesAreDroppedWhenMet) {
  auto clock = std::make_shared<ManualClock>(1'000'000);
  MemoryCache cache(10, clock);
  ASSERT_TRUE(cache.Set("a", "1", 10s).ok());
  ASSERT_TRUE(cache.Set("b", "2", 20s).ok());
  clock->Advance(15'000);
  EXPECT_EQ(cache.Size(), 2u);
  EXPECT_EQ(Lookup(cache, "a"), "<none>");
  EXPECT_EQ(cache.Size(), 1u);
  EXPECT_EQ(Lookup(cache, "b"), "2");
}

TEST(MemoryCacheTest, DeleteFreesRoom) {
  MemoryCache cache(2);
  ASSERT_TRUE(cache.Set("a", "1", 60s).ok());
  ASSERT_TRUE(cache.Set("b", "2", 60s).ok());
  ASSERT_TRUE(cache.Delete("a").ok());
  ASSERT_TRUE(cache.Set("c", "3", 60s).ok());
  EXPECT_EQ(Lookup(cache, "b"), "2");
  EXPECT_EQ(Lookup(cache, "c"), "3");
  EXPECT_EQ(cache.Size(), 2u);
}

TEST(MakeCacheTest, EmptyUrlGivesAMemoryCache) {
  auto cache = MakeCache(CacheConfig{});
  ASSERT_TRUE(cache.ok()) << cache.status().ToString();
  EXPECT_NE(dynamic_cast<MemoryCache*>(cache->get()), nullptr);
  ASSERT_TRUE((*cache)->Set("k", "v", 60s).ok());
  EXPECT_EQ(Lookup(**cache, "k"), "v");
}

TEST(MakeCacheTest, UrlsOfOtherBackendsAreRejected) {
  CacheConfig config;
  config.url = "memcached://cache:11211";
  auto cache = MakeCache(config);
  EXPECT_EQ(cache.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(cache.status().field(), "redis_url");
}

TEST(MakeCacheTest, ZeroMaxEntriesIsRejected) {
  CacheConfig config;
  config.max_entries = 0;
  EXPECT_EQ(MakeCache(config).status().field(), "cache_max_entries");
}

}  // namespace
}  // namespace sms::cache
