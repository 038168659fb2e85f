#include "roles/management/reports_api.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/time.h"
#include "mail/job.h"
#include "store/store.h"
#include "support/assert_ok.h"

namespace sms::management {
namespace {

namespace json = boost::json;

class ReportsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(Millis now, ParseTime("2026-11-28T03:00:00Z", "t"));
    clock_ = std::make_shared<ManualClock>(now);
    ASSERT_OK_AND_ASSIGN(store_, store::MakeStore({"sqlite::memory:"}));
    ASSERT_OK_AND_ASSIGN(auto history, history::MakeHistory({}, store_));
    ASSERT_OK_AND_ASSIGN(bus_, bus::MakeBus({}));
    ASSERT_OK_AND_ASSIGN(mail_, bus_->Subscribe(bus::kMailTopic, "test"));
    ASSERT_OK_AND_ASSIGN(auto cache, cache::MakeCache({}));
    ManagementBackends b{store_, history, cache, clock_};
    b.reporter = std::make_shared<report::Reporter>(
        report::ReportBackends{store_, store_, history, bus_, clock_}, "");
    ASSERT_OK_AND_ASSIGN(b.calendar, report::Calendar::Make("Asia/Ho_Chi_Minh"));
    mgmt_ = std::make_unique<Management>(b);
    mgmt_->Register(router_);
    ASSERT_TRUE(store_->CreateServer({"web-01", "web-01", "10.0.0.1", ""}, clock_->Now()).ok());
  }
  http::Response Call(const std::string& method, const std::string& path, std::string body = "") {
    http::Request req;
    req.method = method;
    req.path = path;
    req.target = path;
    req.body = std::move(body);
    std::string route;
    return router_.Handle(req, &route);
  }
  static json::object Body(const http::Response& r) { return json::parse(r.body).as_object(); }

  std::shared_ptr<ManualClock> clock_;
  store::StorePtr store_;
  bus::BusPtr bus_;
  std::unique_ptr<bus::Consumer> mail_;
  std::unique_ptr<Management> mgmt_;
  http::Router router_;
};

TEST_F(ReportsApiTest, APostedReportAnswersItsSummaryAndQueuesOneMail) {
  http::Response r =
      Call("POST", "/api/v1/reports",
           R"({"start":"2026-11-27","end":"2026-11-28","emails":["ops@example.com"]})");
  ASSERT_EQ(r.status, 202) << r.body;
  json::object body = Body(r);
  std::string id(body.at("report_id").as_string());
  EXPECT_EQ(body.at("status"), "queued");
  EXPECT_EQ(body.at("start"), "2026-11-27");
  EXPECT_EQ(body.at("tz"), "Asia/Ho_Chi_Minh");
  EXPECT_EQ(body.at("summary").at("total"), 1);
  EXPECT_EQ(body.at("summary").at("off"), 1);
  EXPECT_EQ(body.at("summary").at("source"), "sql");
  auto polled = mail_->Poll(10, std::chrono::milliseconds(0));
  ASSERT_TRUE(polled.ok());
  ASSERT_EQ(polled->size(), 1u);
  auto job = mail::DecodeJob((*polled)[0].payload);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->id, id);  // the mail service sends it once by this id
  EXPECT_EQ(job->to, std::vector<std::string>{"ops@example.com"});

  http::Response got = Call("GET", "/api/v1/reports/" + id);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(Body(got).at("status"), "queued");
  ASSERT_TRUE(store_->PutMailOutcome(id, {"failed", "550 no such user", 1, clock_->Now()}).ok());
  json::object failed = Body(Call("GET", "/api/v1/reports/" + id));
  EXPECT_EQ(failed.at("status"), "failed");
  EXPECT_EQ(failed.at("error"), "550 no such user");
}

TEST_F(ReportsApiTest, ABadRequestNamesTheFieldAndQueuesNothing) {
  for (const char* body : {R"({"start":"2026-11-29","end":"2026-11-29","emails":["a@b.io"]})",
                           R"({"start":"2026-11-27","end":"2026-11-27","emails":["nope"]})",
                           "{"}) {
    http::Response r = Call("POST", "/api/v1/reports", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_TRUE(Body(r).at("error").as_object().contains("field")) << r.body;
  }
  ASSERT_OK_AND_ASSIGN(auto mailed, mail_->Poll(10, std::chrono::milliseconds(0)));
  EXPECT_TRUE(mailed.empty());
}

TEST_F(ReportsApiTest, UnknownReportsAre404) {
  EXPECT_EQ(Call("GET", "/api/v1/reports/rpt-nope").status, 404);
  store::ReportRecord marker;
  marker.id = "daily-start";
  marker.kind = "schedule";
  ASSERT_TRUE(store_->InsertReport(marker).ok());
  EXPECT_EQ(Call("GET", "/api/v1/reports/daily-start").status, 404);
}

}  // namespace
}  // namespace sms::management
