#pragma once
// SQL helpers of PostgresStore's alert tables (internal to src/store): shared by
// postgres_alerts.cc and postgres_alert_dispatch.cc. The tables are store/alert_rows.h.

#include <functional>
#include <string>
#include <vector>

#include "store/alert_rows.h"
#include "store/postgres_connection.h"

namespace sms::store {

// A libpqxx row as the readers of row_table.h take it.
struct PgRow {
  const pqxx::row& row;
  int64_t Int(int column) const { return row[column].as<int64_t>(); }
  std::string Text(int column) const { return row[column].as<std::string>(); }
};

// One statement run in a transaction the caller opened.
using PgStatement = std::function<pqxx::result(pqxx::transaction_base&, PgConnection&)>;

// Runs prepared `sql` with `values` bound to $1, $2, … (as text, as libpqxx sends every value).
inline pqxx::result ExecValues(pqxx::transaction_base& tx, PgConnection& conn,
                               const std::string& sql, const std::vector<SqlValue>& values) {
  std::vector<std::string> text;
  for (const SqlValue& v : values) {
    text.push_back(std::holds_alternative<int64_t>(v) ? std::to_string(std::get<int64_t>(v))
                                                      : std::get<std::string>(v));
  }
  return tx.exec_prepared(conn.Prepared(sql), pqxx::prepare::make_dynamic_params(text));
}

// The records of `table` in `rows` (selected with its columns, in order).
template <typename Table>
std::vector<RecordOf<Table>> PgRecords(const pqxx::result& rows, const Table& table) {
  std::vector<RecordOf<Table>> out;
  for (const pqxx::row& row : rows) out.push_back(ReadRow(PgRow{row}, table));
  return out;
}

// Inserts or replaces alert `a` (by id).
void UpsertPgAlert(pqxx::transaction_base& tx, PgConnection& conn, const AlertRecord& a);

// Inserts `n`; true when it went in, false when its key is taken.
bool InsertPgNotification(pqxx::transaction_base& tx, PgConnection& conn,
                          const NotificationRecord& n);

}  // namespace sms::store
