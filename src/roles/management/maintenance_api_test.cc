// /api/v1/maintenance over a store in memory: the window's life, bad input (400 naming the
// field, nothing changed), and the uptime API leaving a window out with maintenance_seconds.

#include "roles/management/maintenance_api.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/time.h"
#include "history/sql_history.h"
#include "maintenance/maintenance_history.h"
#include "store/store.h"
#include "support/assert_ok.h"

namespace sms::management {
namespace {

namespace json = boost::json;
constexpr Millis kNow = 1'795'000'000'000;

class MaintenanceApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_ = std::make_shared<ManualClock>(kNow);
    ASSERT_OK_AND_ASSIGN(stores_, store::OpenStores({"sqlite::memory:"}));
    ASSERT_OK_AND_ASSIGN(auto calendar, report::Calendar::Make("UTC"));
    auto history = std::make_shared<maintenance::MaintenanceHistory>(
        std::make_shared<history::SqlHistory>(stores_.store),
        std::make_shared<maintenance::Maintenance>(stores_.maintenance, calendar), stores_.store);
    ASSERT_OK_AND_ASSIGN(auto cache, cache::MakeCache({}));
    ManagementBackends b{stores_.store, history, cache, clock_};
    b.maintenance = stores_.maintenance;
    ASSERT_OK_AND_ASSIGN(b.calendar, report::Calendar::Make("Asia/Ho_Chi_Minh"));
    mgmt_ = std::make_unique<Management>(b);
    mgmt_->Register(router_);
  }
  http::Response Call(const std::string& method, const std::string& path, std::string body = "",
                      std::map<std::string, std::string> query = {}) {
    http::Request req;
    req.method = method;
    req.path = req.target = path;
    req.query = std::move(query);
    req.body = std::move(body);
    std::string route;
    return router_.Handle(req, &route);
  }
  static json::value Body(const http::Response& r) { return json::parse(r.body); }
  static std::string Field(const http::Response& r) {
    return std::string(Body(r).at("error").at("field").as_string());
  }
  size_t Count() { return Body(Call("GET", "/api/v1/maintenance")).at("items").as_array().size(); }

  std::shared_ptr<ManualClock> clock_;
  store::Stores stores_;
  std::unique_ptr<Management> mgmt_;
  http::Router router_;
};

TEST_F(MaintenanceApiTest, CreateListGetPatchDelete) {
  auto created = Call("POST", "/api/v1/maintenance",
                      R"({"name":"rack b7","start":"2026-12-06T10:00:00Z",
                          "end":"2026-12-06T11:00:00Z","servers":{"tags":["rack:b7"]}})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id(Body(created).at("id").as_string());
  EXPECT_EQ(id.rfind("mw-", 0), 0u);
  EXPECT_EQ(Body(created).at("created_at").as_string(), FormatTime(kNow));
  auto weekly = Call("POST", "/api/v1/maintenance",
                     R"({"name":"sundays","weekly":{"days":["sun"],"start":"23:00",
                         "duration_minutes":120}})");
  ASSERT_EQ(weekly.status, 201) << weekly.body;
  EXPECT_EQ(Count(), 2u);
  // weekly windows are local to the zone the list names
  EXPECT_EQ(Body(Call("GET", "/api/v1/maintenance")).at("tz"), "Asia/Ho_Chi_Minh");
  auto got = Call("GET", "/api/v1/maintenance/" + id);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(Body(got).at("servers").at("tags"), json::parse(R"(["rack:b7"])"));
  clock_->Advance(5000);
  auto patched = Call("PATCH", "/api/v1/maintenance/" + id, R"({"name":"rack b7 and b8",
                      "servers":{"tags":["rack:b7","rack:b8"]}})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(Body(patched).at("name"), "rack b7 and b8");
  EXPECT_EQ(Body(patched).at("start"), "2026-12-06T10:00:00Z");
  EXPECT_EQ(Body(patched).at("updated_at").as_string(), FormatTime(kNow + 5000));
  EXPECT_EQ(Body(Call("GET", "/api/v1/maintenance/" + id)).at("name"), "rack b7 and b8");
  EXPECT_EQ(Call("DELETE", "/api/v1/maintenance/" + id).status, 204);
  EXPECT_EQ(Call("GET", "/api/v1/maintenance/" + id).status, 404);
  EXPECT_EQ(Call("DELETE", "/api/v1/maintenance/" + id).status, 404);
  EXPECT_EQ(Call("PATCH", "/api/v1/maintenance/mw-none", R"({"name":"x"})").status, 404);
  EXPECT_EQ(Count(), 1u);
}

TEST_F(MaintenanceApiTest, BadInputIs400NamingTheFieldAndChangesNothing) {
  auto ok = Call("POST", "/api/v1/maintenance",
                 R"({"name":"n","start":"2026-12-06T10:00:00Z","end":"2026-12-06T11:00:00Z"})");
  ASSERT_EQ(ok.status, 201);
  std::string id(Body(ok).at("id").as_string());
  std::string before = Call("GET", "/api/v1/maintenance/" + id).body;
  const std::pair<const char*, const char*> bad[] = {
      {R"({"name":"n","start":"2026-12-06T11:00:00Z","end":"2026-12-06T10:00:00Z"})", "end"},
      {R"({"name":"n","weekly":{"days":["someday"],"start":"01:00","duration_minutes":5}})",
       "weekly.days"},
      {R"({"name":"n","weekly":{"days":["mon"],"start":"1am","duration_minutes":5}})",
       "weekly.start"},
      {R"({"start":"2026-12-06T10:00:00Z","end":"2026-12-06T11:00:00Z"})", "name"},
      {R"({"name":"n","start":"2026-12-06T10:00:00Z","end":"2026-12-06T11:00:00Z",
           "servers":{"tags":["not a tag"]}})",
       "servers.tags"},
  };
  for (const auto& [body, field] : bad) {
    auto r = Call("POST", "/api/v1/maintenance", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(Field(r), field) << body;
    auto p = Call("PATCH", "/api/v1/maintenance/" + id, body);
    if (std::string(field) != "name") {  // a patch need not name the window
      EXPECT_EQ(p.status, 400) << body;
      EXPECT_EQ(Field(p), field) << body;
    }
  }
  EXPECT_EQ(Count(), 1u);
  EXPECT_EQ(Call("GET", "/api/v1/maintenance/" + id).body, before);
}

TEST_F(MaintenanceApiTest, UptimeLeavesTheWindowOutAndSaysHowMuch) {
  ASSERT_TRUE(stores_.store->CreateServer({"a", "A", "", "", {"rack:b7"}}, kNow - 3'600'000).ok());
  // Never on: an hour off, of which the last half hour is maintenance.
  auto created = Call("POST", "/api/v1/maintenance",
                      R"({"name":"n","start":")" + FormatTime(kNow - 1'800'000) + R"(","end":")" +
                          FormatTime(kNow + 1'800'000) + R"(","servers":{"tags":["rack:b7"]}})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto up = Call("GET", "/api/v1/servers/a/uptime", "",
                 {{"from", FormatTime(kNow - 3'600'000)}, {"to", FormatTime(kNow)}});
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_DOUBLE_EQ(Body(up).at("maintenance_seconds").to_number<double>(), 1800);
  EXPECT_DOUBLE_EQ(Body(up).at("window_seconds").to_number<double>(), 1800);
  EXPECT_DOUBLE_EQ(Body(up).at("up_seconds").to_number<double>(), 0);
}

}  // namespace
}  // namespace sms::management
