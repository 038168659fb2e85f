// PostgresStore as an AlertStore: channels, rules, alerts and notifications
// (store/alert_store.h). The dispatch transaction is in postgres_alert_dispatch.cc.

#include <string>

#include "store/alert_rows.h"
#include "store/postgres_alert_sql.h"
#include "store/postgres_store.h"

namespace sms::store {
namespace {

const ChannelRuleSql kSql('$');
const std::string kChannelUsedSql =
    "SELECT 1 FROM alert_rules WHERE position($1 in E'\\n' || channels || E'\\n') > 0";
const std::string kListAlertsSql =
    SelectFrom("alerts", kAlertTable) + "WHERE state IN " + std::string(kVisibleAlertStates) +
    " AND ($1 = '' OR server_id = $1) AND ($2 = '' OR state = $2) AND since >= $3 "
    "AND ($4 = 0 OR since < $4) ORDER BY since DESC, id DESC LIMIT $5";
const std::string kGetAlertSql =
    SelectFrom("alerts", kAlertTable) + "WHERE id = $1 AND state <> 'pending'";
const std::string kAckSql =
    "UPDATE alerts SET state = 'acknowledged', acked_at = $2, acked_by = $3, next_repeat_at = 0 "
    "WHERE id = $1 AND state = 'open'";
const std::string kClaimSql =
    "UPDATE alert_notifications SET lease_until = $1 + $2 WHERE id IN (SELECT id FROM "
    "alert_notifications WHERE state = 'pending' AND next_at <= $1 AND lease_until <= $1 "
    "ORDER BY next_at, seq LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING " +
    ColumnList(kNotificationTable);
const std::string kFinishSql =
    "UPDATE alert_notifications SET state = $2, attempts = $3, next_at = $4, error = $5, "
    "done_at = $6, lease_until = 0 WHERE id = $1";
const std::string kListDeliveriesSql =
    SelectFrom("alert_notifications", kNotificationTable) +
    "WHERE ($1 = '' OR state = $1) AND ($2 = '' OR alert_id = $2) ORDER BY seq DESC LIMIT $3";

Status NotFoundUnless(const pqxx::result& r, const std::string& what, const std::string& id) {
  return store::NotFoundUnless(r.affected_rows() > 0, what, id);
}

template <typename Table>
Result<std::vector<RecordOf<Table>>> Records(Result<pqxx::result> rows, const Table& table) {
  if (!rows.ok()) return rows.status();
  return PgRecords(*rows, table);
}

}  // namespace

Result<pqxx::result> PostgresStore::Read(const PgStatement& run) {
  pqxx::result out;
  Status s = pool_.Run([&](PgConnection& conn) {
    pqxx::nontransaction tx(conn.raw());
    out = run(tx, conn);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Status PostgresStore::Write(const PgStatement& run, const std::string& what,
                            const std::string& id) {
  return pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    pqxx::result r = run(tx, conn);
    if (!what.empty()) {
      if (Status s = NotFoundUnless(r, what, id); !s.ok()) return s;
    }
    tx.commit();
    return Status::Ok();
  });
}

template <typename Table>
auto PostgresStore::Select(const std::string& sql, const std::vector<SqlValue>& params,
                           const Table& table) {
  return Records(Read([&](pqxx::transaction_base& tx, PgConnection& conn) {
                   return ExecValues(tx, conn, sql, params);
                 }),
                 table);
}

Status PostgresStore::CreateChannel(const ChannelRecord& c) {
  return ChannelNameConflict(Write([&](pqxx::transaction_base& tx, PgConnection& conn) {
                               return ExecValues(tx, conn, kSql.insert_channel,
                                                 RowValues(c, kChannelTable));
                             }),
                             c.name);
}

Result<ChannelRecord> PostgresStore::GetChannel(const std::string& id) {
  return FirstOrNotFound(Select(kSql.get_channel, {id}, kChannelTable), "channel", id);
}

Result<std::vector<ChannelRecord>> PostgresStore::ListChannels() {
  return Select(kListChannelsSql, {}, kChannelTable);
}

Status PostgresStore::UpdateChannel(const ChannelRecord& c) {
  return ChannelNameConflict(Write(
                                 [&](pqxx::transaction_base& tx, PgConnection& conn) {
                                   return ExecValues(tx, conn, kSql.update_channel,
                                                     RowValues(c, kChannelUpdate));
                                 },
                                 "channel", c.id),
                             c.name);
}

Status PostgresStore::DeleteChannel(const std::string& id) {
  return pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    // Rules and channels change rarely: one lock keeps a rule from naming a channel going away.
    tx.exec("LOCK TABLE alert_rules IN SHARE ROW EXCLUSIVE MODE");
    if (!ExecPrepared(tx, conn, kChannelUsedSql, "\n" + id + "\n").empty()) {
      return Status::Conflict("a rule sends to channel \"" + id + "\"", "channel_id");
    }
    pqxx::result r = ExecPrepared(tx, conn, "DELETE FROM alert_channels WHERE id = $1", id);
    if (Status s = NotFoundUnless(r, "channel", id); !s.ok()) return s;
    tx.commit();
    return Status::Ok();
  });
}

Status PostgresStore::CreateRule(const RuleRecord& r) {
  return Write([&](pqxx::transaction_base& tx, PgConnection& conn) {
    return ExecValues(tx, conn, kSql.insert_rule, RowValues(r, kRuleTable));
  });
}

Result<RuleRecord> PostgresStore::GetRule(const std::string& id) {
  return FirstOrNotFound(Select(kSql.get_rule, {id}, kRuleTable), "rule", id);
}

Result<std::vector<RuleRecord>> PostgresStore::ListRules() {
  return Select(kListRulesSql, {}, kRuleTable);
}

Status PostgresStore::UpdateRule(const RuleRecord& r) {
  return Write(
      [&](pqxx::transaction_base& tx, PgConnection& conn) {
        return ExecValues(tx, conn, kSql.update_rule, RowValues(r, kRuleUpdate));
      },
      "rule", r.id);
}

Status PostgresStore::DeleteRule(const std::string& id) {
  return Write(
      [&](pqxx::transaction_base& tx, PgConnection& conn) {
        return ExecPrepared(tx, conn, "DELETE FROM alert_rules WHERE id = $1", id);
      },
      "rule", id);
}

Result<std::vector<AlertRecord>> PostgresStore::ListAlerts(const AlertQuery& q) {
  return Select(kListAlertsSql, {q.server_id, q.state, q.from, q.to, int64_t{q.limit}},
                kAlertTable);
}

Result<AlertRecord> PostgresStore::GetAlert(const std::string& id) {
  return FirstOrNotFound(Select(kGetAlertSql, {id}, kAlertTable), "alert", id);
}

Result<AlertRecord> PostgresStore::AckAlert(const std::string& id, const std::string& by,
                                            Millis now) {
  Status s = Write([&](pqxx::transaction_base& tx, PgConnection& conn) {
    return ExecPrepared(tx, conn, kAckSql, id, now, by);
  });
  if (!s.ok()) return s;
  return GetAlert(id);
}

Status PostgresStore::EnqueueNotification(const NotificationRecord& n) {
  bool added = false;
  Status s = pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    added = InsertPgNotification(tx, conn, n);
    tx.commit();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (!added) return Status::Conflict("notification \"" + n.key + "\" exists", "key");
  return Status::Ok();
}

Result<std::vector<NotificationRecord>> PostgresStore::ClaimDeliveries(Millis now, Millis lease_ms,
                                                                       int limit) {
  std::vector<NotificationRecord> out;
  Status s = pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    out = PgRecords(ExecPrepared(tx, conn, kClaimSql, now, lease_ms, limit), kNotificationTable);
    tx.commit();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  std::sort(out.begin(), out.end(), [](const NotificationRecord& a, const NotificationRecord& b) {
    return a.next_at < b.next_at;
  });
  return out;
}

Status PostgresStore::FinishDelivery(const std::string& id, const DeliveryOutcome& o) {
  Millis done = o.state == "pending" ? 0 : o.at;
  return Write(
      [&](pqxx::transaction_base& tx, PgConnection& conn) {
        return ExecPrepared(tx, conn, kFinishSql, id, o.state, o.attempts, o.next_at, o.error,
                            done);
      },
      "notification", id);
}

Result<std::vector<NotificationRecord>> PostgresStore::ListDeliveries(const DeliveryQuery& q) {
  return Select(kListDeliveriesSql, {q.state, q.alert_id, int64_t{q.limit}}, kNotificationTable);
}

}  // namespace sms::store
