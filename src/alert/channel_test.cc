// Channels and rules as the API takes them: each bad input names its field; secrets never
// come back; the address guard.

#include "alert/channel.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "alert/payload.h"
#include "alert/webhook.h"
#include "core/json_input.h"

namespace sms::alert {
namespace {

namespace json = boost::json;

Status Channel(const std::string& body, bool allow_private = true) {
  store::ChannelRecord c;
  return ApplyChannel(*ParseObject(body), true, allow_private, c);
}

Status Rule(const std::string& body) {
  store::RuleRecord r;
  return ApplyRule(*ParseObject(body), true, r);
}

TEST(ChannelInput, BadInputNamesTheField) {
  EXPECT_EQ(Channel(R"({"name":"x","type":"pager","url":"http://127.0.0.1/"})").field(), "type");
  EXPECT_EQ(Channel(R"({"name":"x","type":"webhook","url":"ftp://host/"})").field(), "url");
  EXPECT_EQ(Channel(R"({"name":"x","type":"webhook","url":"file:///etc/passwd"})").field(), "url");
  EXPECT_EQ(Channel(R"({"name":"x","type":"webhook"})").field(), "url");
  EXPECT_EQ(Channel(R"({"type":"webhook","url":"http://127.0.0.1/"})").field(), "name");
  EXPECT_EQ(Channel(R"({"name":"x","type":"email","emails":[]})").field(), "emails");
  EXPECT_EQ(Channel(R"({"name":"x","type":"email","emails":["not an address"]})").field(),
            "emails");
  EXPECT_EQ(Channel(R"({"name":"x","type":"telegram","url":"http://127.0.0.1/"})").field(),
            "chat_id");
  EXPECT_EQ(Channel(R"({"name":"x","type":"webhook","url":"http://127.0.0.1/","color":1})").field(),
            "color");
  EXPECT_TRUE(Channel(R"({"name":"x","type":"webhook","url":"http://127.0.0.1:9/h"})").ok());
}

TEST(ChannelInput, PrivateTargetsAreRefusedUnlessAllowed) {
  for (const char* url : {"http://127.0.0.1/", "http://10.1.2.3/", "http://169.254.169.254/",
                          "http://192.168.0.1/", "http://[::1]/", "http://localhost/"}) {
    Status s = Channel(std::string(R"({"name":"x","type":"webhook","url":")") + url + "\"}", false);
    EXPECT_EQ(s.field(), "url") << url;
  }
  EXPECT_TRUE(PrivateAddress("172.16.0.1"));
  EXPECT_TRUE(PrivateAddress("fd00::1"));
  EXPECT_TRUE(PrivateAddress("::ffff:127.0.0.1"));
  EXPECT_TRUE(PrivateAddress("fe80::1"));
  EXPECT_FALSE(PrivateAddress("93.184.216.34"));
  EXPECT_FALSE(PrivateAddress("2606:4700::1111"));
  EXPECT_EQ(ResolveAllowed("http://127.0.0.1:8080/x", false).status().code(),
            Code::kPermissionDenied);
  EXPECT_EQ(*ResolveAllowed("http://127.0.0.1:8080/x", true), "127.0.0.1");
}

TEST(ChannelInput, SecretsAndChatUrlsAreNotShown) {
  store::ChannelRecord c;
  ASSERT_TRUE(
      ApplyChannel(
          *ParseObject(
              R"({"name":"x","type":"webhook","url":"http://127.0.0.1/h","secret":"s3cr3t"})"),
          true, true, c)
          .ok());
  std::string shown = json::serialize(ChannelJson(c));
  EXPECT_EQ(shown.find("s3cr3t"), std::string::npos) << shown;
  EXPECT_NE(shown.find("\"secret_set\":true"), std::string::npos) << shown;
  store::ChannelRecord slack;
  ASSERT_TRUE(ApplyChannel(
                  *ParseObject(
                      R"({"name":"s","type":"slack","url":"http://127.0.0.1/services/T0/B0/XYZ"})"),
                  true, true, slack)
                  .ok());
  shown = json::serialize(ChannelJson(slack));
  EXPECT_EQ(shown.find("XYZ"), std::string::npos) << shown;
}

TEST(RuleInput, BadInputNamesTheField) {
  EXPECT_EQ(Rule(R"({"name":"r"})").field(), "channels");
  EXPECT_EQ(Rule(R"({"name":"r","channels":[]})").field(), "channels");
  EXPECT_EQ(Rule(R"({"channels":["c"]})").field(), "name");
  EXPECT_EQ(Rule(R"({"name":"r","channels":["c"],"events":[]})").field(), "events");
  EXPECT_EQ(Rule(R"({"name":"r","channels":["c"],"events":["boom"]})").field(), "events");
  EXPECT_EQ(Rule(R"({"name":"r","channels":["c"],"after_seconds":-1})").field(), "after_seconds");
  EXPECT_EQ(Rule(R"({"name":"r","channels":["c"],"servers":{"rack":1}})").field(), "servers.rack");
  store::RuleRecord r;
  ASSERT_TRUE(
      ApplyRule(*ParseObject(R"({"name":"r","channels":["c"],"servers":{"tags":["db"]}})"), true, r)
          .ok());
  EXPECT_EQ(r.events, std::vector<std::string>({"off", "on"}));
  EXPECT_EQ(r.tags, std::vector<std::string>({"db"}));
}

TEST(Payload, SignatureIsHmacSha256OfTheBody) {
  // RFC 4231 test case 2.
  EXPECT_EQ(Signature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Payload, ChatFormatsCarryTheSummary) {
  std::string body = EventBody("off", "alr-1", 0, ServerJson("web-01", "Web 1", "10.0.0.5", {}), 0);
  auto slack = json::parse(Render("slack", body, "")).as_object();
  EXPECT_NE(std::string(slack["text"].as_string()).find("Web 1"), std::string::npos);
  auto tg = json::parse(Render("telegram", body, "-100")).as_object();
  EXPECT_EQ(tg["chat_id"].as_string(), "-100");
  EXPECT_EQ(Render("webhook", body, ""), body);
}

}  // namespace
}  // namespace sms::alert
