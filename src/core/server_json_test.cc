#include "core/server_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace sms {
namespace {

namespace json = boost::json;

constexpr Millis kT0 = 1'795'845'600'000;  // 2026-11-28T06:00:00Z

Status InputError(std::string_view body) {
  Result<ServerInput> r = ParseServerInput(body);
  EXPECT_FALSE(r.ok()) << body;
  return r.status();
}

Status PatchError(std::string_view body, const std::string& id = "web-01") {
  Result<ServerPatch> r = ParseServerPatch(body, id);
  EXPECT_FALSE(r.ok()) << body;
  return r.status();
}

TEST(ServerToJson, AllFields) {
  Server s;
  s.id = 77;
  s.server_id = "web-01";
  s.server_name = "Web 01";
  s.ipv4 = "10.0.0.5";
  s.hostname = "web-01.local";
  s.status = ServerStatus::kOn;
  s.interval = 15;
  s.created_time = kT0;
  s.last_updated = kT0 + 1;
  s.last_seen = kT0 + 60'000;
  s.status_changed_at = kT0 + 30'000;
  s.tags = {"prod", "rack:b7"};
  json::value expected = json::parse(R"({
    "server_id":"web-01","server_name":"Web 01","ipv4":"10.0.0.5","hostname":"web-01.local",
    "status":"on","interval":15,"created_time":"2026-11-28T06:00:00Z",
    "last_updated":"2026-11-28T06:00:00.001Z","last_seen":"2026-11-28T06:01:00Z",
    "status_changed_at":"2026-11-28T06:00:30Z","tags":["prod","rack:b7"]})");
  EXPECT_EQ(json::value(ServerToJson(s)), expected) << json::serialize(ServerToJson(s));
}

TEST(ServerToJson, UnsetValuesAreNull) {
  Server s;
  s.server_id = "db-1";
  s.server_name = "DB";
  s.created_time = kT0;
  json::object o = ServerToJson(s);
  EXPECT_TRUE(o.at("ipv4").is_null());
  EXPECT_TRUE(o.at("hostname").is_null());
  EXPECT_TRUE(o.at("last_seen").is_null());
  EXPECT_TRUE(o.at("status_changed_at").is_null());
  EXPECT_TRUE(o.at("last_updated").is_null());
  EXPECT_EQ(o.at("status"), "off");
  EXPECT_EQ(o.at("created_time"), "2026-11-28T06:00:00Z");
  EXPECT_EQ(o.at("tags"), json::array());  // no tags: an empty list, never null
  EXPECT_FALSE(o.contains("id"));  // the row id stays inside the store
}

TEST(EventToJson, Shape) {
  json::value expected = json::parse(
      R"({"server_id":"web-01","status":"off","at":"2026-11-28T06:00:30Z","cause":"timeout"})");
  EXPECT_EQ(json::value(EventToJson({"web-01", ServerStatus::kOff, kT0 + 30'000, "timeout"})),
            expected);
}

TEST(UptimeToJson, Shape) {
  UptimeResult u{0.75, 2700, 3600, kT0, kT0 + 3'600'000};
  json::object o = UptimeToJson(u);
  EXPECT_DOUBLE_EQ(o.at("uptime").to_number<double>(), 0.75);
  EXPECT_DOUBLE_EQ(o.at("up_seconds").to_number<double>(), 2700);
  EXPECT_DOUBLE_EQ(o.at("window_seconds").to_number<double>(), 3600);
  EXPECT_EQ(o.at("from"), "2026-11-28T06:00:00Z");
  EXPECT_EQ(o.at("to"), "2026-11-28T07:00:00Z");
  EXPECT_EQ(o.at("source"), "sql");
  EXPECT_DOUBLE_EQ(o.at("maintenance_seconds").to_number<double>(), 0);
  EXPECT_EQ(o.size(), 7u);
  u.source = UptimeSource::kSearch;
  EXPECT_EQ(UptimeToJson(u).at("source"), "search");
}

TEST(ParseServerInput, Full) {
  Result<ServerInput> r = ParseServerInput(
      R"({"server_id":"web-01","server_name":"Web 01","ipv4":"10.0.0.5","hostname":"web"})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->server_id, "web-01");
  EXPECT_EQ(r->server_name, "Web 01");
  EXPECT_EQ(r->ipv4, "10.0.0.5");
  EXPECT_EQ(r->hostname, "web");
}

TEST(ParseServerInput, OptionalFieldsMayBeAbsentOrNull) {
  Result<ServerInput> r = ParseServerInput(R"({"server_id":"a","server_name":"A"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ipv4, "");
  r = ParseServerInput(R"({"server_id":"a","server_name":"A","ipv4":null,"hostname":null})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->hostname, "");
}

TEST(ParseServerInput, NamesComeOutInNfc) {
  // "Cafe" + U+0301 COMBINING ACUTE ACCENT (JSON escape) is stored as "Café" with U+00E9.
  Result<ServerInput> r = ParseServerInput(
      R"({"server_id":"cafe","server_name":"Cafe\u0301","hostname":"cafe\u0301.local"})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->server_name, "Caf\xC3\xA9");
  EXPECT_EQ(r->hostname, "caf\xC3\xA9.local");
  Result<ServerPatch> p = ParseServerPatch(R"({"server_name":"Cafe\u0301"})", "cafe");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_TRUE(p->server_name.has_value());
  EXPECT_EQ(*p->server_name, "Caf\xC3\xA9");
}

TEST(ParseServerInput, Errors) {
  struct Case {
    const char* body;
    const char* field;
    const char* message;
  };
  for (const Case& c : std::initializer_list<Case>{
           {R"({"server_name":"A"})", "server_id", "server_id is required"},
           {R"({"server_id":null,"server_name":"A"})", "server_id", "server_id is required"},
           {R"({"server_id":1,"server_name":"A"})", "server_id", "server_id must be a string"},
           {R"({"server_id":"a"})", "server_name", "server_name is required"},
           {R"({"server_id":"a","server_name":["A"]})", "server_name",
            "server_name must be a string"},
           {R"({"server_id":"a","server_name":"A","ipv4":5})", "ipv4", "ipv4 must be a string"},
           {R"({"server_id":"a","server_name":"A","hostname":{}})", "hostname",
            "hostname must be a string"},
           {R"({"server_id":"a","server_name":"A","status":"on"})", "status",
            "unknown field \"status\""},
           {R"({"server_id":"a b","server_name":"A"})", "server_id", "server_id must be 1-128"},
           {R"({"server_id":"a","server_name":"  "})", "server_name", "only spaces"},
           {R"({"server_id":"a","server_name":"A","ipv4":"10.0.0.01"})", "ipv4",
            "ipv4 must be a dotted quad like 10.0.0.5"}}) {
    Status s = InputError(c.body);
    EXPECT_EQ(s.code(), Code::kInvalidArgument);
    EXPECT_EQ(s.field(), c.field) << c.body;
    EXPECT_NE(s.message().find(c.message), std::string::npos) << c.body << " -> " << s.message();
  }
}

TEST(ParseServerInput, MalformedJson) {
  for (std::string_view bad : {"", "{", "{'server_id':'a'}", "{\"server_id\":\"a\"", "nul"}) {
    Status s = InputError(bad);
    EXPECT_EQ(s.field(), "");
    EXPECT_EQ(s.message().rfind("body is not valid JSON: ", 0), 0u) << s.message();
  }
  EXPECT_EQ(InputError("[1,2]").message(), "body must be a JSON object");
}

TEST(ParseServerPatch, SetsOnlyPresentFields) {
  Result<ServerPatch> r = ParseServerPatch(R"({"server_name":"New"})", "web-01");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->server_name, "New");
  EXPECT_FALSE(r->ipv4.has_value());
  EXPECT_FALSE(r->hostname.has_value());
}

TEST(ParseServerPatch, NullClearsIpv4AndHostname) {
  Result<ServerPatch> r = ParseServerPatch(R"({"ipv4":null,"hostname":null})", "web-01");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->ipv4, "");
  EXPECT_EQ(r->hostname, "");
  EXPECT_FALSE(r->server_name.has_value());
}

TEST(ParseServerPatch, SameServerIdAllowed) {
  Result<ServerPatch> r = ParseServerPatch(R"({"server_id":"web-01","ipv4":"10.0.0.9"})", "web-01");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->ipv4, "10.0.0.9");
}

TEST(ParseServerPatch, ServerIdIsImmutable) {
  Status s = PatchError(R"({"server_id":"web-02","server_name":"X"})");
  EXPECT_EQ(s.field(), "server_id");
  EXPECT_EQ(s.message(), "server_id is immutable");
  EXPECT_EQ(PatchError(R"({"server_id":7})").field(), "server_id");
}

TEST(ParseServerPatch, NothingToUpdate) {
  for (std::string_view body : {"{}", R"({"server_id":"web-01"})"}) {
    Status s = PatchError(body);
    EXPECT_EQ(s.message(), "nothing to update") << body;
    EXPECT_EQ(s.field(), "");
  }
}

TEST(ParseServerPatch, Errors) {
  EXPECT_EQ(PatchError(R"({"server_name":null})").field(), "server_name");
  EXPECT_EQ(PatchError(R"({"server_name":""})").field(), "server_name");
  EXPECT_EQ(PatchError(R"({"ipv4":"300.1.1.1"})").field(), "ipv4");
  EXPECT_EQ(PatchError(R"({"hostname":5})").field(), "hostname");
  Status s = PatchError(R"({"server_name":"A","created_time":"2026-01-01T00:00:00Z"})");
  EXPECT_EQ(s.field(), "created_time");
  EXPECT_EQ(s.message(), "unknown field \"created_time\"");
  s = PatchError("{\"server_name\":");
  EXPECT_EQ(s.field(), "");
  EXPECT_EQ(s.message().rfind("body is not valid JSON: ", 0), 0u);
}

TEST(ParseServerInput, TagsAreLoweredDeduplicatedAndValidated) {
  Result<ServerInput> r = ParseServerInput(
      R"({"server_id":"a","server_name":"A","tags":["Prod","rack:b7","prod","eu-west-1"]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->tags, (std::vector<std::string>{"prod", "rack:b7", "eu-west-1"}));
  r = ParseServerInput(R"({"server_id":"a","server_name":"A","tags":null})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->tags.empty());
  std::string seventeen = R"({"server_id":"a","server_name":"A","tags":[)";
  for (int i = 0; i < 17; ++i) seventeen += (i ? ",\"t" : "\"t") + std::to_string(i) + "\"";
  seventeen += "]}";
  for (const std::string& body :
       {std::string(R"({"server_id":"a","server_name":"A","tags":"prod"})"),
        std::string(R"({"server_id":"a","server_name":"A","tags":[1]})"),
        std::string(R"({"server_id":"a","server_name":"A","tags":[""]})"),
        std::string(R"({"server_id":"a","server_name":"A","tags":["has space"]})"),
        std::string(R"({"server_id":"a","server_name":"A","tags":["a,b"]})"),
        std::string(R"({"server_id":"a","server_name":"A","tags":["caf\u00e9"]})"),
        R"({"server_id":"a","server_name":"A","tags":[")" + std::string(65, 'x') + R"("]})",
        seventeen}) {
    Result<ServerInput> bad = ParseServerInput(body);
    ASSERT_FALSE(bad.ok()) << body;
    EXPECT_EQ(bad.status().field(), "tags") << body;
  }
}

TEST(ParseServerPatch, TagsReplaceTheListAndAnEmptyListClearsIt) {
  Result<ServerPatch> p = ParseServerPatch(R"({"tags":["B","a"]})", "web-01");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_TRUE(p->tags.has_value());
  EXPECT_EQ(*p->tags, (std::vector<std::string>{"b", "a"}));
  p = ParseServerPatch(R"({"tags":[]})", "web-01");
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(p->tags.has_value());
  EXPECT_TRUE(p->tags->empty());
  EXPECT_EQ(PatchError(R"({"tags":["no/slash"]})").field(), "tags");
  EXPECT_FALSE(ParseServerPatch(R"({"hostname":"h"})", "web-01")->tags.has_value());
}

}  // namespace
}  // namespace sms
