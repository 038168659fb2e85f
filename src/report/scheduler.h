#pragma once
// Reporter: computes a report, records it, and queues its mail job on the bus topic "mail";
// used by POST /api/v1/reports and by DailyReports. The job id is the report id, so the mail
// service sends each report at most once however often it is queued.
//
// DailyReports: the report of each calendar day (in the calendar's zone) goes to the admin
// addresses once, at `report_minutes` past midnight of the next day, whatever the number of
// management replicas and across restarts: a replica claims day D by inserting the report
// "daily-D" (the store lets exactly one insert succeed). Days missed while no replica ran are
// sent when one runs again: the last kCatchUpDays at most, never a day that was due before
// the schedule first ran (so a new installation does not mail a week of empty reports).
// A report claimed but never queued (its replica stopped in between, or the bus was down) is
// queued again after kRequeueAfter.
//
// Thread-safe; DailyReports runs Tick on its own thread between Start and Stop.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bus/bus.h"
#include "core/clock.h"
#include "history/history.h"
#include "report/calendar.h"
#include "report/report.h"
#include "store/report_store.h"
#include "store/server_store.h"

namespace sms::report {

struct ReportBackends {
  store::ServerStorePtr servers;  // what a report is computed from
  store::ReportStorePtr reports;  // the reports recorded, and their mail outcomes
  history::HistoryPtr history;
  bus::BusPtr bus;
  ClockPtr clock;
};

// The API's view of a report's summary: {"total","on","off","average_uptime","measured",
// "below_threshold","changed"} (JSON text).
std::string SummaryJson(const Report& report);

class Reporter {
 public:
  Reporter(ReportBackends backends, std::string tmpdir);

  // Computes the report of `window`, records it as `id` (kind "manual" or "daily"), and queues
  // its mail. Conflict (field report_id) when `id` exists; Unavailable when a backend is down
  // before the report was recorded. A report recorded but not queued (the bus refused) is
  // returned all the same, with queued_at 0: Requeue sends it later.
  Result<store::ReportRecord> Send(const std::string& id, const std::string& kind,
                                   const Window& window, const std::vector<std::string>& emails);
  // Recomputes and queues a recorded report whose job never reached the bus.
  Status Requeue(const store::ReportRecord& record);

 private:
  Status Queue(const std::string& id, const Report& report,
               const std::vector<std::string>& emails);

  ReportBackends b_;
  std::string tmpdir_;
};

struct DailyOptions {
  std::vector<std::string> emails;  // --admin-emails; empty: no daily report
  int report_minutes = 5;           // --report-time 00:05
  std::chrono::milliseconds tick{5'000};
  // The first Tick queues again every report of the last kCatchUpDays days that was queued
  // but not mailed: set with an in-process bus, which loses its queue when the process stops.
  bool requeue_unsent = false;
};

class DailyReports {
 public:
  static constexpr int kCatchUpDays = 7;
  static constexpr Millis kRequeueAfter = 60'000;

  DailyReports(DailyOptions options, Calendar calendar, std::shared_ptr<Reporter> reporter,
               ReportBackends backends);
  ~DailyReports();

  // Claims and queues every daily report due as of now, and requeues stranded ones. Returns
  // the ids this call claimed. Unavailable when the store is down (the next tick retries).
  Result<std::vector<std::string>> Tick();

  void Start();
  void Stop();

 private:
  Result<Millis> ScheduleStart();  // when the schedule first ran (recorded once)

  DailyOptions options_;
  Calendar calendar_;
  std::shared_ptr<Reporter> reporter_;
  ReportBackends b_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
  // Tick's memory (Tick runs on one thread at a time): when the schedule started, and the days
  // known to be claimed, by this replica or another, so a tick costs one query when idle.
  std::optional<Millis> start_;
  bool first_tick_ = true;
  std::set<int64_t> settled_;
};

// "HH:MM" -> minutes past midnight. InvalidArgument (field "report_time") otherwise.
Result<int> ParseReportTime(const std::string& text);

}  // namespace sms::report
