#include "roles/management/reports_api.h"

#include <boost/json.hpp>

#include "auth/scopes.h"
#include "core/heartbeat.h"
#include "core/time.h"
#include "report/scheduler.h"

namespace sms::management {
namespace {

namespace json = boost::json;

constexpr size_t kReportBodyLimit = 16 * 1024;

json::value ParsedSummary(const std::string& summary) {
  boost::system::error_code ec;
  json::value v = json::parse(summary, ec);
  return ec ? json::value(json::object()) : v;
}

json::object ReportJson(const store::ReportRecord& r) {
  json::array emails;
  for (const std::string& e : r.emails) emails.emplace_back(e);
  return json::object{{"report_id", r.id},
                      {"kind", r.kind},
                      {"start", r.first_day},
                      {"end", r.last_day},
                      {"tz", r.tz},
                      {"emails", std::move(emails)},
                      {"summary", ParsedSummary(r.summary)},
                      {"created_at", FormatTime(r.created_at)},
                      {"status", "queued"}};
}

http::Response Unconfigured() {
  return http::ErrorResponse(Status::Unavailable("reports need the bus and a time zone here"));
}

http::Response Post(const ManagementBackends& b, const http::Request& req) {
  if (!b.reporter || !b.calendar) return Unconfigured();
  auto asked = report::ParseReportRequest(req.body, *b.calendar, b.clock->Now());
  if (!asked.ok()) return http::ErrorResponse(asked.status());
  auto sent = b.reporter->Send("rpt-" + NewHeartbeatId(), "manual", asked->window, asked->emails);
  if (!sent.ok()) return http::ErrorResponse(sent.status());
  http::Response r = http::JsonResponse(202, json::serialize(ReportJson(*sent)));
  r.headers.emplace_back("Location", "/api/v1/reports/" + sent->id);
  return r;
}

http::Response Get(const ManagementBackends& b, const http::Request& req) {
  const std::string& id = req.params.at("report_id");
  auto record = b.store->GetReport(id);
  if (record.ok() && record->kind != "manual" && record->kind != "daily") {
    record = Status::NotFound("report \"" + id + "\" not found");  // the schedule's own marker
  }
  if (!record.ok()) return http::ErrorResponse(record.status());
  auto outcome = b.store->GetMailOutcome(id);
  if (!outcome.ok()) return http::ErrorResponse(outcome.status());
  json::object body = ReportJson(*record);
  if (outcome->has_value()) {
    const store::MailOutcome& o = **outcome;
    body["status"] = o.outcome;
    body["attempts"] = o.attempts;
    body[o.outcome == "sent" ? "sent_at" : "failed_at"] = FormatTime(o.at);
    if (!o.error.empty()) body["error"] = o.error;
  }
  return http::JsonResponse(200, json::serialize(body));
}

}  // namespace

void RegisterReports(http::Router& router, const ManagementBackends& backends) {
  router.Add(
      "POST", "/api/v1/reports", auth::kReportsSend,
      [backends](http::Request& req) { return Post(backends, req); }, kReportBodyLimit);
  router.Add("GET", "/api/v1/reports/{report_id}", auth::kReportsRead,
             [backends](http::Request& req) { return Get(backends, req); });
}

}  // namespace sms::management
