// PostgresStore as an AlertStore: channels, rules, alerts and notifications
// (store/alert_store.h). The dispatch transaction is in postgres_alert_dispatch.cc.

#include <string>

#include "store/alert_rows.h"
#include "store/postgres_alert_sql.h"
#include "store/postgres_store.h"

namespace sms::store {
namespace {

const std::string kChannelCols(kChannelColumns);
const std::string kRuleCols(kRuleColumns);
const std::string kAlertCols(kAlertColumns);
const std::string kNoteCols(kNotificationColumns);

const std::string kInsertChannelSql =
    "INSERT INTO alert_channels (" + kChannelCols + ") VALUES ($1, $2, $3, $4, $5, $6)";
const std::string kGetChannelSql = "SELECT " + kChannelCols + " FROM alert_channels WHERE id = $1";
const std::string kListChannelsSql =
    "SELECT " + kChannelCols + " FROM alert_channels ORDER BY name";
const std::string kUpdateChannelSql =
    "UPDATE alert_channels SET name = $2, type = $3, config = $4, updated_at = $5 WHERE id = $1";
const std::string kChannelUsedSql =
    "SELECT 1 FROM alert_rules WHERE position($1 in E'\\n' || channels || E'\\n') > 0";
const std::string kInsertRuleSql =
    "INSERT INTO alert_rules (" + kRuleCols + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
const std::string kGetRuleSql = "SELECT " + kRuleCols + " FROM alert_rules WHERE id = $1";
const std::string kUpdateRuleSql =
    "UPDATE alert_rules SET name = $2, channels = $3, tags = $4, server_ids = $5, events = $6, "
    "after_seconds = $7, repeat_minutes = $8, updated_at = $9 WHERE id = $1";
const std::string kListAlertsSql =
    "SELECT " + kAlertCols + " FROM alerts WHERE state IN " + std::string(kVisibleAlertStates) +
    " AND ($1 = '' OR server_id = $1) AND ($2 = '' OR state = $2) AND since >= $3 "
    "AND ($4 = 0 OR since < $4) ORDER BY since DESC, id DESC LIMIT $5";
const std::string kGetAlertSql =
    "SELECT " + kAlertCols + " FROM alerts WHERE id = $1 AND state <> 'pending'";
const std::string kAckSql =
    "UPDATE alerts SET state = 'acknowledged', acked_at = $2, acked_by = $3, next_repeat_at = 0 "
    "WHERE id = $1 AND state = 'open'";
const std::string kClaimSql =
    "UPDATE alert_notifications SET lease_until = $1 + $2 WHERE id IN (SELECT id FROM "
    "alert_notifications WHERE state = 'pending' AND next_at <= $1 AND lease_until <= $1 "
    "ORDER BY next_at, seq LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING " +
    kNoteCols;
const std::string kFinishSql =
    "UPDATE alert_notifications SET state = $2, attempts = $3, next_at = $4, error = $5, "
    "done_at = $6, lease_until = 0 WHERE id = $1";
const std::string kListDeliveriesSql = "SELECT " + kNoteCols +
                                       " FROM alert_notifications WHERE ($1 = '' OR state = $1) "
                                       "AND ($2 = '' OR alert_id = $2) ORDER BY seq DESC LIMIT $3";

Status NameConflict(Status s, const std::string& name) {
  if (s.code() != Code::kConflict) return s;
  return Status::Conflict("a channel named \"" + name + "\" exists", "name");
}

Status NotFoundUnless(const pqxx::result& r, const std::string& what, const std::string& id) {
  if (r.affected_rows() > 0) return Status::Ok();
  return Status::NotFound(what + " \"" + id + "\" not found");
}

template <typename Record, typename ReadFn>
Result<std::vector<Record>> Records(Result<pqxx::result> rows, ReadFn read) {
  if (!rows.ok()) return rows.status();
  std::vector<Record> out;
  for (const pqxx::row& row : *rows) out.push_back(read(PgRow{row}));
  return out;
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

Status PostgresStore::CreateChannel(const ChannelRecord& c) {
  return NameConflict(Write([&](pqxx::transaction_base& tx, PgConnection& conn) {
                        return ExecPrepared(tx, conn, kInsertChannelSql, c.id, c.name, c.type,
                                            c.config, c.created_at, c.updated_at);
                      }),
                      c.name);
}

Result<ChannelRecord> PostgresStore::GetChannel(const std::string& id) {
  auto found = Records<ChannelRecord>(Read([&](pqxx::transaction_base& tx, PgConnection& conn) {
                                        return ExecPrepared(tx, conn, kGetChannelSql, id);
                                      }),
                                      [](const PgRow& r) { return ReadChannel(r); });
  if (!found.ok()) return found.status();
  if (found->empty()) return Status::NotFound("channel \"" + id + "\" not found");
  return found->front();
}

Result<std::vector<ChannelRecord>> PostgresStore::ListChannels() {
  return Records<ChannelRecord>(Read([&](pqxx::transaction_base& tx, PgConnection& conn) {
                                  return ExecPrepared(tx, conn, kListChannelsSql);
                                }),
                                [](const PgRow& r) { return ReadChannel(r); });
}

Status PostgresStore::UpdateChannel(const ChannelRecord& c) {
  return NameConflict(Write(
                          [&](pqxx::transaction_base& tx, PgConnection& conn) {
                            return ExecPrepared(tx, conn, kUpdateChannelSql, c.id, c.name, c.type,
                                                c.config, c.updated_at);
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
    return ExecPrepared(tx, conn, kInsertRuleSql, r.id, r.name, JoinLines(r.channels),
                        JoinLines(r.tags), JoinLines(r.server_ids), JoinLines(r.events),
                        r.after_seconds, r.repeat_minutes, r.created_at, r.updated_at);
  });
}

Result<RuleRecord> PostgresStore::GetRule(const std::string& id) {
  auto found = Records<RuleRecord>(Read([&](pqxx::transaction_base& tx, PgConnection& conn) {
                                     return ExecPrepared(tx, conn, kGetRuleSql, id);
                                   }),
                                   [](const PgRow& r) { return ReadRule(r); });
  if (!found.ok()) return found.status();
  if (found->empty()) return Status::NotFound("rule \"" + id + "\" not found");
  return found->front();
}

Result<std::vector<RuleRecord>> PostgresStore::ListRules() {
  return Records<RuleRecord>(Read([&](pqxx::transaction_base& tx, PgConnection& conn) {
                               return ExecPrepared(tx, conn, kPgListRulesSql);
                             }),
                             [](const PgRow& r) { return ReadRule(r); });
}

Status PostgresStore::UpdateRule(const RuleRecord& r) {
  return Write(
      [&](pqxx::transaction_base& tx, PgConnection& conn) {
        return ExecPrepared(tx, conn, kUpdateRuleSql, r.id, r.name, JoinLines(r.channels),
                            JoinLines(r.tags), JoinLines(r.server_ids), JoinLines(r.events),
                            r.after_seconds, r.repeat_minutes, r.updated_at);
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
  return Records<AlertRecord>(Read([&](pqxx::transaction_base& tx, PgConnection& conn) {
                                return ExecPrepared(tx, conn, kListAlertsSql, q.server_id, q.state,
                                                    q.from, q.to, q.limit);
                              }),
                              [](const PgRow& r) { return ReadAlert(r); });
}

Result<AlertRecord> PostgresStore::GetAlert(const std::string& id) {
  auto found = Records<AlertRecord>(Read([&](pqxx::transaction_base& tx, PgConnection& conn) {
                                      return ExecPrepared(tx, conn, kGetAlertSql, id);
                                    }),
                                    [](const PgRow& r) { return ReadAlert(r); });
  if (!found.ok()) return found.status();
  if (found->empty()) return Status::NotFound("alert \"" + id + "\" not found");
  return found->front();
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
    out.clear();
    pqxx::work tx(conn.raw());
    for (const pqxx::row& row : ExecPrepared(tx, conn, kClaimSql, now, lease_ms, limit)) {
      out.push_back(ReadNotification(PgRow{row}));
    }
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
  return Records<NotificationRecord>(Read([&](pqxx::transaction_base& tx, PgConnection& conn) {
                                       return ExecPrepared(tx, conn, kListDeliveriesSql, q.state,
                                                           q.alert_id, q.limit);
                                     }),
                                     [](const PgRow& r) { return ReadNotification(r); });
}

}  // namespace sms::store
