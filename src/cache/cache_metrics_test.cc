// What a cache adds to /metrics (RegisterProbes serves Metrics::Render), built as smsd builds
// it: MakeCache, then RegisterMetrics. Always: a Redis that refuses connections. With a server
// (SMS_REDIS_URL, from scripts/services; skipped without): one that answers.

#include <gtest/gtest.h>

#include <cstdlib>

#include "cache/cache.h"
#include "metrics/metrics.h"
#include "support/assert_ok.h"
#include "support/local_port.h"
#include "support/metrics_sample.h"

namespace sms::cache {
namespace {

using testing::Serves;

TEST(CacheMetricsTest, RedisFailuresAreServed) {
  testing::LocalPort refused;
  refused.Close();
  ASSERT_OK_AND_ASSIGN(CachePtr cache,
                       MakeCache({"redis://127.0.0.1:" + std::to_string(refused.port())}));
  metrics::Metrics registry;
  cache->RegisterMetrics(registry);
  EXPECT_FALSE(cache->Get("k").ok());
  EXPECT_FALSE(Serves(registry, "sms_cache_failures_total 0")) << registry.Render();
  EXPECT_NE(registry.Render().find("\nsms_cache_failures_total "), std::string::npos);
  EXPECT_TRUE(Serves(registry, "# TYPE sms_cache_failures_total counter"));
}

TEST(CacheMetricsTest, ARedisThatAnswersServesNoFailures) {
  const char* url = std::getenv("SMS_REDIS_URL");
  if (url == nullptr || *url == '\0') GTEST_SKIP() << "SMS_REDIS_URL not set";
  ASSERT_OK_AND_ASSIGN(CachePtr cache, MakeCache({url}));
  metrics::Metrics registry;
  cache->RegisterMetrics(registry);
  ASSERT_TRUE(cache->Ping().ok());
  EXPECT_TRUE(Serves(registry, "sms_cache_failures_total 0")) << registry.Render();
}

TEST(CacheMetricsTest, TheInProcessCacheServesNothing) {
  ASSERT_OK_AND_ASSIGN(CachePtr cache, MakeCache({}));
  metrics::Metrics registry;
  cache->RegisterMetrics(registry);
  EXPECT_EQ(registry.Render(), "");
}

}  // namespace
}  // namespace sms::cache
