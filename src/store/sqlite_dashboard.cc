// SqliteStore's dashboard queries: the live feed (transitions by seq) and the overview's
// rollups (migrations/0010_dashboard.sql).

#include "core/status_macros.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_store.h"

namespace sms::store {

Result<std::vector<FeedEvent>> SqliteStore::EventsAfter(int64_t after, int limit) {
  std::vector<FeedEvent> out;
  RETURN_IF_ERROR(WithReader([&](Connection& conn) -> Status {
    out.clear();
    ASSIGN_OR_RETURN(
        Statement st,
        conn.Prepare("SELECT e.seq, s.server_id, s.server_name, e.status, e.at, e.cause "
                     "FROM status_events e JOIN servers s ON s.id = e.server "
                     "WHERE e.seq > ?1 ORDER BY e.seq LIMIT ?2"));
    st.Bind(1, after).Bind(2, int64_t{limit});
    return st.ForEachRow([&](const Statement& r) {
      FeedEvent& e = out.emplace_back();
      e.seq = r.Int(0);
      e.server_id = r.Text(1);
      e.server_name = r.Text(2);
      e.status = r.Int(3) != 0 ? ServerStatus::kOn : ServerStatus::kOff;
      e.at = r.Int(4);
      e.cause = r.Text(5);
    });
  }));
  return out;
}

Result<int64_t> SqliteStore::LastEventSeq() {
  int64_t last = 0;
  RETURN_IF_ERROR(WithReader([&](Connection& conn) -> Status {
    ASSIGN_OR_RETURN(Statement st, conn.Prepare("SELECT last FROM event_seq WHERE id = 1"));
    ASSIGN_OR_RETURN(bool row, st.Step());
    last = row ? st.Int(0) : 0;
    return Status::Ok();
  }));
  return last;
}

Status SqliteStore::RecordFleetMinute(const FleetMinute& m) {
  return WithWriter([&](Connection& conn) -> Status {
    ASSIGN_OR_RETURN(
        Statement st,
        conn.Prepare("INSERT INTO fleet_minutes (minute, total, on_count) VALUES (?1, ?2, ?3) "
                     "ON CONFLICT (minute) DO NOTHING"));
    return st.Bind(1, m.minute).Bind(2, m.total).Bind(3, m.on).Run();
  });
}

Result<std::vector<FleetMinute>> SqliteStore::FleetSeries(Millis from, Millis to, Millis step) {
  std::vector<FleetMinute> out;
  RETURN_IF_ERROR(WithReader([&](Connection& conn) -> Status {
    out.clear();
    ASSIGN_OR_RETURN(
        Statement st,
        conn.Prepare("SELECT minute, total, on_count FROM fleet_minutes "
                     "WHERE minute >= ?1 AND minute < ?2 AND minute % ?3 = 0 ORDER BY minute"));
    st.Bind(1, from).Bind(2, to).Bind(3, step);
    return st.ForEachRow(
        [&](const Statement& r) { out.push_back(FleetMinute{r.Int(0), r.Int(1), r.Int(2)}); });
  }));
  return out;
}

Status SqliteStore::RecordUptimeDay(const UptimeDay& d) {
  return WithWriter([&](Connection& conn) -> Status {
    ASSIGN_OR_RETURN(
        Statement st,
        conn.Prepare(
            "INSERT INTO uptime_days (day, avg_ppb, servers, computed_at) VALUES (?1, ?2, ?3, ?4) "
            "ON CONFLICT (day) DO NOTHING"));
    return st.Bind(1, d.day).Bind(2, d.avg_ppb).Bind(3, d.servers).Bind(4, d.computed_at).Run();
  });
}

Result<std::vector<UptimeDay>> SqliteStore::UptimeDays(Millis from, Millis to) {
  std::vector<UptimeDay> out;
  RETURN_IF_ERROR(WithReader([&](Connection& conn) -> Status {
    out.clear();
    ASSIGN_OR_RETURN(Statement st,
                     conn.Prepare("SELECT day, avg_ppb, servers, computed_at FROM uptime_days "
                                  "WHERE day >= ?1 AND day < ?2 ORDER BY day"));
    st.Bind(1, from).Bind(2, to);
    return st.ForEachRow([&](const Statement& r) {
      out.push_back(UptimeDay{r.Int(0), r.Int(1), r.Int(2), r.Int(3)});
    });
  }));
  return out;
}

}  // namespace sms::store
