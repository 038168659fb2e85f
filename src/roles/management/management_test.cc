#include "roles/management/management.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/time.h"
#include "store/store.h"
#include "support/assert_ok.h"

namespace sms::management {
namespace {

namespace json = boost::json;
constexpr Millis kNow = 1'795'000'000'000;

class ManagementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_ = std::make_shared<ManualClock>(kNow);
    ASSERT_OK_AND_ASSIGN(store_, store::MakeStore({"sqlite::memory:"}));
    ASSERT_OK_AND_ASSIGN(auto history, history::MakeHistory({}, store_));
    ASSERT_OK_AND_ASSIGN(auto cache, cache::MakeCache({}));
    mgmt_ = std::make_unique<Management>(ManagementBackends{store_, history, cache, clock_});
    mgmt_->Register(router_);
  }
  http::Response Call(const std::string& method, const std::string& path,
                      std::map<std::string, std::string> query = {}, std::string body = "",
                      std::vector<std::pair<std::string, std::string>> query_list = {}) {
    http::Request req;
    req.method = method;
    req.path = path;
    req.target = path;
    req.query = std::move(query);
    for (const auto& [key, value] : query_list) req.query[key] = value;
    req.query_list = std::move(query_list);
    req.body = std::move(body);
    std::string route;
    return router_.Handle(req, &route);
  }
  static json::value Body(const http::Response& r) { return json::parse(r.body); }
  static std::string Code(const http::Response& r) {
    return std::string(Body(r).at("error").at("code").as_string());
  }
  static std::string Field(const http::Response& r) {
    json::value body = Body(r);
    auto* f = body.at("error").as_object().if_contains("field");
    return f ? std::string(f->as_string()) : "";
  }
  std::shared_ptr<ManualClock> clock_;
  store::StorePtr store_;
  std::unique_ptr<Management> mgmt_;
  http::Router router_;
};

TEST_F(ManagementTest, CreateGetUpdateDelete) {
  auto created = Call("POST", "/api/v1/servers", {},
                      R"({"server_id":"db-1","server_name":"Database 1","ipv4":"10.1.0.1"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(Body(created).at("status"), "off");
  EXPECT_EQ(Body(created).at("created_time").as_string(), FormatTime(kNow));
  auto got = Call("GET", "/api/v1/servers/db-1");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(Body(got).at("server_name"), "Database 1");
  auto patched = Call("PATCH", "/api/v1/servers/db-1", {}, R"({"server_name":"DB one"})");
  EXPECT_EQ(patched.status, 200);
  EXPECT_EQ(Body(patched).at("server_name"), "DB one");
  EXPECT_EQ(Call("DELETE", "/api/v1/servers/db-1").status, 204);
  EXPECT_EQ(Call("GET", "/api/v1/servers/db-1").status, 404);
  EXPECT_EQ(Call("DELETE", "/api/v1/servers/db-1").status, 404);
}

TEST_F(ManagementTest, ErrorsNameTheFieldAndChangeNothing) {
  ASSERT_EQ(Call("POST", "/api/v1/servers", {}, R"({"server_id":"a","server_name":"A"})").status,
            201);
  auto dup_id = Call("POST", "/api/v1/servers", {}, R"({"server_id":"a","server_name":"B"})");
  EXPECT_EQ(dup_id.status, 409);
  EXPECT_EQ(Field(dup_id), "server_id");
  auto dup_name = Call("POST", "/api/v1/servers", {}, R"({"server_id":"b","server_name":"A"})");
  EXPECT_EQ(dup_name.status, 409);
  EXPECT_EQ(Field(dup_name), "server_name");
  auto bad_ip = Call("POST", "/api/v1/servers", {},
                     R"({"server_id":"c","server_name":"C","ipv4":"1.2.3.999"})");
  EXPECT_EQ(bad_ip.status, 400);
  EXPECT_EQ(Field(bad_ip), "ipv4");
  auto immutable = Call("PATCH", "/api/v1/servers/a", {}, R"({"server_id":"z"})");
  EXPECT_EQ(immutable.status, 400);
  EXPECT_EQ(Field(immutable), "server_id");
  EXPECT_EQ(Call("POST", "/api/v1/servers", {}, "{oops").status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/servers", {{"sort", "server_id;drop table servers"}}).status,
            400);
  EXPECT_EQ(Call("GET", "/api/v1/servers", {{"limit", "1001"}}).status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/servers", {{"colour", "red"}}).status, 400);
  EXPECT_EQ(Body(Call("GET", "/api/v1/servers")).at("total"), 1);
  EXPECT_EQ(Body(Call("GET", "/api/v1/servers/a")).at("server_name"), "A");
}

TEST_F(ManagementTest, NamesThatDifferOnlyInUnicodeNormalisationAreOneName) {
  // "Café" with U+00E9, then "Cafe" + U+0301 COMBINING ACUTE ACCENT: the same name to a reader.
  auto first =
      Call("POST", "/api/v1/servers", {}, R"({"server_id":"a","server_name":"Caf\u00e9"})");
  ASSERT_EQ(first.status, 201) << first.body;
  auto second =
      Call("POST", "/api/v1/servers", {}, R"({"server_id":"b","server_name":"Cafe\u0301"})");
  EXPECT_EQ(second.status, 409) << second.body;
  EXPECT_EQ(Field(second), "server_name");
  ASSERT_EQ(Call("POST", "/api/v1/servers", {}, R"({"server_id":"b","server_name":"B"})").status,
            201);
  auto renamed = Call("PATCH", "/api/v1/servers/b", {}, R"({"server_name":"Cafe\u0301"})");
  EXPECT_EQ(renamed.status, 409) << renamed.body;
  EXPECT_EQ(Field(renamed), "server_name");
  EXPECT_EQ(Body(Call("GET", "/api/v1/servers/b")).at("server_name"), "B");
  // Stored and answered in NFC; a filter typed either way finds it.
  auto nfd = Call("POST", "/api/v1/servers", {},
                  R"({"server_id":"c","server_name":"Pho\u0302 Ha\u0300 No\u0323i"})");
  ASSERT_EQ(nfd.status, 201) << nfd.body;
  EXPECT_EQ(Body(nfd).at("server_name"), "Ph\xC3\xB4 H\xC3\xA0 N\xE1\xBB\x8Di");
  for (const char* filter : {"Caf\xC3\xA9", "Cafe\xCC\x81"}) {
    auto found = Body(Call("GET", "/api/v1/servers", {{"server_name", filter}}));
    EXPECT_EQ(found.at("total"), 1) << filter;
  }
}

TEST_F(ManagementTest, NamesThatDifferOnlyInCaseAreOneName) {
  auto first = Call("POST", "/api/v1/servers", {}, R"({"server_id":"a","server_name":"SRV-02"})");
  ASSERT_EQ(first.status, 201) << first.body;
  auto exact = Call("POST", "/api/v1/servers", {}, R"({"server_id":"b","server_name":"SRV-02"})");
  ASSERT_EQ(exact.status, 409) << exact.body;
  // The same answer as for the exact name, the name quoted as it was sent.
  auto other_case =
      Call("POST", "/api/v1/servers", {}, R"({"server_id":"b","server_name":"srv-02"})");
  EXPECT_EQ(other_case.status, 409) << other_case.body;
  EXPECT_EQ(Body(other_case).at("error"),
            json::parse(R"({"code":"conflict","message":"server_name \"srv-02\" is taken",)"
                        R"("field":"server_name"})"));
  EXPECT_EQ(Code(other_case), Code(exact));
  ASSERT_EQ(Call("POST", "/api/v1/servers", {}, R"({"server_id":"b","server_name":"B"})").status,
            201);
  auto renamed = Call("PATCH", "/api/v1/servers/b", {}, R"({"server_name":"Srv-02"})");
  EXPECT_EQ(renamed.status, 409) << renamed.body;
  EXPECT_EQ(Field(renamed), "server_name");
  EXPECT_EQ(Body(Call("GET", "/api/v1/servers/b")).at("server_name"), "B");
  // The name stays as written; a server may change the case of its own.
  auto own = Call("PATCH", "/api/v1/servers/a", {}, R"({"server_name":"Srv-02"})");
  EXPECT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(Body(own).at("server_name"), "Srv-02");
  // The server_name filter is a substring, case-insensitive for ASCII letters.
  EXPECT_EQ(Body(Call("GET", "/api/v1/servers", {{"server_name", "SRV-0"}})).at("total"), 1);
}

TEST_F(ManagementTest, ListFiltersSortsAndPages) {
  for (int i = 0; i < 25; ++i) {
    std::string id = "srv-" + std::string(i < 10 ? "0" : "") + std::to_string(i);
    ASSERT_EQ(Call("POST", "/api/v1/servers", {},
                   R"({"server_id":")" + id + R"(","server_name":"name )" + std::to_string(i) +
                       R"(","ipv4":"10.0.0.)" + std::to_string(i) + R"("})")
                  .status,
              201);
  }
  auto page = Body(Call("GET", "/api/v1/servers",
                        {{"sort", "server_id"}, {"order", "desc"}, {"offset", "5"},
                         {"limit", "10"}}));
  EXPECT_EQ(page.at("total"), 25);
  ASSERT_EQ(page.at("items").as_array().size(), 10u);
  EXPECT_EQ(page.at("items").as_array()[0].at("server_id"), "srv-19");
  auto filtered = Body(Call("GET", "/api/v1/servers", {{"ipv4", "10.0.0.7"}}));
  EXPECT_EQ(filtered.at("total"), 1);
  auto q = Body(Call("GET", "/api/v1/servers", {{"q", "name 1"}}));
  EXPECT_EQ(q.at("total"), 11);  // name 1, name 10..19
  auto off = Body(Call("GET", "/api/v1/servers", {{"status", "off"}}));
  EXPECT_EQ(off.at("total"), 25);
}

TEST_F(ManagementTest, ListPagesCarryCursorsAndABadCursorIs400OnTheCursorField) {
  for (int i = 0; i < 5; ++i) {
    std::string id = "srv-" + std::to_string(i);
    ASSERT_EQ(Call("POST", "/api/v1/servers", {},
                   R"({"server_id":")" + id + R"(","server_name":")" + id + R"("})")
                  .status,
              201);
  }
  std::map<std::string, std::string> query = {{"sort", "server_name"}, {"limit", "2"}};
  auto first = Body(Call("GET", "/api/v1/servers", query));
  EXPECT_TRUE(first.at("prev").is_null());
  ASSERT_TRUE(first.at("next").is_string());
  query["cursor"] = std::string(first.at("next").as_string());
  auto second = Body(Call("GET", "/api/v1/servers", query));
  EXPECT_EQ(second.at("items").as_array()[0].at("server_id"), "srv-2");
  EXPECT_TRUE(second.at("prev").is_string());
  for (auto [key, value] : std::map<std::string, std::string>{
           {"sort", "server_id"}, {"offset", "2"}, {"status", "on"}, {"cursor", "%%%"}}) {
    std::map<std::string, std::string> bad = query;
    bad[key] = value;
    http::Response r = Call("GET", "/api/v1/servers", bad);
    EXPECT_EQ(r.status, 400) << key;
    EXPECT_EQ(Field(r), "cursor") << key;
    EXPECT_EQ(Code(r), "invalid_argument") << key;
  }
}

TEST_F(ManagementTest, UptimeAndStats) {
  Heartbeat hb;
  hb.id = "h1";
  hb.server_id = "up-1";
  hb.interval = 10;
  hb.received_at = kNow - 3600'000;  // first seen an hour ago
  ASSERT_TRUE(store_->ApplyHeartbeats({hb}, {}).ok());
  ASSERT_TRUE(store_->SweepOffline(kNow - 1800'000, 0).ok());  // off at -3590 s
  auto up = Call("GET", "/api/v1/servers/up-1/uptime",
                 {{"from", FormatTime(kNow - 3600'000)}, {"to", FormatTime(kNow)}});
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_DOUBLE_EQ(Body(up).at("up_seconds").to_number<double>(), 10);
  EXPECT_DOUBLE_EQ(Body(up).at("window_seconds").to_number<double>(), 3600);
  EXPECT_EQ(Body(up).at("source"), "sql");  // the embedded history: the status transitions
  EXPECT_EQ(Call("GET", "/api/v1/servers/up-1/uptime", {{"from", "yesterday"}}).status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/servers/nope/uptime").status, 404);
  auto events = Body(Call("GET", "/api/v1/servers/up-1/events"));
  ASSERT_EQ(events.at("items").as_array().size(), 2u);
  EXPECT_EQ(events.at("items").as_array()[1].at("status"), "off");
  auto stats = Body(Call("GET", "/api/v1/stats"));
  EXPECT_EQ(stats.at("total"), 1);
  EXPECT_EQ(stats.at("off"), 1);
  EXPECT_NEAR(stats.at("avg_uptime_24h").to_number<double>(), 10.0 / 3600, 1e-9);
}

TEST_F(ManagementTest, TagsOnCreatePatchAndTheListFilter) {
  for (const char* body : {R"({"server_id":"a","server_name":"A","tags":["Prod","web"]})",
                           R"({"server_id":"b","server_name":"B","tags":["prod","db"]})",
                           R"({"server_id":"c","server_name":"C"})"}) {
    auto created = Call("POST", "/api/v1/servers", {}, body);
    ASSERT_EQ(created.status, 201) << created.body;
  }
  EXPECT_EQ(Body(Call("GET", "/api/v1/servers/a")).at("tags"), json::parse(R"(["prod","web"])"));
  EXPECT_EQ(Body(Call("GET", "/api/v1/servers/c")).at("tags"), json::array());
  auto prod = Body(Call("GET", "/api/v1/servers", {}, "", {{"tag", "prod"}}));
  EXPECT_EQ(prod.at("total"), 2);
  auto both = Body(Call("GET", "/api/v1/servers", {}, "", {{"tag", "prod"}, {"tag", "WEB"}}));
  EXPECT_EQ(both.at("total"), 1);
  EXPECT_EQ(both.at("items").as_array()[0].at("server_id"), "a");
  auto patched = Call("PATCH", "/api/v1/servers/c", {}, R"({"tags":["db"]})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(Body(Call("GET", "/api/v1/servers", {}, "", {{"tag", "db"}})).at("total"), 2);
}

TEST_F(ManagementTest, BadTagsAre400NamingTheFieldAndChangeNothing) {
  ASSERT_EQ(Call("POST", "/api/v1/servers", {}, R"({"server_id":"a","server_name":"A",
                 "tags":["keep"]})")
                .status,
            201);
  auto bad_create = Call("POST", "/api/v1/servers", {},
                         R"({"server_id":"b","server_name":"B","tags":["not ok"]})");
  EXPECT_EQ(bad_create.status, 400);
  EXPECT_EQ(Field(bad_create), "tags");
  EXPECT_EQ(Call("GET", "/api/v1/servers/b").status, 404);
  auto bad_patch = Call("PATCH", "/api/v1/servers/a", {}, R"({"tags":"keep"})");
  EXPECT_EQ(bad_patch.status, 400);
  EXPECT_EQ(Field(bad_patch), "tags");
  EXPECT_EQ(Body(Call("GET", "/api/v1/servers/a")).at("tags"), json::parse(R"(["keep"])"));
  auto bad_filter = Call("GET", "/api/v1/servers", {}, "", {{"tag", "a b"}});
  EXPECT_EQ(bad_filter.status, 400);
  EXPECT_EQ(Field(bad_filter), "tag");
}

}  // namespace
}  // namespace sms::management
