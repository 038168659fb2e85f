// SqliteStore::Timelines: every server's transitions in three queries, for fleet-wide uptime.

#include <algorithm>
#include <unordered_map>

#include "store/sqlite_rows.h"
#include "store/sqlite_store.h"

namespace sms::store {
namespace {

// The timelines being built, addressed by the servers' row id.
struct TimelineSet {
  std::vector<ServerTimeline> timelines;
  std::unordered_map<int64_t, size_t> by_row;
};

Status ReadServers(Connection& conn, TimelineSet& set) {
  Result<Statement> st =
      conn.Prepare("SELECT id, server_id, created_time FROM servers ORDER BY server_id");
  if (!st.ok()) return st.status();
  for (;;) {
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    set.by_row.emplace(st->Int(0), set.timelines.size());
    ServerTimeline& t = set.timelines.emplace_back();
    t.server_id = st->Text(1);
    t.created_time = st->Int(2);
  }
}

// Appends the rows of `st` (server, status, at, cause) to their servers' timelines.
Status AppendEvents(Statement& st, TimelineSet& set) {
  for (;;) {
    Result<bool> row = st.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    auto it = set.by_row.find(st.Int(0));
    if (it == set.by_row.end()) continue;  // cannot happen inside one snapshot
    ServerTimeline& t = set.timelines[it->second];
    StatusEvent& e = t.events.emplace_back();
    e.server_id = t.server_id;
    e.status = st.Int(1) != 0 ? ServerStatus::kOn : ServerStatus::kOff;
    e.at = st.Int(2);
    e.cause = st.Text(3);
  }
}

}  // namespace

Result<std::vector<ServerTimeline>> SqliteStore::Timelines(Millis from, Millis to) {
  TimelineSet set;
  Status status = WithReader([&](Connection& conn) {
    Transaction tx(conn);  // one snapshot for the three reads
    Status st = tx.BeginRead();
    if (!st.ok()) return st;
    st = ReadServers(conn, set);
    if (!st.ok()) return st;
    // The last transition before `from`: one probe of (server, at) per server.
    Result<Statement> before = conn.Prepare(
        "SELECT e.server, e.status, e.at, e.cause FROM servers s JOIN status_events e "
        "ON e.id = (SELECT id FROM status_events WHERE server = s.id AND at < ?1 "
        "ORDER BY at DESC, id DESC LIMIT 1)");
    if (!before.ok()) return before.status();
    before->Bind(1, std::min(from, to));
    st = AppendEvents(*before, set);
    if (!st.ok()) return st;
    // Transitions inside the window, per server in time order (a range of the same index).
    Result<Statement> inside = conn.Prepare(
        "SELECT e.server, e.status, e.at, e.cause FROM servers s JOIN status_events e "
        "ON e.server = s.id AND e.at >= ?1 AND e.at < ?2 ORDER BY s.id, e.at, e.id");
    if (!inside.ok()) return inside.status();
    inside->Bind(1, from).Bind(2, to);
    st = AppendEvents(*inside, set);
    if (!st.ok()) return st;
    return tx.Commit();
  });
  if (!status.ok()) return status;
  return std::move(set.timelines);
}

}  // namespace sms::store
