// SqliteStore: reports and mail outcomes (small tables, one statement per call).

#include "store/list_column.h"
#include "store/sqlite_store.h"

namespace sms::store {
namespace {

constexpr const char* kReportColumns =
    "id, kind, first_day, last_day, tz, emails, summary, created_at, queued_at";

ReportRecord ReadReport(const Statement& st) {
  ReportRecord r;
  r.id = st.Text(0);
  r.kind = st.Text(1);
  r.first_day = st.Text(2);
  r.last_day = st.Text(3);
  r.tz = st.Text(4);
  r.emails = SplitColumn(st.Text(5), '\n');
  r.summary = st.Text(6);
  r.created_at = st.Int(7);
  r.queued_at = st.Int(8);
  return r;
}

}  // namespace

Status SqliteStore::InsertReport(const ReportRecord& report) {
  std::string emails = JoinColumn(report.emails, '\n');
  Status s = WithWriter([&](Connection& conn) {
    Result<Statement> st = conn.Prepare(std::string("INSERT INTO reports (") + kReportColumns +
                                        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st.ok()) return st.status();
    st->Bind(1, report.id).Bind(2, report.kind).Bind(3, report.first_day);
    st->Bind(4, report.last_day).Bind(5, report.tz).Bind(6, emails).Bind(7, report.summary);
    st->Bind(8, report.created_at).Bind(9, report.queued_at);
    return st->Run();
  });
  if (s.code() == Code::kConflict) {
    return Status::Conflict("report \"" + report.id + "\" exists", "report_id");
  }
  return s;
}

Result<ReportRecord> SqliteStore::GetReport(const std::string& id) {
  std::optional<ReportRecord> found;
  Status s = WithReader([&](Connection& conn) {
    Result<Statement> st = conn.Prepare(std::string("SELECT ") + kReportColumns +
                                        " FROM reports WHERE id = ?");
    if (!st.ok()) return st.status();
    st->Bind(1, id);
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (*row) found = ReadReport(*st);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (!found) return Status::NotFound("report \"" + id + "\" not found");
  return *found;
}

Status SqliteStore::MarkReportQueued(const std::string& id, Millis at) {
  bool updated = false;
  Status s = WithWriter([&](Connection& conn) {
    Result<Statement> st = conn.Prepare("UPDATE reports SET queued_at = ? WHERE id = ?");
    if (!st.ok()) return st.status();
    st->Bind(1, at).Bind(2, id);
    Status run = st->Run();
    updated = run.ok() && conn.Changes() > 0;
    return run;
  });
  if (!s.ok()) return s;
  return updated ? Status::Ok() : Status::NotFound("report \"" + id + "\" not found");
}

Result<std::vector<ReportRecord>> SqliteStore::UnqueuedReports(Millis before, int limit) {
  return SelectReports("queued_at = 0 AND created_at < ?", before, limit);
}

Result<std::vector<ReportRecord>> SqliteStore::UnsentReports(Millis since, int limit) {
  return SelectReports(
      "queued_at > 0 AND created_at > ? AND id NOT IN (SELECT id FROM mail_outcomes)", since,
      limit);
}

Result<std::vector<ReportRecord>> SqliteStore::SelectReports(const char* where, Millis at,
                                                             int limit) {
  std::vector<ReportRecord> out;
  Status s = WithReader([&](Connection& conn) {
    Result<Statement> st = conn.Prepare(std::string("SELECT ") + kReportColumns +
                                        " FROM reports WHERE " + where +
                                        " ORDER BY created_at LIMIT ?");
    if (!st.ok()) return st.status();
    st->Bind(1, at).Bind(2, int64_t(limit));
    for (;;) {
      Result<bool> row = st->Step();
      if (!row.ok()) return row.status();
      if (!*row) return Status::Ok();
      out.push_back(ReadReport(*st));
    }
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::optional<MailOutcome>> SqliteStore::GetMailOutcome(const std::string& id) {
  std::optional<MailOutcome> found;
  Status s = WithReader([&](Connection& conn) {
    Result<Statement> st =
        conn.Prepare("SELECT outcome, error, attempts, at FROM mail_outcomes WHERE id = ?");
    if (!st.ok()) return st.status();
    st->Bind(1, id);
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (*row) found = MailOutcome{st->Text(0), st->Text(1), int(st->Int(2)), st->Int(3)};
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return found;
}

Status SqliteStore::PutMailOutcome(const std::string& id, const MailOutcome& outcome) {
  return WithWriter([&](Connection& conn) {
    Result<Statement> st = conn.Prepare(
        "INSERT INTO mail_outcomes (id, outcome, error, attempts, at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET outcome = excluded.outcome, error = excluded.error, "
        "attempts = excluded.attempts, at = excluded.at");
    if (!st.ok()) return st.status();
    st->Bind(1, id).Bind(2, outcome.outcome).Bind(3, outcome.error);
    st->Bind(4, int64_t(outcome.attempts)).Bind(5, outcome.at);
    return st->Run();
  });
}

}  // namespace sms::store
