#include "http/proxies.h"

#include <gtest/gtest.h>

namespace sms::http {
namespace {

TEST(TrustedProxiesTest, TrustedPeersNameTheClientOthersCannot) {
  auto proxies = TrustedProxies::Parse("10.0.0.0/8, 192.168.1.7,fd00::/8");
  ASSERT_TRUE(proxies.ok()) << proxies.status().ToString();
  // Through one trusted gateway.
  EXPECT_EQ(proxies->ClientAddress("10.0.0.2", "203.0.113.9"), "203.0.113.9");
  // Through two; the client had put a lie first.
  EXPECT_EQ(proxies->ClientAddress("10.0.0.2", "1.1.1.1, 203.0.113.9, 192.168.1.7"),
            "203.0.113.9");
  // A peer that is not a proxy cannot choose its address.
  EXPECT_EQ(proxies->ClientAddress("203.0.113.9", "1.1.1.1"), "203.0.113.9");
  EXPECT_EQ(proxies->ClientAddress("10.0.0.2", ""), "10.0.0.2");
  EXPECT_EQ(proxies->ClientAddress("::ffff:10.1.2.3", "198.51.100.1"), "198.51.100.1");
  EXPECT_EQ(proxies->ClientAddress("fd00::1", "2001:db8::5"), "2001:db8::5");
  // Garbage ends the walk at the last sound address.
  EXPECT_EQ(proxies->ClientAddress("10.0.0.2", "not-an-ip, 10.0.0.3"), "10.0.0.3");
  EXPECT_EQ(TrustedProxies().ClientAddress("10.0.0.2", "1.1.1.1"), "10.0.0.2");
}

TEST(TrustedProxiesTest, BadItemsAreNamed) {
  for (const char* bad : {"10.0.0.0/33", "banana", "10.0.0.1/8/2", "fd00::/129"}) {
    auto p = TrustedProxies::Parse(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.status().field(), "trusted_proxies");
  }
  auto none = TrustedProxies::Parse("");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace sms::http
