#pragma once
// ReportStore: the reports asked for or scheduled, and what became of each mail job (the mail
// service's outcomes, by job id). A narrow interface of Store (store.h): the report scheduler,
// the reports API and the mail service see only this. Implementations: SqliteStore,
// PostgresStore. Every method is thread-safe.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace sms::store {

// A report as recorded: what was asked and when, and whether its mail job is on the bus.
struct ReportRecord {
  std::string id;         // "rpt-…" (asked for), "daily-YYYY-MM-DD" (scheduled)
  std::string kind;       // "manual", "daily"
  std::string first_day;  // YYYY-MM-DD in `tz`
  std::string last_day;
  std::string tz;
  std::vector<std::string> emails;
  std::string summary;  // JSON object, as the API shows it
  Millis created_at = 0;
  Millis queued_at = 0;  // 0: its mail job is not on the bus yet
};

// What became of one mail job (the mail service's record, by job id).
struct MailOutcome {
  std::string outcome;  // "sent", "failed"
  std::string error;    // the last delivery error when failed
  int attempts = 0;
  Millis at = 0;
};

class ReportStore {
 public:
  virtual ~ReportStore() = default;
  ReportStore() = default;
  ReportStore(const ReportStore&) = delete;
  ReportStore& operator=(const ReportStore&) = delete;

  // Records a report. Conflict (field "report_id") when the id exists: the conditional insert
  // by which one replica, and only one, claims a scheduled report by its deterministic id.
  virtual Status InsertReport(const ReportRecord& report) = 0;
  // NotFound when absent.
  virtual Result<ReportRecord> GetReport(const std::string& id) = 0;
  // Notes that the report's mail job is on the bus. NotFound when absent.
  virtual Status MarkReportQueued(const std::string& id, Millis at) = 0;
  // Reports created before `before` whose mail job was never queued (a replica stopped between
  // claiming and queueing), oldest first, at most `limit`.
  virtual Result<std::vector<ReportRecord>> UnqueuedReports(Millis before, int limit) = 0;
  // Reports created after `since` whose mail job was queued but has no outcome yet, oldest
  // first, at most `limit`: what an in-process bus lost when its process stopped.
  virtual Result<std::vector<ReportRecord>> UnsentReports(Millis since, int limit) = 0;
  // What became of mail job `id`; nullopt when nothing is recorded.
  virtual Result<std::optional<MailOutcome>> GetMailOutcome(const std::string& id) = 0;
  // Records (or replaces) the outcome of mail job `id`.
  virtual Status PutMailOutcome(const std::string& id, const MailOutcome& outcome) = 0;
};

using ReportStorePtr = std::shared_ptr<ReportStore>;

}  // namespace sms::store
