// SqliteStore's hot path: heartbeats in, servers off on timeout.

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "core/validation.h"
#include "store/sqlite_rows.h"
#include "store/heartbeat_merge.h"
#include "store/sqlite_store.h"

namespace sms::store {
namespace {

// Registration tries "<base>", "<base>-2" … "<base>-<kNumberedNames>", then the same with
// "-<server_id>" appended; a fleet that has taken all of those is pathological.
constexpr int kNumberedNames = 10;

// `text` cut to at most `max_bytes` without splitting a UTF-8 sequence.
std::string_view TruncateUtf8(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

std::string NameWithSuffix(std::string_view base, const std::string& suffix) {
  return std::string(TruncateUtf8(base, kMaxNameLength - suffix.size())) + suffix;
}


// Applies the heartbeats of one batch inside the caller's write transaction.
class BatchApplier {
 public:
  BatchApplier(Connection& conn, const ApplyOptions& options, ApplyResult& result)
      : conn_(conn), options_(options), result_(result) {}

  Status Apply(const Heartbeat& hb) {
    if (options_.known_on.contains(hb.server_id)) {
      Result<bool> done = FastPath(hb);
      if (!done.ok()) return done.status();
      if (*done) {
        ++result_.applied;
        return Status::Ok();
      }
    }
    Result<std::optional<Server>> found = FindServer(conn_, hb.server_id);
    if (!found.ok()) return found.status();
    if (found->has_value()) return Refresh(**found, hb);
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
      Result<Statement> st = conn_.Prepare(kFastPathSql);
      if (!st.ok()) return st.status();
      fast_ = std::move(*st);
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
    Result<Statement> st = conn_.Prepare("UPDATE servers SET last_seen = ? WHERE id = ?");
    if (!st.ok()) return st.status();
    st->Bind(1, s.last_seen).Bind(2, s.id);
    return st->Run();
  }

  Status Register(const Heartbeat& hb) {
    Result<std::optional<std::string>> name = UniqueName(hb);
    if (!name.ok()) return name.status();
    if (!name->has_value()) {
      ++result_.rejected;
      return Status::Ok();
    }
    Server s;
    s.server_id = hb.server_id;
    s.server_name = std::move(**name);
    s.ipv4 = hb.ipv4;
    s.hostname = hb.hostname;
    s.status = ServerStatus::kOn;
    s.interval = hb.interval;
    s.created_time = s.last_updated = s.last_seen = s.status_changed_at = hb.received_at;
    Status status = InsertServer(conn_, s);
    if (status.ok())
      status = InsertEvent(conn_, s.id, ServerStatus::kOn, hb.received_at, "registered");
    if (!status.ok()) return status;
    ++result_.registered;
    ++result_.applied;
    Remember(std::move(s));
    return Status::Ok();
  }

  // The first free name among the candidates, or nullopt when every one is taken.
  Result<std::optional<std::string>> UniqueName(const Heartbeat& hb) {
    std::string_view base = hb.hostname.empty() ? hb.server_id : hb.hostname;
    for (const std::string& tail : {std::string(), "-" + hb.server_id}) {
      for (int n = 1; n <= kNumberedNames; ++n) {
        std::string candidate =
            NameWithSuffix(base, n == 1 ? tail : tail + "-" + std::to_string(n));
        Result<bool> taken = NameTaken(conn_, candidate);
        if (!taken.ok()) return taken.status();
        if (!*taken) return std::optional<std::string>(std::move(candidate));
      }
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
  Status status = WithWriter([&](Connection& conn) {
    Transaction tx(conn);
    Status st = tx.BeginWrite();
    if (!st.ok()) return st;
    BatchApplier applier(conn, options, result);
    for (const Heartbeat* hb : order) {
      st = applier.Apply(*hb);
      if (!st.ok()) return st;
    }
    return tx.Commit();
  });
  if (!status.ok()) return status;
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
  Result<Statement> st = conn.Prepare(kOverdueSql);
  if (!st.ok()) return st.status();
  st->Bind(1, now - grace).Bind(2, int64_t{SqliteStore::kSweepLimit});
  std::vector<Due> due;
  for (;;) {
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    Millis stopped = st->Int(2) + st->Int(3) * 1000;
    // Never before the transition that turned it on, so events stay in order.
    due.push_back({st->Int(0), st->Text(1), st->Int(2), std::max(stopped, st->Int(4)),
                   st->Int(4)});
  }
  return due;
}

}  // namespace

Result<SweepResult> SqliteStore::SweepOffline(Millis now, Millis grace) {
  SweepResult result;
  Status status = WithWriter([&](Connection& conn) {
    Transaction tx(conn);
    Status st = tx.BeginWrite();
    if (!st.ok()) return st;
    Result<std::vector<Due>> due = FindOverdue(conn, now, grace);
    if (!due.ok()) return due.status();
    for (Due& d : *due) {
      // Conditional: if another sweeper or a heartbeat got there first, no row matches.
      Result<Statement> off = conn.Prepare(
          "UPDATE servers SET status = 0, status_changed_at = ?1, "
          "last_updated = max(last_updated, ?2) WHERE id = ?3 AND status = 1 AND last_seen = ?4");
      if (!off.ok()) return off.status();
      off->Bind(1, d.off_at).Bind(2, now).Bind(3, d.row).Bind(4, d.last_seen);
      st = off->Run();
      if (!st.ok()) return st;
      if (conn.Changes() == 0) continue;
      st = InsertEvent(conn, d.row, ServerStatus::kOff, d.off_at, "timeout");
      if (!st.ok()) return st;
      ++result.turned_off;
      result.offs.push_back({d.server_id, d.on_since, d.off_at});
      result.server_ids.push_back(std::move(d.server_id));
    }
    return tx.Commit();
  });
  if (!status.ok()) return status;
  return result;
}

}  // namespace sms::store
