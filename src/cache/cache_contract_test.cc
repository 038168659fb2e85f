// The contract every Cache implementation keeps, run against each of them.
// To add an implementation, write a traits struct like MemoryCacheTraits and list it in
// CacheImplementations. Keys are unique per test, so a shared server works.
// The Redis cases run against the server SMS_REDIS_URL names, and skip when it is unset.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "cache/cache.h"
#include "cache/memory_cache.h"
#include "cache/redis_cache.h"
#include "cache/redis_test_support.h"
#include "core/clock.h"

namespace sms::cache {
namespace {

using namespace std::chrono_literals;

constexpr Millis kStart = 1'800'000'000'000;  // 2027-01-15, any fixed instant will do

struct MemoryCacheTraits {
  static constexpr bool kTakesClock = true;          // expiry follows the injected clock
  static constexpr bool kEvictsAtMaxEntries = true;  // max_entries bounds it, LRU first out
  static std::string SkipReason() { return {}; }
  static CachePtr Make(size_t max_entries, ClockPtr clock) {
    return std::make_shared<MemoryCache>(max_entries, std::move(clock));
  }
};

// Redis keeps time itself: the TTL tests read the remaining TTL with a raw connection.
struct RedisCacheTraits {
  static constexpr bool kTakesClock = false;
  static constexpr bool kEvictsAtMaxEntries = false;  // Redis evicts by memory, if at all
  static std::string SkipReason() { return testing::RedisUrlFromEnv() ? "" : testing::kNoRedisUrl; }
  static RedisOptions Options() {
    auto options = ParseRedisUrl(testing::RedisUrlFromEnv().value_or(""));
    EXPECT_TRUE(options.ok()) << "SMS_REDIS_URL: " << options.status().ToString();
    return options.ok() ? *options : RedisOptions{};
  }
  static CachePtr Make(size_t /*max_entries*/, ClockPtr /*clock*/) {
    return std::make_shared<RedisCache>(Options());
  }
  // Seconds left before `key` expires, as the server reports it (TTL).
  static long long RemainingTtl(const std::string& key) {
    testing::RawRedis raw(Options());
    return raw.Ttl(key);
  }
};

template <typename Traits>
class CacheContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = Traits::SkipReason(); !why.empty()) GTEST_SKIP() << why;
    cache_ = Traits::Make(1000, clock_);
  }

  // A key no other test (or earlier run against a shared server) uses.
  std::string Key(const std::string& name) const { return prefix_ + name; }

  std::optional<std::string> Get(const std::string& name) {
    auto got = cache_->Get(Key(name));
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    return got.ok() ? *got : std::nullopt;
  }

  void Set(const std::string& name, const std::string& value, std::chrono::seconds ttl = 600s) {
    Status s = cache_->Set(Key(name), value, ttl);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }

  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(kStart);
  CachePtr cache_;
  const std::string prefix_ =
      "test:" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count()) + ":" +
      ::testing::UnitTest::GetInstance()->current_test_info()->name() + ":";
};

// Names the cases after the backend: CacheContractTest/Memory.…, CacheContractTest/Redis.…
struct ImplementationName {
  template <typename Traits>
  static std::string GetName(int) {
    return std::is_same_v<Traits, MemoryCacheTraits> ? "Memory" : "Redis";
  }
};

using CacheImplementations = ::testing::Types<MemoryCacheTraits, RedisCacheTraits>;
TYPED_TEST_SUITE(CacheContractTest, CacheImplementations, ImplementationName);

TYPED_TEST(CacheContractTest, PingAnswersWhileTheBackendIsUp) {
  Status ping = this->cache_->Ping();
  EXPECT_TRUE(ping.ok()) << ping.ToString();
}

TYPED_TEST(CacheContractTest, AMissIsNotAnError) { EXPECT_EQ(this->Get("absent"), std::nullopt); }

TYPED_TEST(CacheContractTest, GetReturnsWhatSetStored) {
  this->Set("web-01", R"({"server_id":"web-01","status":"on"})");
  this->Set("web-02", "");
  EXPECT_EQ(this->Get("web-01"), R"({"server_id":"web-01","status":"on"})");
  EXPECT_EQ(this->Get("web-02"), "");
}

TYPED_TEST(CacheContractTest, GetManyAnswersEveryKeyInItsOrder) {
  this->Set("a", "1");
  this->Set("c", std::string("3\0", 2));
  std::vector<std::string> keys{this->Key("a"), this->Key("b"), this->Key("c"), this->Key("a")};
  auto values = this->cache_->GetMany(keys);
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ(*values, (std::vector<std::optional<std::string>>{"1", std::nullopt,
                                                              std::string("3\0", 2), "1"}));
  auto none = this->cache_->GetMany({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // More keys than one command of a backend that splits them (RedisCache: 1 000 a command).
  keys.clear();
  for (int i = 0; i < 2'500; ++i) {
    if (i % 3 == 0) this->Set("many-" + std::to_string(i), std::to_string(i));
    keys.push_back(this->Key("many-" + std::to_string(i)));
  }
  values = this->cache_->GetMany(keys);
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  ASSERT_EQ(values->size(), keys.size());
  for (int i = 0; i < 2'500; ++i) {
    EXPECT_EQ((*values)[i],
              i % 3 == 0 ? std::optional<std::string>(std::to_string(i)) : std::nullopt)
        << i;
  }
}

TYPED_TEST(CacheContractTest, ValuesAreBinarySafe) {
  const std::string value("a\0b\xff", 4);
  const std::string large(64 * 1024, 'x');
  this->Set("binary", value);
  this->Set("large", large);
  EXPECT_EQ(this->Get("binary"), value);
  EXPECT_EQ(this->Get("large"), large);
}

TYPED_TEST(CacheContractTest, DeleteRemovesTheEntryAndIgnoresAbsentKeys) {
  this->Set("web-01", "v");
  EXPECT_TRUE(this->cache_->Delete(this->Key("web-01")).ok());
  EXPECT_EQ(this->Get("web-01"), std::nullopt);
  EXPECT_TRUE(this->cache_->Delete(this->Key("never-set")).ok());
}

TYPED_TEST(CacheContractTest, SetOverwritesTheValue) {
  this->Set("web-01", "old");
  this->Set("web-01", "new");
  EXPECT_EQ(this->Get("web-01"), "new");
}

TYPED_TEST(CacheContractTest, RejectsANonPositiveTtl) {
  EXPECT_EQ(this->cache_->Set(this->Key("k"), "v", 0s).code(), Code::kInvalidArgument);
  EXPECT_EQ(this->cache_->Set(this->Key("k"), "v", -5s).code(), Code::kInvalidArgument);
  EXPECT_EQ(this->Get("k"), std::nullopt);
}

TYPED_TEST(CacheContractTest, EntriesExpireAfterTheirTtl) {
  if constexpr (!TypeParam::kTakesClock) {
    // The backend's own clock: the TTL it holds, and one real expiry of a 1 s entry.
    this->Set("short", "s", 1s);
    this->Set("long", "l", 900s);
    const long long left = TypeParam::RemainingTtl(this->Key("long"));
    EXPECT_GE(left, 899);
    EXPECT_LE(left, 900);
    const auto set_at = std::chrono::steady_clock::now();
    EXPECT_EQ(this->Get("short"), "s");
    while (this->Get("short").has_value() && std::chrono::steady_clock::now() - set_at < 3s) {
      std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(this->Get("short"), std::nullopt);
    EXPECT_GE(std::chrono::steady_clock::now() - set_at, 900ms);
    EXPECT_EQ(this->Get("long"), "l");
  } else {
    this->Set("short", "s", 60s);
    this->Set("long", "l", 900s);
    this->clock_->Advance(59'999);
    EXPECT_EQ(this->Get("short"), "s");
    this->clock_->Advance(1);
    EXPECT_EQ(this->Get("short"), std::nullopt);
    EXPECT_EQ(this->Get("long"), "l");
    this->clock_->Advance(840'000);
    EXPECT_EQ(this->Get("long"), std::nullopt);
  }
}

TYPED_TEST(CacheContractTest, OverwritingRestartsTheTtl) {
  if constexpr (!TypeParam::kTakesClock) {
    // An overwrite replaces the TTL whether the new one is longer or shorter.
    this->Set("k", "first", 600s);
    this->Set("k", "second", 900s);
    EXPECT_GE(TypeParam::RemainingTtl(this->Key("k")), 899);
    this->Set("k", "third", 60s);
    const long long left = TypeParam::RemainingTtl(this->Key("k"));
    EXPECT_GE(left, 59);
    EXPECT_LE(left, 60);
    EXPECT_EQ(this->Get("k"), "third");
  } else {
    this->Set("k", "first", 60s);
    this->clock_->Advance(50'000);
    this->Set("k", "second", 60s);
    this->clock_->Advance(50'000);  // 100 s after the first Set, 50 s after the second
    EXPECT_EQ(this->Get("k"), "second");
    this->clock_->Advance(10'000);
    EXPECT_EQ(this->Get("k"), std::nullopt);
  }
}

TYPED_TEST(CacheContractTest, EvictsTheLeastRecentlyUsedAtMaxEntries) {
  if constexpr (!TypeParam::kEvictsAtMaxEntries) {
    GTEST_SKIP() << "this cache is bounded by memory, not by an entry count";
  } else {
    this->cache_ = TypeParam::Make(3, this->clock_);
    this->Set("a", "1");
    this->Set("b", "2");
    this->Set("c", "3");
    EXPECT_EQ(this->Get("a"), "1");  // now "b" is the least recently used
    this->Set("d", "4");
    EXPECT_EQ(this->Get("b"), std::nullopt);
    EXPECT_EQ(this->Get("a"), "1");
    EXPECT_EQ(this->Get("c"), "3");
    EXPECT_EQ(this->Get("d"), "4");
    this->Set("c", "33");  // an overwrite takes no extra room
    EXPECT_EQ(this->Get("a"), "1");
    EXPECT_EQ(this->Get("d"), "4");
  }
}

TYPED_TEST(CacheContractTest, ConcurrentThreadsEachSeeTheirOwnWrites) {
  constexpr int kThreads = 8;
  constexpr int kKeys = 500;
  this->cache_ = TypeParam::Make(100'000, this->clock_);  // room for every key: no eviction
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < kKeys; ++i) {
          const std::string key = this->Key(std::to_string(t) + "/" + std::to_string(i));
          const std::string value = std::to_string(t * 1'000'000 + round * 1000 + i);
          if (!this->cache_->Set(key, value, 600s).ok()) ++wrong;
          auto got = this->cache_->Get(key);
          if (!got.ok() || *got != value) ++wrong;
          // Every thread also writes and reads one shared key; any whole value is fine.
          if (!this->cache_->Set(this->Key("shared"), value, 600s).ok()) ++wrong;
          auto shared = this->cache_->Get(this->Key("shared"));
          if (!shared.ok() || !shared->has_value() || shared->value().empty()) ++wrong;
          if (i % 2 == 1 && !this->cache_->Delete(key).ok()) ++wrong;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kKeys; ++i) {
      const std::string name = std::to_string(t) + "/" + std::to_string(i);
      const auto expected =
          i % 2 == 1 ? std::nullopt : std::optional(std::to_string(t * 1'000'000 + 2000 + i));
      ASSERT_EQ(this->Get(name), expected) << name;
    }
  }
}

TEST(JitteredTtlTest, StaysWithinTenToFifteenMinutesAndSpreads) {
  std::set<int64_t> distinct;
  int64_t sum = 0;
  constexpr int kSamples = 20'000;
  for (int i = 0; i < kSamples; ++i) {
    const int64_t ttl = JitteredTtl().count();
    ASSERT_GE(ttl, 600);
    ASSERT_LE(ttl, 900);
    distinct.insert(ttl);
    sum += ttl;
  }
  EXPECT_LE(*distinct.begin(), 605);
  EXPECT_GE(*distinct.rbegin(), 895);
  EXPECT_GE(distinct.size(), 280u);  // nearly all of the 301 values
  EXPECT_NEAR(static_cast<double>(sum) / kSamples, 750.0, 5.0);
}

}  // namespace
}  // namespace sms::cache
