#include "payload.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace sms::agent {
namespace {

namespace json = boost::json;

constexpr Millis kSentAt = 1'795'845'600'000;  // 2026-11-28T06:00:00Z

HeartbeatInfo Web01() { return {"web-01", "web-01.example", "10.0.0.5", 30, "1.2.3"}; }

json::object Parse(const std::string& text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  EXPECT_FALSE(ec) << ec.message() << " in " << text;
  return v.is_object() ? v.as_object() : json::object{};
}

TEST(BuildPayloadTest, HasTheContractFieldsAndNothingElse) {
  json::object o = Parse(BuildPayload(Web01(), kSentAt));
  EXPECT_EQ(o.size(), 6u);
  EXPECT_EQ(o.at("server_id"), "web-01");
  EXPECT_EQ(o.at("hostname"), "web-01.example");
  EXPECT_EQ(o.at("ipv4"), "10.0.0.5");
  EXPECT_EQ(o.at("interval"), 30);
  EXPECT_EQ(o.at("agent_version"), "1.2.3");
  EXPECT_EQ(o.at("sent_at"), "2026-11-28T06:00:00Z");
}

TEST(BuildPayloadTest, IsCompactAndInContractOrder) {
  EXPECT_EQ(BuildPayload(Web01(), kSentAt),
            R"({"server_id":"web-01","hostname":"web-01.example","ipv4":"10.0.0.5",)"
            R"("interval":30,"agent_version":"1.2.3","sent_at":"2026-11-28T06:00:00Z"})");
}

TEST(BuildPayloadTest, OmitsIpv4WhenUnknown) {
  HeartbeatInfo info = Web01();
  info.ipv4.clear();
  json::object o = Parse(BuildPayload(info, kSentAt));
  EXPECT_FALSE(o.contains("ipv4"));
  EXPECT_EQ(o.size(), 5u);
}

TEST(BuildPayloadTest, SentAtIsTruncatedToTheSecond) {
  json::object o = Parse(BuildPayload(Web01(), kSentAt + 999));
  EXPECT_EQ(o.at("sent_at"), "2026-11-28T06:00:00Z");
  o = Parse(BuildPayload(Web01(), kSentAt + 61'000));
  EXPECT_EQ(o.at("sent_at"), "2026-11-28T06:01:01Z");
}

TEST(BuildPayloadTest, CarriesTheInterval) {
  HeartbeatInfo info = Web01();
  info.interval = 3600;
  EXPECT_EQ(Parse(BuildPayload(info, kSentAt)).at("interval"), 3600);
}

TEST(BuildPayloadTest, EscapesStringsSoAnyHostnameStaysValidJson) {
  HeartbeatInfo info = Web01();
  info.hostname = std::string("a\"b\\c\nd\te\x01f") + "\xc3\xa9";  // ends with UTF-8 "é"
  json::object o = Parse(BuildPayload(info, kSentAt));
  EXPECT_EQ(json::value_to<std::string>(o.at("hostname")), info.hostname);
}

TEST(AppendJsonStringTest, EscapesQuotesBackslashesAndControls) {
  std::string out;
  AppendJsonString(out, std::string("q\"b\\n\n\x1f", 7));
  EXPECT_EQ(out, R"("q\"b\\n\n\u001f")");
}

}  // namespace
}  // namespace sms::agent
