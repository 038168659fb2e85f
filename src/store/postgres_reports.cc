// PostgresStore: reports and mail outcomes (small tables, one statement per call).

#include "store/postgres_store.h"
#include "store/list_column.h"

namespace sms::store {
namespace {

const std::string kColumns =
    "id, kind, first_day, last_day, tz, emails, summary, created_at, queued_at";
const std::string kInsertSql = "INSERT INTO reports (" + kColumns +
                               ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
const std::string kGetSql = "SELECT " + kColumns + " FROM reports WHERE id = $1";
const std::string kQueuedSql = "UPDATE reports SET queued_at = $2 WHERE id = $1 RETURNING id";
const std::string kUnqueuedSql = "SELECT " + kColumns +
                                 " FROM reports WHERE queued_at = 0 AND created_at < $1 "
                                 "ORDER BY created_at LIMIT $2";
const std::string kUnsentSql = "SELECT " + kColumns +
                               " FROM reports r WHERE queued_at > 0 AND created_at > $1 AND "
                               "NOT EXISTS (SELECT 1 FROM mail_outcomes m WHERE m.id = r.id) "
                               "ORDER BY created_at LIMIT $2";
const std::string kGetOutcomeSql =
    "SELECT outcome, error, attempts, at FROM mail_outcomes WHERE id = $1";
const std::string kPutOutcomeSql =
    "INSERT INTO mail_outcomes (id, outcome, error, attempts, at) VALUES ($1, $2, $3, $4, $5) "
    "ON CONFLICT (id) DO UPDATE SET outcome = excluded.outcome, error = excluded.error, "
    "attempts = excluded.attempts, at = excluded.at";

ReportRecord ReadReport(const pqxx::row& row) {
  ReportRecord r;
  r.id = row[0].as<std::string>();
  r.kind = row[1].as<std::string>();
  r.first_day = row[2].as<std::string>();
  r.last_day = row[3].as<std::string>();
  r.tz = row[4].as<std::string>();
  r.emails = SplitColumn(row[5].as<std::string>(), '\n');
  r.summary = row[6].as<std::string>();
  r.created_at = row[7].as<int64_t>();
  r.queued_at = row[8].as<int64_t>();
  return r;
}

}  // namespace

Status PostgresStore::InsertReport(const ReportRecord& r) {
  Status s = pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    ExecPrepared(tx, conn, kInsertSql, r.id, r.kind, r.first_day, r.last_day, r.tz,
                 JoinColumn(r.emails, '\n'), r.summary, r.created_at, r.queued_at);
    tx.commit();
    return Status::Ok();
  });
  if (s.code() == Code::kConflict) {
    return Status::Conflict("report \"" + r.id + "\" exists", "report_id");
  }
  return s;
}

Result<ReportRecord> PostgresStore::GetReport(const std::string& id) {
  std::optional<ReportRecord> found;
  Status s = pool_.Run([&](PgConnection& conn) {
    pqxx::nontransaction tx(conn.raw());
    pqxx::result r = ExecPrepared(tx, conn, kGetSql, id);
    if (!r.empty()) found = ReadReport(r[0]);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (!found) return Status::NotFound("report \"" + id + "\" not found");
  return *found;
}

Status PostgresStore::MarkReportQueued(const std::string& id, Millis at) {
  return pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    pqxx::result r = ExecPrepared(tx, conn, kQueuedSql, id, at);
    if (r.empty()) return Status::NotFound("report \"" + id + "\" not found");
    tx.commit();
    return Status::Ok();
  });
}

Result<std::vector<ReportRecord>> PostgresStore::UnqueuedReports(Millis before, int limit) {
  return SelectReports(kUnqueuedSql, before, limit);
}

Result<std::vector<ReportRecord>> PostgresStore::UnsentReports(Millis since, int limit) {
  return SelectReports(kUnsentSql, since, limit);
}

Result<std::vector<ReportRecord>> PostgresStore::SelectReports(const std::string& sql, Millis at,
                                                               int limit) {
  std::vector<ReportRecord> out;
  Status s = pool_.Run([&](PgConnection& conn) {
    out.clear();
    pqxx::nontransaction tx(conn.raw());
    for (const pqxx::row& row : ExecPrepared(tx, conn, sql, at, limit)) {
      out.push_back(ReadReport(row));
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::optional<MailOutcome>> PostgresStore::GetMailOutcome(const std::string& id) {
  std::optional<MailOutcome> found;
  Status s = pool_.Run([&](PgConnection& conn) {
    pqxx::nontransaction tx(conn.raw());
    pqxx::result r = ExecPrepared(tx, conn, kGetOutcomeSql, id);
    if (!r.empty()) {
      found = MailOutcome{r[0][0].as<std::string>(), r[0][1].as<std::string>(),
                          r[0][2].as<int>(), r[0][3].as<int64_t>()};
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return found;
}

Status PostgresStore::PutMailOutcome(const std::string& id, const MailOutcome& o) {
  return pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    ExecPrepared(tx, conn, kPutOutcomeSql, id, o.outcome, o.error, o.attempts, o.at);
    tx.commit();
    return Status::Ok();
  });
}

}  // namespace sms::store
