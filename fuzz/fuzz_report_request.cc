// Fuzzes ParseReportRequest (report/report.h), the body of POST /api/v1/reports, against two
// calendars: the default zone and one with daylight saving time. Properties: nothing crashes
// or hits UB; an accepted request spans 1..366 days ending no later than today, its window
// runs forward, and it lists 1..20 distinct valid addresses; a rejection names the member at
// fault (or "body").

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "fuzz_check.h"
#include "mail/mime.h"
#include "report/report.h"

namespace {

using sms::fuzz::Require;
using sms::report::Calendar;

constexpr sms::Millis kNow = 1'795'845'600'000;  // 2026-11-28T06:00:00Z

const Calendar& Zone(const char* tz) {
  static std::map<std::string, std::unique_ptr<Calendar>> calendars;
  auto& slot = calendars[tz];
  if (!slot) {
    sms::Result<Calendar> made = Calendar::Make(tz);
    Require(made.ok(), "the tz database lacks a zone the fuzzer uses");
    slot = std::make_unique<Calendar>(std::move(made).value());
  }
  return *slot;
}

// The member a rejection must name: the first unknown member of a JSON object body, else one of
// the request's members or "body".
void CheckRejected(std::string_view body, const sms::Status& status) {
  Require(status.code() == sms::Code::kInvalidArgument, "rejected, not InvalidArgument");
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (!ec && v.is_object()) {
    for (const auto& member : v.get_object()) {
      std::string_view key = member.key();
      if (key != "start" && key != "end" && key != "emails") {
        Require(status.field() == key, "an unknown member is not the field named");
        return;
      }
    }
  }
  const std::string& f = status.field();
  Require(f == "start" || f == "end" || f == "emails" || f == "body",
          "a rejection names no member of the request");
}

void CheckAccepted(const sms::report::ReportRequest& r, const Calendar& calendar) {
  const sms::report::Window& w = r.window;
  Require(w.first <= w.last, "start after end");
  Require(w.last.days - w.first.days < sms::report::kMaxSpanDays, "a span over 366 days");
  Require(w.last <= calendar.DayOf(kNow), "a report ending after today");
  Require(w.from < w.to, "a window that does not run forward");
  Require(w.from == calendar.StartOf(w.first) && w.to == calendar.StartOf(w.last + 1),
          "a window that is not its days");
  Require(w.tz == calendar.tz(), "a window in another zone");
  Require(!r.emails.empty() && r.emails.size() <= sms::report::kMaxRecipients,
          "not 1..20 recipients");
  std::set<std::string> distinct(r.emails.begin(), r.emails.end());
  Require(distinct.size() == r.emails.size(), "a recipient listed twice");
  for (const std::string& e : r.emails) {
    Require(sms::mail::ValidateAddress(e, "emails").ok(), "an invalid address accepted");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body = sms::fuzz::AsText(data, size);
  for (const char* tz : {"Asia/Ho_Chi_Minh", "America/New_York"}) {
    const Calendar& calendar = Zone(tz);
    sms::Result<sms::report::ReportRequest> r =
        sms::report::ParseReportRequest(body, calendar, kNow);
    if (r.ok()) {
      CheckAccepted(*r, calendar);
    } else {
      CheckRejected(body, r.status());
    }
  }
  return 0;
}
