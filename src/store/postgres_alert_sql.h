#pragma once
// SQL helpers of PostgresStore's alert tables (internal to src/store): shared by
// postgres_alerts.cc and postgres_alert_dispatch.cc.

#include <functional>
#include <string>

#include "store/alert_rows.h"
#include "store/postgres_connection.h"

namespace sms::store {

// A libpqxx row as the readers of alert_rows.h take it.
struct PgRow {
  const pqxx::row& row;
  int64_t Int(int column) const { return row[column].as<int64_t>(); }
  std::string Text(int column) const { return row[column].as<std::string>(); }
};

// One statement run in a transaction the caller opened.
using PgStatement = std::function<pqxx::result(pqxx::transaction_base&, PgConnection&)>;

inline const std::string kPgListRulesSql =
    "SELECT " + std::string(kRuleColumns) + " FROM alert_rules ORDER BY seq";

// Inserts or replaces alert `a` (by id).
void UpsertPgAlert(pqxx::transaction_base& tx, PgConnection& conn, const AlertRecord& a);

// Inserts `n`; true when it went in, false when its key is taken.
bool InsertPgNotification(pqxx::transaction_base& tx, PgConnection& conn,
                          const NotificationRecord& n);

}  // namespace sms::store
