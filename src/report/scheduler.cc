#include "report/scheduler.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "core/thread_name.h"
#include "mail/job.h"
#include "report/render.h"

namespace sms::report {
namespace {

namespace json = boost::json;

constexpr const char* kScheduleMarker = "daily-start";

std::string DailyId(Day day) { return "daily-" + FormatDay(day); }

}  // namespace

std::string SummaryJson(const Report& r) {
  json::object o{{"total", r.total},
                 {"on", r.on},
                 {"off", r.off},
                 {"average_uptime", r.measured > 0 ? json::value(r.average_uptime) : nullptr},
                 {"measured", r.measured},
                 {"below_threshold", r.below_total},
                 {"changed", int64_t(r.changed.size())},
                 {"source", SourceName(r.source)}};
  return json::serialize(o);
}

Reporter::Reporter(ReportBackends backends, std::string tmpdir)
    : b_(std::move(backends)), tmpdir_(std::move(tmpdir)) {}

Result<store::ReportRecord> Reporter::Send(const std::string& id, const std::string& kind,
                                           const Window& window,
                                           const std::vector<std::string>& emails) {
  Millis now = b_.clock->Now();
  auto report = ComputeReport(*b_.servers, *b_.history, window, now);
  if (!report.ok()) return report.status();
  store::ReportRecord record;
  record.id = id;
  record.kind = kind;
  record.first_day = FormatDay(window.first);
  record.last_day = FormatDay(window.last);
  record.tz = window.tz;
  record.emails = emails;
  record.summary = SummaryJson(*report);
  record.created_at = now;
  Status inserted = b_.reports->InsertReport(record);
  if (!inserted.ok()) return inserted;
  Status queued = Queue(id, *report, emails);
  if (queued.ok()) {
    record.queued_at = b_.clock->Now();
    queued = b_.reports->MarkReportQueued(id, record.queued_at);
  }
  if (!queued.ok()) {
    record.queued_at = 0;
    spdlog::warn("report {}: recorded, not queued yet (retried within a few minutes): {}", id,
                 queued.ToString());
  }
  return record;
}

Status Reporter::Requeue(const store::ReportRecord& record) {
  auto calendar = Calendar::Make(record.tz);
  if (!calendar.ok()) return calendar.status();
  auto first = ParseDay(record.first_day, "first_day");
  auto last = ParseDay(record.last_day, "last_day");
  if (!first.ok()) return first.status();
  if (!last.ok()) return last.status();
  auto report = ComputeReport(*b_.servers, *b_.history, MakeWindow(*calendar, *first, *last),
                              b_.clock->Now());
  if (!report.ok()) return report.status();
  Status queued = Queue(record.id, *report, record.emails);
  if (!queued.ok()) return queued;
  return b_.reports->MarkReportQueued(record.id, b_.clock->Now());
}

Status Reporter::Queue(const std::string& id, const Report& report,
                       const std::vector<std::string>& emails) {
  auto job = ReportJob(report, id, emails, tmpdir_);
  if (!job.ok()) return job.status();
  return b_.bus->Publish(bus::kMailTopic, id, mail::EncodeJob(*job));
}

DailyReports::DailyReports(DailyOptions options, Calendar calendar,
                           std::shared_ptr<Reporter> reporter, ReportBackends backends)
    : options_(std::move(options)),
      calendar_(std::move(calendar)),
      reporter_(std::move(reporter)),
      b_(std::move(backends)) {}

DailyReports::~DailyReports() { Stop(); }

Result<Millis> DailyReports::ScheduleStart() {
  store::ReportRecord marker;
  marker.id = kScheduleMarker;
  marker.kind = "schedule";
  marker.tz = calendar_.tz();
  marker.summary = "{}";
  marker.created_at = b_.clock->Now();
  marker.queued_at = marker.created_at;  // nothing to queue
  Status s = b_.reports->InsertReport(marker);
  if (!s.ok() && s.code() != Code::kConflict) return s;
  auto recorded = b_.reports->GetReport(kScheduleMarker);
  if (!recorded.ok()) return recorded.status();
  return recorded->created_at;
}

Result<std::vector<std::string>> DailyReports::Tick() {
  std::vector<std::string> claimed;
  Millis now = b_.clock->Now();
  auto stranded = b_.reports->UnqueuedReports(now - kRequeueAfter, 10);
  if (!stranded.ok()) return stranded.status();
  if (first_tick_ && options_.requeue_unsent) {
    auto unsent = b_.reports->UnsentReports(now - kCatchUpDays * 86'400'000, 1000);
    if (!unsent.ok()) return unsent.status();
    stranded->insert(stranded->end(), unsent->begin(), unsent->end());
  }
  first_tick_ = false;
  for (const store::ReportRecord& r : *stranded) {
    Status s = reporter_->Requeue(r);
    if (!s.ok()) spdlog::warn("report {}: queueing again failed: {}", r.id, s.ToString());
  }
  if (options_.emails.empty()) return claimed;
  if (!start_) {
    auto start = ScheduleStart();
    if (!start.ok()) return start.status();
    start_ = *start;
  }
  Day today = calendar_.DayOf(now);
  for (Day d = today - kCatchUpDays; d < today; d = d + 1) {
    Millis due = calendar_.At(d + 1, options_.report_minutes);
    if (due > now || due < *start_ || settled_.count(d.days)) continue;
    auto sent = reporter_->Send(DailyId(d), "daily", MakeWindow(calendar_, d, d), options_.emails);
    if (sent.ok()) {
      claimed.push_back(sent->id);
      spdlog::info("report {}: daily report for {} queued to {} addresses", sent->id,
                   FormatDay(d), options_.emails.size());
    } else if (sent.status().code() != Code::kConflict) {  // Conflict: claimed elsewhere
      return sent.status();
    }
    settled_.insert(d.days);
  }
  while (!settled_.empty() && *settled_.begin() < (today - kCatchUpDays).days) {
    settled_.erase(settled_.begin());
  }
  return claimed;
}

void DailyReports::Start() {
  thread_ = std::thread([this] {
    NameThisThread("sms-reports");
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      auto r = Tick();
      if (!r.ok()) spdlog::warn("daily report: {} (retried)", r.status().ToString());
      lock.lock();
      cv_.wait_for(lock, options_.tick, [this] { return stopping_; });
    }
  });
}

void DailyReports::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<int> ParseReportTime(const std::string& text) {
  auto bad = Status::InvalidArgument("report time must be HH:MM (00:00 to 23:59)", "report_time");
  if (text.size() != 5 || text[2] != ':') return bad;
  for (int i : {0, 1, 3, 4}) {
    if (text[i] < '0' || text[i] > '9') return bad;
  }
  int h = (text[0] - '0') * 10 + (text[1] - '0'), m = (text[3] - '0') * 10 + (text[4] - '0');
  if (h > 23 || m > 59) return bad;
  return h * 60 + m;
}

}  // namespace sms::report
