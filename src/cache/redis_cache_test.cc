// What RedisCache promises beyond the Cache contract (see cache_contract_test.cc): URL
// parsing, keys and TTLs as Redis holds them, AUTH and SELECT, the connection pool, and
// behaviour through outages, against redis-server processes the tests start and kill.
// Tests on the shared server skip without SMS_REDIS_URL; tests with their own server skip
// without redis-server in PATH (and fail then if SMS_REDIS_URL is set).

#include "cache/redis_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "cache/cache_test_util.h"
#include "cache/redis_test_support.h"
#include "support/log_capture.h"

namespace sms::cache {
namespace {

using namespace std::chrono_literals;
using testing::RawRedis;
using testing::RedisServerProcess;

constexpr Millis kStart = 1'800'000'000'000;

using sms::testing::LogCapture;

std::string UniqueKey(const std::string& name) {
  return "sms:server:test-" +
         std::to_string(std::chrono::system_clock::now().time_since_epoch().count()) + "-" + name;
}

// How long one call took.
template <typename F>
std::chrono::milliseconds Timed(F&& call) {
  const auto start = std::chrono::steady_clock::now();
  call();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

// ---- URLs ----------------------------------------------------------------------------------

TEST(ParseRedisUrlTest, HostPortAndDatabase) {
  auto o = ParseRedisUrl("redis://cache.internal:6380/3");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->host, "cache.internal");
  EXPECT_EQ(o->port, 6380);
  EXPECT_EQ(o->db, 3);
  EXPECT_EQ(o->user, "");
  EXPECT_EQ(o->password, "");
}

TEST(ParseRedisUrlTest, DefaultsToPort6379AndDatabase0) {
  for (const char* url : {"redis://cache", "redis://cache/", "REDIS://cache"}) {
    auto o = ParseRedisUrl(url);
    ASSERT_TRUE(o.ok()) << url << ": " << o.status().ToString();
    EXPECT_EQ(o->port, 6379) << url;
    EXPECT_EQ(o->db, 0) << url;
  }
}

TEST(ParseRedisUrlTest, PasswordAloneOrUserAndPasswordPercentDecoded) {
  auto alone = ParseRedisUrl("redis://:p%40ss%3Aword@cache:6379/0");
  ASSERT_TRUE(alone.ok()) << alone.status().ToString();
  EXPECT_EQ(alone->user, "");
  EXPECT_EQ(alone->password, "p@ss:word");
  auto both = ParseRedisUrl("redis://sms:s3cret@cache:6379/1");
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  EXPECT_EQ(both->user, "sms");
  EXPECT_EQ(both->password, "s3cret");
  EXPECT_EQ(both->db, 1);
}

TEST(ParseRedisUrlTest, Ipv6Host) {
  auto o = ParseRedisUrl("redis://[::1]:7000");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->host, "::1");
  EXPECT_EQ(o->port, 7000);
  EXPECT_EQ(DescribeRedis(*o), "redis://[::1]:7000/0");
}

TEST(ParseRedisUrlTest, RejectsWhatItCannotUseWithoutRepeatingTheUrl) {
  for (const char* url :
       {"", "not a url", "http://u:topsecret@cache:6379", "rediss://:topsecret@cache:6379",
        "redis://:topsecret@", "redis://:topsecret@cache:0", "redis://:topsecret@cache:70000",
        "redis://:topsecret@cache/db", "redis://:topsecret@cache/1/2",
        "redis://:topsecret@cache/-1", "redis://topsecret@cache", "redis://u:@cache",
        "redis://:topsecret@cache?db=1"}) {
    auto o = ParseRedisUrl(url);
    ASSERT_FALSE(o.ok()) << url;
    EXPECT_EQ(o.status().code(), Code::kInvalidArgument) << url;
    EXPECT_EQ(o.status().field(), "redis_url") << url;
    EXPECT_EQ(o.status().message().find("topsecret"), std::string::npos) << o.status().message();
  }
}

TEST(ParseRedisUrlTest, DescribeRedisMasksThePassword) {
  auto o = ParseRedisUrl("redis://sms:topsecret@cache:6379/2");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(DescribeRedis(*o), "redis://sms:***@cache:6379/2");
  o = ParseRedisUrl("redis://:topsecret@cache");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(DescribeRedis(*o), "redis://:***@cache:6379/0");
}

TEST(MakeRedisCacheTest, ARedisUrlGivesARedisCacheThatFailsFastWhileRedisIsDown) {
  RedisServerProcess never_started;  // only for a free port nobody listens on
  LogCapture logs;
  auto cache = MakeCache({"redis://:topsecret@127.0.0.1:" + std::to_string(never_started.port())});
  ASSERT_TRUE(cache.ok()) << cache.status().ToString();  // Redis being down is not fatal
  auto* redis = dynamic_cast<RedisCache*>(cache->get());
  ASSERT_NE(redis, nullptr);
  EXPECT_EQ(logs.Count("redis unavailable"), 1);  // MakeCache tried it once, at start-up
  std::chrono::milliseconds slowest{0};
  for (int i = 0; i < 10; ++i) {
    slowest = std::max(slowest, Timed([&] {
                         EXPECT_EQ((*cache)->Get("sms:server:web-01").status().code(),
                                   Code::kUnavailable);
                       }));
  }
  EXPECT_LT(slowest, 200ms);
  EXPECT_FALSE(redis->available());
  EXPECT_EQ(redis->failures(), 11u);
  EXPECT_EQ((*cache)->Ping().code(), Code::kUnavailable);  // what /readyz reports
  EXPECT_EQ(logs.Count("redis unavailable"), 1);
  for (const std::string& line : logs.Lines()) {
    EXPECT_EQ(line.find("topsecret"), std::string::npos) << line;
  }
}

TEST(MakeRedisCacheTest, ABadUrlIsRejectedWithoutShowingThePassword) {
  auto cache = MakeCache({"redis://:topsecret@cache:port"});
  EXPECT_EQ(cache.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(cache.status().field(), "redis_url");
  EXPECT_EQ(cache.status().ToString().find("topsecret"), std::string::npos);
}

// ---- the shared server (SMS_REDIS_URL) -----------------------------------------------------

class RedisSharedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto url = testing::RedisUrlFromEnv();
    if (!url) GTEST_SKIP() << testing::kNoRedisUrl;
    auto options = ParseRedisUrl(*url);
    ASSERT_TRUE(options.ok()) << "SMS_REDIS_URL: " << options.status().ToString();
    options_ = *options;
  }

  RedisOptions options_;
};

TEST_F(RedisSharedTest, KeysAreStoredAsGivenWithTheTtlOfEachSet) {
  RedisCache cache(options_);
  RawRedis raw(options_);
  ASSERT_TRUE(raw.connected());
  const std::string key = UniqueKey("web-01");
  ASSERT_TRUE(cache.Set(key, R"({"status":"on"})", 700s).ok());
  EXPECT_EQ(raw.Get(key), R"({"status":"on"})");
  EXPECT_GE(raw.Ttl(key), 699);
  EXPECT_LE(raw.Ttl(key), 700);
  ASSERT_TRUE(cache.Set(key, "v2", 600s).ok());
  EXPECT_LE(raw.Ttl(key), 600);
  ASSERT_TRUE(cache.Delete(key).ok());
  EXPECT_EQ(raw.Ttl(key), -2);  // gone
  EXPECT_EQ(cache.failures(), 0u);
}

TEST_F(RedisSharedTest, WhatOthersWroteIsReadBack) {
  RedisCache cache(options_);
  RawRedis raw(options_);
  const std::string key = UniqueKey("web-02");
  raw.Command({"SET", key, "written elsewhere", "EX", "60"});
  EXPECT_EQ(testing::Lookup(cache, key), "written elsewhere");
}

TEST_F(RedisSharedTest, AKeyHoldingAnotherTypeIsAnInternalErrorUntilSetReplacesIt) {
  RedisCache cache(options_);
  RawRedis raw(options_);
  const std::string key = UniqueKey("list");
  raw.Command({"RPUSH", key, "x"});
  raw.Command({"EXPIRE", key, "60"});
  EXPECT_EQ(cache.Get(key).status().code(), Code::kInternal);
  EXPECT_EQ(cache.failures(), 1u);
  EXPECT_TRUE(cache.available());  // Redis answered: no outage
  // MGET answers it as a miss, as the Cache contract says of GetMany.
  auto many = cache.GetMany({key});
  ASSERT_TRUE(many.ok()) << many.status().ToString();
  EXPECT_EQ(*many, std::vector<std::optional<std::string>>{std::nullopt});
  ASSERT_TRUE(cache.Set(key, "v", 60s).ok());
  EXPECT_EQ(testing::Lookup(cache, key), "v");
}

TEST_F(RedisSharedTest, MoreThreadsThanConnectionsShareThePool) {
  options_.pool_size = 2;
  RedisCache cache(options_);
  const std::string prefix = UniqueKey("pool");
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string key = prefix + "/" + std::to_string(t) + "/" + std::to_string(i);
        if (!cache.Set(key, key, 60s).ok()) ++wrong;
        auto got = cache.Get(key);
        if (!got.ok() || *got != key) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(cache.failures(), 0u);
}

// ---- servers of the test's own -------------------------------------------------------------

class RedisServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (RedisServerProcess::Installed()) return;
    if (testing::RedisUrlFromEnv()) FAIL() << "redis-server is not in PATH";
    GTEST_SKIP() << "redis-server is not in PATH, and " << testing::kNoRedisUrl;
  }

  RedisOptions OptionsFor(const RedisServerProcess& server) {
    RedisOptions options;
    options.port = server.port();
    options.clock = clock_;
    return options;
  }

  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(kStart);
};

TEST_F(RedisServerTest, AnOutageFailsFastIsLoggedOnceAndHealsByItself) {
  RedisServerProcess server;
  ASSERT_TRUE(server.Start());
  RedisCache cache(OptionsFor(server));
  LogCapture logs;
  ASSERT_TRUE(cache.Set("sms:server:web-01", "v", 600s).ok());
  ASSERT_EQ(testing::Lookup(cache, "sms:server:web-01"), "v");

  server.Kill();
  uint64_t failed = 0;
  std::chrono::milliseconds slowest{0};
  for (int i = 0; i < 20; ++i, ++failed) {
    slowest =
        std::max(slowest, Timed([&] {
                   EXPECT_EQ(cache.Get("sms:server:web-01").status().code(), Code::kUnavailable);
                 }));
  }
  EXPECT_EQ(cache.GetMany({"sms:server:web-01", "sms:server:web-02"}).status().code(),
            Code::kUnavailable);
  ++failed;
  std::vector<std::thread> threads;
  std::atomic<int> unavailable{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (cache.Set("sms:server:web-01", "v", 600s).code() == Code::kUnavailable) ++unavailable;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  failed += 100;
  EXPECT_EQ(unavailable.load(), 100);
  EXPECT_LT(slowest, 200ms);
  EXPECT_FALSE(cache.available());
  EXPECT_EQ(cache.failures(), failed);
  EXPECT_EQ(cache.outages(), 1u);
  EXPECT_EQ(logs.Count("redis unavailable"), 1);
  clock_->Advance(500);  // a retry is due, and fails: still the same outage
  EXPECT_EQ(cache.Get("sms:server:web-01").status().code(), Code::kUnavailable);
  ++failed;
  EXPECT_EQ(cache.outages(), 1u);
  EXPECT_EQ(logs.Count("redis unavailable"), 1);

  // Back on the same port; the cache tries again only once its retry interval has passed.
  ASSERT_TRUE(server.Start());
  clock_->Advance(499);
  EXPECT_EQ(cache.Delete("sms:server:web-01").code(), Code::kUnavailable);
  ++failed;
  EXPECT_EQ(logs.Count("redis reachable again"), 0);
  clock_->Advance(1);
  auto got = cache.Get("sms:server:web-01");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, std::nullopt);  // a fresh server without persistence
  ASSERT_TRUE(cache.Set("sms:server:web-01", "again", 600s).ok());
  EXPECT_EQ(testing::Lookup(cache, "sms:server:web-01"), "again");
  EXPECT_TRUE(cache.available());
  EXPECT_EQ(logs.Count("redis reachable again"), 1);
  EXPECT_EQ(cache.failures(), failed);

  // A second outage is a second log line.
  server.Kill();
  EXPECT_EQ(cache.Get("sms:server:web-01").status().code(), Code::kUnavailable);
  EXPECT_EQ(cache.outages(), 2u);
  EXPECT_EQ(logs.Count("redis unavailable"), 2);
}

TEST_F(RedisServerTest, WritingToAVanishedRedisDoesNotKillTheProcess) {
  // The test binary does not ignore SIGPIPE, as smsd does: the cache must not depend on it.
  RedisServerProcess server;
  ASSERT_TRUE(server.Start());
  RedisCache cache(OptionsFor(server));
  LogCapture logs;
  ASSERT_TRUE(cache.Ping().ok());
  server.Kill();
  // Larger than a socket buffer: the first write is answered by a reset, the next one fails.
  const std::string large(8 << 20, 'x');
  EXPECT_EQ(cache.Set("sms:server:web-01", large, 60s).code(), Code::kUnavailable);
  EXPECT_EQ(cache.outages(), 1u);
}

TEST_F(RedisServerTest, ARestartBetweenCallsGoesUnnoticed) {
  RedisServerProcess server;
  ASSERT_TRUE(server.Start());
  RedisCache cache(OptionsFor(server));
  LogCapture logs;
  auto hammer = [&] {  // four threads, so that several pooled connections are open
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 50; ++i) {
          const std::string key = "k" + std::to_string(t);
          if (!cache.Set(key, std::to_string(i), 60s).ok()) ++wrong;
          if (!cache.Get(key).ok()) ++wrong;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    return wrong.load();
  };
  ASSERT_EQ(hammer(), 0);
  server.Kill();
  ASSERT_TRUE(server.Start());
  // Every pooled connection is now closed; each gets one fresh connection and succeeds.
  EXPECT_EQ(hammer(), 0);
  EXPECT_EQ(cache.failures(), 0u);
  EXPECT_EQ(cache.outages(), 0u);
  EXPECT_EQ(logs.Count("redis unavailable"), 0);
}

TEST_F(RedisServerTest, AHungRedisCostsOneCommandTimeout) {
  RedisServerProcess server;
  ASSERT_TRUE(server.Start());
  RedisCache cache(OptionsFor(server));
  LogCapture logs;
  ASSERT_TRUE(cache.Set("k", "v", 60s).ok());
  server.Pause();
  Status status;
  const auto first = Timed([&] { status = cache.Set("k", "w", 60s); });
  EXPECT_EQ(status.code(), Code::kUnavailable);
  EXPECT_NE(status.message().find("no reply within 250 ms"), std::string::npos) << status.message();
  EXPECT_GE(first, 240ms);
  EXPECT_LT(first, 600ms);
  const auto next = Timed([&] { status = cache.Set("k", "w", 60s); });
  EXPECT_EQ(status.code(), Code::kUnavailable);
  EXPECT_LT(next, 50ms);  // failing fast, not waiting on Redis again
  EXPECT_EQ(logs.Count("redis unavailable"), 1);

  server.Resume();
  clock_->Advance(500);
  auto got = cache.Get("k");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(got->has_value());  // "v", or "w" if Redis ran the write it was sent
  EXPECT_EQ(logs.Count("redis reachable again"), 1);
}

TEST_F(RedisServerTest, PasswordAndDatabaseComeFromTheUrl) {
  RedisServerProcess server({"--requirepass", "topsecret"});
  ASSERT_TRUE(server.Start());
  auto cache = MakeCache({"redis://:topsecret@127.0.0.1:" + std::to_string(server.port()) + "/3"});
  ASSERT_TRUE(cache.ok()) << cache.status().ToString();
  ASSERT_TRUE((*cache)->Set("sms:server:web-01", "v", 600s).ok());
  EXPECT_EQ(testing::Lookup(**cache, "sms:server:web-01"), "v");

  RedisOptions behind;
  behind.port = server.port();
  behind.password = "topsecret";
  behind.db = 3;
  EXPECT_EQ(RawRedis(behind).Get("sms:server:web-01"), "v");
  behind.db = 0;
  EXPECT_EQ(RawRedis(behind).Get("sms:server:web-01"), std::nullopt);
}

TEST_F(RedisServerTest, AnAclUserLogsIn) {
  RedisServerProcess server({"--user", "sms", "on", ">topsecret", "~sms:*", "+@all"});
  ASSERT_TRUE(server.Start());
  auto cache = MakeCache({"redis://sms:topsecret@127.0.0.1:" + std::to_string(server.port())});
  ASSERT_TRUE(cache.ok()) << cache.status().ToString();
  ASSERT_TRUE((*cache)->Set("sms:server:web-01", "v", 600s).ok());
  EXPECT_EQ(testing::Lookup(**cache, "sms:server:web-01"), "v");
}

TEST_F(RedisServerTest, AWrongPasswordIsUnavailableAndNeverShown) {
  RedisServerProcess server({"--requirepass", "right-one"});
  ASSERT_TRUE(server.Start());
  auto options = OptionsFor(server);
  options.password = "wrong-one";
  RedisCache cache(options);
  LogCapture logs;
  auto got = cache.Get("sms:server:web-01");
  EXPECT_EQ(got.status().code(), Code::kUnavailable);
  EXPECT_NE(got.status().message().find("AUTH refused"), std::string::npos)
      << got.status().message();
  EXPECT_EQ(got.status().message().find("wrong-one"), std::string::npos);
  ASSERT_EQ(logs.Count("redis unavailable: AUTH refused"), 1);
  for (const std::string& line : logs.Lines()) {
    EXPECT_EQ(line.find("wrong-one"), std::string::npos) << line;
  }
  EXPECT_EQ(logs.Count("redis://:***@127.0.0.1:"), 1);
}

}  // namespace
}  // namespace sms::cache
