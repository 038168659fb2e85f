#include "core/heartbeat.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace sms {
namespace {

constexpr Millis kNov28 = 1'795'845'600'000;  // 2026-11-28T06:00:00Z

void ExpectSame(const Heartbeat& a, const Heartbeat& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.server_id, b.server_id);
  EXPECT_EQ(a.hostname, b.hostname);
  EXPECT_EQ(a.ipv4, b.ipv4);
  EXPECT_EQ(a.interval, b.interval);
  EXPECT_EQ(a.agent_version, b.agent_version);
  EXPECT_EQ(a.sent_at, b.sent_at);
  EXPECT_EQ(a.received_at, b.received_at);
}

Status ErrorOf(std::string_view body) {
  Result<Heartbeat> r = ParseHeartbeat(body);
  EXPECT_FALSE(r.ok()) << body;
  return r.status();
}

TEST(ParseHeartbeat, ModernShape) {
  Result<Heartbeat> r = ParseHeartbeat(
      R"({"server_id":"web-01","hostname":"web-01.local","ipv4":"10.0.0.5","interval":15,)"
      R"("agent_version":"1.0.0","sent_at":"2026-11-28T06:00:00Z"})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->server_id, "web-01");
  EXPECT_EQ(r->hostname, "web-01.local");
  EXPECT_EQ(r->ipv4, "10.0.0.5");
  EXPECT_EQ(r->interval, 15);
  EXPECT_EQ(r->agent_version, "1.0.0");
  EXPECT_EQ(r->sent_at, kNov28);
  EXPECT_EQ(r->id, "");  // stamped by the receiver, not parsed
  EXPECT_EQ(r->received_at, 0);
}

TEST(ParseHeartbeat, HostnameComesOutInNfc) {
  // It names the server when the heartbeat registers it.
  Result<Heartbeat> r = ParseHeartbeat(R"({"server_id":"cafe","hostname":"Cafe\u0301"})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->hostname, "Caf\xC3\xA9");
}

TEST(ParseHeartbeat, OnlyServerIdIsRequired) {
  Result<Heartbeat> r = ParseHeartbeat(R"({"server_id":"db-7"})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->server_id, "db-7");
  EXPECT_EQ(r->interval, 30);
  EXPECT_EQ(r->hostname, "");
  EXPECT_EQ(r->ipv4, "");
  EXPECT_EQ(r->sent_at, 0);
}

TEST(ParseHeartbeat, NullOptionalFieldsMeanAbsent) {
  Result<Heartbeat> r = ParseHeartbeat(
      R"({"server_id":"a","hostname":null,"ipv4":null,"interval":null,"sent_at":null})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->interval, 30);
}

TEST(ParseHeartbeat, EmptyOptionalStringsMeanUnknown) {
  Result<Heartbeat> r = ParseHeartbeat(R"({"server_id":"a","hostname":"","ipv4":""})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->ipv4, "");
  EXPECT_EQ(r->hostname, "");
}

TEST(ParseHeartbeat, UnknownFieldsAreIgnored) {
  Result<Heartbeat> r =
      ParseHeartbeat(R"({"server_id":"a","cpu":{"load":[0.1,0.2]},"future":true,"interval":60})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->interval, 60);
}

TEST(ParseHeartbeat, WholeNumberDoubleIntervalAccepted) {
  Result<Heartbeat> r = ParseHeartbeat(R"({"server_id":"a","interval":30.0})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->interval, 30);
}

TEST(ParseHeartbeat, OffsetSentAtIsConvertedToUtc) {
  Result<Heartbeat> r =
      ParseHeartbeat(R"({"server_id":"a","sent_at":"2026-11-28T13:00:00.250+07:00"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->sent_at, kNov28 + 250);
}

TEST(ParseHeartbeat, LegacyShape) {
  Result<Heartbeat> r = ParseHeartbeat(R"({"ip":"10.0.0.5","time":1795845600000,"duration":15})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->server_id, "10.0.0.5");
  EXPECT_EQ(r->ipv4, "10.0.0.5");
  EXPECT_EQ(r->interval, 15);
  EXPECT_EQ(r->sent_at, kNov28);
}

TEST(ParseHeartbeat, LegacyDefaultsAndFractionalTime) {
  Result<Heartbeat> r = ParseHeartbeat(R"({"ip":"10.0.0.6"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->interval, 30);
  EXPECT_EQ(r->sent_at, 0);
  r = ParseHeartbeat(R"({"ip":"10.0.0.6","time":1795845600000.75})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->sent_at, kNov28);
}

TEST(ParseHeartbeat, ServerIdWinsOverLegacyIp) {
  Result<Heartbeat> r = ParseHeartbeat(R"({"server_id":"web-01","ip":"10.0.0.5","duration":5})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->server_id, "web-01");
  EXPECT_EQ(r->ipv4, "");  // "ip" belongs to the legacy shape only
  EXPECT_EQ(r->interval, 30);
}

TEST(ParseHeartbeat, BodyMustBeJsonObject) {
  for (std::string_view body : {"", "{", "not json", R"({"server_id":"a",})", "{\"a\":1} x"}) {
    Status s = ErrorOf(body);
    EXPECT_EQ(s.code(), Code::kInvalidArgument);
    EXPECT_EQ(s.message().rfind("body is not valid JSON: ", 0), 0u) << s.message();
    EXPECT_EQ(s.field(), "");
  }
  for (std::string_view body : {"[]", "\"web-01\"", "42", "null", "true"}) {
    Status s = ErrorOf(body);
    EXPECT_EQ(s.message(), "body must be a JSON object") << body;
  }
}

TEST(ParseHeartbeat, EveryFieldErrorNamesItsField) {
  struct Case {
    const char* body;
    const char* field;
  };
  for (const Case& c : std::initializer_list<Case>{
           {R"({})", "server_id"},
           {R"({"server_id":null})", "server_id"},
           {R"({"hostname":"a"})", "server_id"},
           {R"({"server_id":5})", "server_id"},
           {R"({"server_id":""})", "server_id"},
           {R"({"server_id":"has space"})", "server_id"},
           {R"({"server_id":"a","hostname":7})", "hostname"},
           {R"({"server_id":"a","hostname":"tab\there"})", "hostname"},
           {R"({"server_id":"a","ipv4":17})", "ipv4"},
           {R"({"server_id":"a","ipv4":"10.0.0.256"})", "ipv4"},
           {R"({"server_id":"a","interval":"30"})", "interval"},
           {R"({"server_id":"a","interval":0})", "interval"},
           {R"({"server_id":"a","interval":3601})", "interval"},
           {R"({"server_id":"a","interval":1.5})", "interval"},
           {R"({"server_id":"a","interval":18446744073709551615})", "interval"},
           {R"({"server_id":"a","agent_version":1})", "agent_version"},
           {R"({"server_id":"a","sent_at":1795845600000})", "sent_at"},
           {R"({"server_id":"a","sent_at":"yesterday"})", "sent_at"},
           {R"({"ip":5})", "ip"},
           {R"({"ip":"10.0.0"})", "ip"},
           {R"({"ip":"10.0.0.5","time":"now"})", "time"},
           {R"({"ip":"10.0.0.5","time":-1})", "time"},
           {R"({"ip":"10.0.0.5","time":1e300})", "time"},
           {R"({"ip":"10.0.0.5","duration":0})", "duration"},
           {R"({"ip":"10.0.0.5","duration":"15"})", "duration"}}) {
    Status s = ErrorOf(c.body);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << c.body;
    EXPECT_EQ(s.field(), c.field) << c.body << " -> " << s.ToString();
    EXPECT_NE(s.message().find(c.field), std::string::npos) << s.message();
  }
}

TEST(ParseHeartbeat, LengthLimits) {
  std::string host(255, 'h');
  EXPECT_TRUE(ParseHeartbeat(R"({"server_id":"a","hostname":")" + host + "\"}").ok());
  EXPECT_EQ(ErrorOf(R"({"server_id":"a","hostname":")" + host + "h\"}").field(), "hostname");
  std::string version(64, 'v');
  EXPECT_TRUE(ParseHeartbeat(R"({"server_id":"a","agent_version":")" + version + "\"}").ok());
  EXPECT_EQ(ErrorOf(R"({"server_id":"a","agent_version":")" + version + "v\"}").field(),
            "agent_version");
  std::string id(128, 'i');
  EXPECT_TRUE(ParseHeartbeat(R"({"server_id":")" + id + "\"}").ok());
  EXPECT_EQ(ErrorOf(R"({"server_id":")" + id + "i\"}").field(), "server_id");
}

TEST(ParseHeartbeat, LargeBodyBeyondArenaStillParses) {
  std::string filler(20'000, 'x');
  Result<Heartbeat> r = ParseHeartbeat(R"({"server_id":"a","note":")" + filler + "\"}");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->server_id, "a");
}

TEST(EncodeHeartbeat, RoundTripsEveryField) {
  Heartbeat h;
  h.id = NewHeartbeatId();
  h.server_id = "web-01";
  h.hostname = "Máy chủ \"quoted\" \\ back\tslash";
  h.ipv4 = "10.0.0.5";
  h.interval = 3600;
  h.agent_version = "1.2.3-rc\x01";
  h.sent_at = kNov28 + 7;
  h.received_at = kNov28 + 1234;
  std::string wire = EncodeHeartbeat(h);
  Result<Heartbeat> back = DecodeHeartbeat(wire);
  ASSERT_TRUE(back.ok()) << back.status().ToString() << " " << wire;
  ExpectSame(*back, h);
}

TEST(DecodeHeartbeat, NormalizesAHostnameQueuedOutsideNfc) {
  Heartbeat h;
  h.server_id = "web-01";
  h.hostname = "Cafe\xCC\x81";  // "Café" with a combining accent, as an older healthcheck queued it
  Result<Heartbeat> back = DecodeHeartbeat(EncodeHeartbeat(h));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->hostname, "Caf\xC3\xA9");
}

TEST(EncodeHeartbeat, RoundTripsDefaultsAndOddBytes) {
  Heartbeat empty;
  empty.server_id = "x";
  Result<Heartbeat> back = DecodeHeartbeat(EncodeHeartbeat(empty));
  ASSERT_TRUE(back.ok());
  ExpectSame(*back, empty);

  Heartbeat odd;
  odd.server_id = "y";
  odd.hostname = std::string("nul\0\xFF\x7F", 6);  // not UTF-8: bytes still survive the bus
  odd.sent_at = -5;
  back = DecodeHeartbeat(EncodeHeartbeat(odd));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSame(*back, odd);
}

TEST(EncodeHeartbeat, ParsedHeartbeatSurvivesTheBus) {
  Result<Heartbeat> h = ParseHeartbeat(R"({"ip":"10.1.2.3","time":1795845600001,"duration":20})");
  ASSERT_TRUE(h.ok());
  h->id = "abc-1";
  h->received_at = kNov28 + 2;
  Result<Heartbeat> back = DecodeHeartbeat(EncodeHeartbeat(*h));
  ASSERT_TRUE(back.ok());
  ExpectSame(*back, *h);
}

TEST(DecodeHeartbeat, RejectsBrokenPayloads) {
  for (std::string_view bad : {"", "[]", "{", R"({"i":"x"})", R"({"s":5})", R"({"s":"a","t":"x"})",
                               R"({"s":"a","n":0})", R"({"s":"a","n":1.5})"}) {
    Result<Heartbeat> r = DecodeHeartbeat(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(NewHeartbeatId, ShapeAndUniqueness) {
  std::string id = NewHeartbeatId();
  ASSERT_GT(id.size(), 17u);
  EXPECT_EQ(id[16], '-');
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), 16u) << id;
  std::string next = NewHeartbeatId();
  EXPECT_EQ(next.substr(0, 17), id.substr(0, 17));  // same process prefix
  EXPECT_NE(next, id);
}

TEST(NewHeartbeatId, UniqueAcrossThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&ids, t] {
      for (int i = 0; i < kPerThread; ++i) ids[t].push_back(NewHeartbeatId());
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> all;
  for (const auto& v : ids) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), size_t{kThreads * kPerThread});
}

}  // namespace
}  // namespace sms
