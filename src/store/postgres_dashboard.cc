// PostgresStore's dashboard queries: the live feed, transitions by their commit-order seq
// (migrations_pg/0010_dashboard.sql explains why not by id), and the overview's rollups.

#include "store/postgres_connection.h"
#include "store/postgres_store.h"

namespace sms::store {
namespace {

// The rows of one read-only statement, each turned into a T by `read`.
template <typename T, typename Read, typename... Args>
Result<std::vector<T>> ReadAll(PgPool& pool, const std::string& sql, Read read, Args... args) {
  std::vector<T> out;
  Status status = pool.Run([&](PgConnection& conn) {
    pqxx::read_transaction tx(conn.raw());
    out.clear();
    for (const pqxx::row& row : ExecPrepared(tx, conn, sql, args...)) out.push_back(read(row));
    tx.commit();
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return out;
}

}  // namespace

Result<std::vector<FeedEvent>> PostgresStore::EventsAfter(int64_t after, int limit) {
  static const std::string kAfter =
      "SELECT e.seq, s.server_id, s.server_name, e.status, e.at, e.cause "
      "FROM status_events e JOIN servers s ON s.id = e.server "
      "WHERE e.seq > $1 ORDER BY e.seq LIMIT $2";
  return ReadAll<FeedEvent>(
      pool_, kAfter,
      [](const pqxx::row& row) {
        FeedEvent e;
        e.seq = row[0].as<int64_t>();
        e.server_id = row[1].as<std::string>();
        e.server_name = row[2].as<std::string>();
        e.status = row[3].as<int>() != 0 ? ServerStatus::kOn : ServerStatus::kOff;
        e.at = row[4].as<int64_t>();
        e.cause = row[5].as<std::string>();
        return e;
      },
      after, int64_t{limit});
}

Result<int64_t> PostgresStore::LastEventSeq() {
  // The index's last entry; a seq is set only once its transaction commits.
  static const std::string kLast =
      "SELECT coalesce(max(seq), 0) FROM status_events WHERE seq IS NOT NULL";
  auto last =
      ReadAll<int64_t>(pool_, kLast, [](const pqxx::row& row) { return row[0].as<int64_t>(); });
  if (!last.ok()) return last.status();
  return last->at(0);
}

namespace {

// One statement in its own transaction (the rollups' single-row writes).
template <typename... Args>
Status WriteOne(PgPool& pool, const std::string& sql, Args... args) {
  return pool.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    ExecPrepared(tx, conn, sql, args...);
    tx.commit();
    return Status::Ok();
  });
}

}  // namespace

Status PostgresStore::RecordFleetMinute(const FleetMinute& m) {
  static const std::string kInsert =
      "INSERT INTO fleet_minutes (minute, total, on_count) VALUES ($1, $2, $3) "
      "ON CONFLICT (minute) DO NOTHING";
  return WriteOne(pool_, kInsert, m.minute, m.total, m.on);
}

Result<std::vector<FleetMinute>> PostgresStore::FleetSeries(Millis from, Millis to, Millis step) {
  static const std::string kSeries =
      "SELECT minute, total, on_count FROM fleet_minutes "
      "WHERE minute >= $1 AND minute < $2 AND minute % $3 = 0 ORDER BY minute";
  return ReadAll<FleetMinute>(
      pool_, kSeries,
      [](const pqxx::row& row) {
        return FleetMinute{row[0].as<int64_t>(), row[1].as<int64_t>(), row[2].as<int64_t>()};
      },
      from, to, step);
}

Status PostgresStore::RecordUptimeDay(const UptimeDay& d) {
  static const std::string kInsert =
      "INSERT INTO uptime_days (day, avg_ppb, servers, computed_at) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (day) DO NOTHING";
  return WriteOne(pool_, kInsert, d.day, d.avg_ppb, d.servers, d.computed_at);
}

Result<std::vector<UptimeDay>> PostgresStore::UptimeDays(Millis from, Millis to) {
  static const std::string kDays =
      "SELECT day, avg_ppb, servers, computed_at FROM uptime_days "
      "WHERE day >= $1 AND day < $2 ORDER BY day";
  return ReadAll<UptimeDay>(
      pool_, kDays,
      [](const pqxx::row& row) {
        return UptimeDay{row[0].as<int64_t>(), row[1].as<int64_t>(), row[2].as<int64_t>(),
                         row[3].as<int64_t>()};
      },
      from, to);
}

}  // namespace sms::store
