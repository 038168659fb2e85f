// SqliteStore's hot path: heartbeats in, servers off on timeout.

#include <algorithm>
#include <unordered_map>

#include "core/status_macros.h"
#include "store/heartbeat_merge.h"
#include "store/server_rules.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_store.h"

namespace sms::store {
namespace {

// Applies the heartbeats of one batch inside the caller's write transaction.
class BatchApplier {
 public:
  BatchApplier(Connection& conn, const ApplyOptions& options, ApplyResult& result)
      : conn_(conn), options_(options), result_(result) {}

  Status Apply(const Heartbeat& hb) {
    if (options_.known_on.contains(hb.server_id)) {
      ASSIGN_OR_RETURN(bool done, FastPath(hb));
      if (done) {
        ++result_.applied;
        return Status::Ok();
      }
    }
    ASSIGN_OR_RETURN(std::optional<Server> found, FindServer(conn_, hb.server_id));
    if (found) return Refresh(*found, hb);
    if (!options_.auto_register) {
      ++result_.rejected;
      return Status::Ok();
    }
    return Register(hb);
  }

 private:
  // True when SQL agreed with the caller (the server is on with these fields).
  Result<bool> FastPath(const Heartbeat& hb) {
    if (!fast_.valid()) {  // prepared once per batch: this runs for almost every heartbeat
      ASSIGN_OR_RETURN(fast_, conn_.Prepare(kFastPathSql));
    }
    fast_.Bind(1, hb.received_at).Bind(2, hb.server_id).Bind(3, hb.ipv4).Bind(4, hb.hostname);
    fast_.Bind(5, int64_t{hb.interval});
    Status status = fast_.Run();
    fast_.Reset();
    if (!status.ok()) return status;
    return conn_.Changes() > 0;
  }

  Status Refresh(const Server& s, const Heartbeat& hb) {
    Server next = MergeHeartbeat(s, hb);
    bool turned_on = next.status != s.status;
    Status status;
    if (ChangedBeyondLastSeen(next, s)) {
      status = WriteServer(conn_, next);
      if (status.ok() && turned_on) {
        status =
            InsertEvent(conn_, next.id, ServerStatus::kOn, next.status_changed_at, "heartbeat");
        ++result_.turned_on;
      }
    } else if (next.last_seen != s.last_seen) {
      status = WriteLastSeen(next);
    }
    if (!status.ok()) return status;
    ++result_.applied;
    Remember(std::move(next));
    return Status::Ok();
  }

  Status WriteLastSeen(const Server& s) {
    ASSIGN_OR_RETURN(Statement st, conn_.Prepare("UPDATE servers SET last_seen = ? WHERE id = ?"));
    st.Bind(1, s.last_seen).Bind(2, s.id);
    return st.Run();
  }

  Status Register(const Heartbeat& hb) {
    ASSIGN_OR_RETURN(std::optional<std::string> name, UniqueName(hb));
    if (!name) {
      ++result_.rejected;
      return Status::Ok();
    }
    Server s = RegisteredServer(hb, std::move(*name));
    RETURN_IF_ERROR(InsertServer(conn_, s));
    RETURN_IF_ERROR(InsertEvent(conn_, s.id, ServerStatus::kOn, hb.received_at, "registered"));
    ++result_.registered;
    ++result_.applied;
    Remember(std::move(s));
    return Status::Ok();
  }

  // The first free name among the candidates, or nullopt when every one is taken.
  Result<std::optional<std::string>> UniqueName(const Heartbeat& hb) {
    for (std::string& candidate : CandidateNames(hb)) {
      ASSIGN_OR_RETURN(bool taken, NameTaken(conn_, candidate));
      if (!taken) return std::optional<std::string>(std::move(candidate));
    }
    return std::optional<std::string>();
  }

  // Every full-path server is returned once, as stored after the batch.
  void Remember(Server s) {
    auto [it, inserted] = changed_index_.try_emplace(s.server_id, result_.changed.size());
    if (inserted) {
      result_.changed.push_back(std::move(s));
    } else {
      result_.changed[it->second] = std::move(s);
    }
  }

  Connection& conn_;
  const ApplyOptions& options_;
  ApplyResult& result_;
  std::unordered_map<std::string, size_t> changed_index_;
  Statement fast_;
};

}  // namespace

Result<ApplyResult> SqliteStore::ApplyHeartbeats(const std::vector<Heartbeat>& batch,
                                                 const ApplyOptions& options) {
  ApplyResult result;
  if (batch.empty()) return result;
  // Oldest first, so several heartbeats of one server apply in the order they were received.
  std::vector<const Heartbeat*> order;
  order.reserve(batch.size());
  for (const Heartbeat& hb : batch) order.push_back(&hb);
  std::stable_sort(order.begin(), order.end(), [](const Heartbeat* a, const Heartbeat* b) {
    return a->received_at < b->received_at;
  });
  RETURN_IF_ERROR(WithWriter([&](Connection& conn) {
    Transaction tx(conn);
    RETURN_IF_ERROR(tx.BeginWrite());
    BatchApplier applier(conn, options, result);
    for (const Heartbeat* hb : order) RETURN_IF_ERROR(applier.Apply(*hb));
    return tx.Commit();
  }));
  return result;
}

namespace {

struct Due {
  int64_t row;
  std::string server_id;
  Millis last_seen;
  Millis off_at;
  Millis on_since;
};

// Servers on whose next heartbeat is overdue by more than the grace, oldest first.
Result<std::vector<Due>> FindOverdue(Connection& conn, Millis now, Millis grace) {
  ASSIGN_OR_RETURN(Statement st, conn.Prepare(kOverdueSql));
  st.Bind(1, now - grace).Bind(2, int64_t{SqliteStore::kSweepLimit});
  std::vector<Due> due;
  RETURN_IF_ERROR(st.ForEachRow([&](Statement& row) {
    Millis stopped = row.Int(2) + row.Int(3) * 1000;
    // Never before the transition that turned it on, so events stay in order.
    due.push_back({row.Int(0), row.Text(1), row.Int(2), std::max(stopped, row.Int(4)), row.Int(4)});
  }));
  return due;
}

}  // namespace

Result<SweepResult> SqliteStore::SweepOffline(Millis now, Millis grace) {
  SweepResult result;
  RETURN_IF_ERROR(WithWriter([&](Connection& conn) {
    Transaction tx(conn);
    RETURN_IF_ERROR(tx.BeginWrite());
    ASSIGN_OR_RETURN(std::vector<Due> due, FindOverdue(conn, now, grace));
    for (Due& d : due) {
      // Conditional: if another sweeper or a heartbeat got there first, no row matches.
      ASSIGN_OR_RETURN(Statement off,
                       conn.Prepare("UPDATE servers SET status = 0, status_changed_at = ?1, "
                                    "last_updated = max(last_updated, ?2) "
                                    "WHERE id = ?3 AND status = 1 AND last_seen = ?4"));
      off.Bind(1, d.off_at).Bind(2, now).Bind(3, d.row).Bind(4, d.last_seen);
      RETURN_IF_ERROR(off.Run());
      if (conn.Changes() == 0) continue;
      RETURN_IF_ERROR(InsertEvent(conn, d.row, ServerStatus::kOff, d.off_at, "timeout"));
      ++result.turned_off;
      result.offs.push_back({d.server_id, d.on_since, d.off_at});
      result.server_ids.push_back(std::move(d.server_id));
    }
    return tx.Commit();
  }));
  return result;
}

}  // namespace sms::store
