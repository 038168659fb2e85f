#include "url.h"

#include <gtest/gtest.h>

namespace sms::agent {
namespace {

HttpUrl MustParse(std::string_view text) {
  Result<HttpUrl> r = ParseHttpUrl(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().message();
  return r.ok() ? r.value() : HttpUrl{};
}

TEST(ParseHttpUrlTest, HostPortAndPath) {
  HttpUrl u = MustParse("http://127.0.0.1:8080/healthcheck");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 8080);
  EXPECT_EQ(u.target, "/healthcheck");
  EXPECT_EQ(u.HostHeader(), "127.0.0.1:8080");
  EXPECT_EQ(u.ToString(), "http://127.0.0.1:8080/healthcheck");
}

TEST(ParseHttpUrlTest, DefaultsToPort80AndRootPath) {
  HttpUrl u = MustParse("http://sms.example.com");
  EXPECT_EQ(u.host, "sms.example.com");
  EXPECT_EQ(u.port, 80);
  EXPECT_EQ(u.target, "/");
  EXPECT_EQ(u.HostHeader(), "sms.example.com");
}

TEST(ParseHttpUrlTest, KeepsQueryDropsFragment) {
  EXPECT_EQ(MustParse("http://h/a/b?x=1&y=2#frag").target, "/a/b?x=1&y=2");
  EXPECT_EQ(MustParse("http://h?x=1").target, "/?x=1");
  EXPECT_EQ(MustParse("http://h:81#top").target, "/");
}

TEST(ParseHttpUrlTest, SchemeIsCaseInsensitive) {
  EXPECT_EQ(MustParse("HTTP://Gateway:8000/healthcheck").host, "Gateway");
}

TEST(ParseHttpUrlTest, Ipv6LiteralInBrackets) {
  HttpUrl u = MustParse("http://[::1]:9000/hc");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 9000);
  EXPECT_EQ(u.HostHeader(), "[::1]:9000");
  EXPECT_EQ(MustParse("http://[fe80::1]/").HostHeader(), "[fe80::1]");
}

TEST(ParseHttpUrlTest, RejectsHttpsWithAClearMessage) {
  Result<HttpUrl> r = ParseHttpUrl("https://sms.example.com/healthcheck");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("https:// is not supported"), std::string::npos);
  EXPECT_FALSE(ParseHttpUrl("HTTPS://x/").ok());
}

TEST(ParseHttpUrlTest, RejectsMalformedUrls) {
  for (const char* bad :
       {"", "127.0.0.1:8080/healthcheck", "ftp://h/", "http://", "http:///x", "http://:80/",
        "http://h:0/", "http://h:65536/", "http://h:99999999999/", "http://h:8a/", "http://h:/",
        "http://user:pw@h/", "http://[::1/", "http://[::1]x/"}) {
    Result<HttpUrl> r = ParseHttpUrl(bad);
    EXPECT_FALSE(r.ok()) << "accepted " << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().field(), "url");
    }
  }
}

TEST(ParseHttpUrlTest, AcceptsTheWholePortRange) {
  EXPECT_EQ(MustParse("http://h:1/").port, 1);
  EXPECT_EQ(MustParse("http://h:65535/").port, 65535);
}

}  // namespace
}  // namespace sms::agent
