// PostgresStore's hot path: heartbeats in (set-based, a fixed number of statements per batch),
// servers off on timeout.

#include <algorithm>
#include <functional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/validation.h"
#include "store/heartbeat_merge.h"
#include "store/postgres_rows.h"
#include "store/postgres_store.h"
#include "store/server_rules.h"

namespace sms::store {
namespace {

// Rounds of registration when concurrent writers keep taking the same server_id or name.
constexpr int kRegisterRounds = 3;

// ---- The statements --------------------------------------------------------------------------

// The cheap path for servers the caller believes are on with these fields: one row per server,
// and only server_liveness is written. An empty ipv4 or hostname means "not reported" and never
// clears the stored value. The status and interval are checked on server_liveness too: a
// concurrent sweep may turn the server off after this statement read servers, and only the
// row being updated is re-checked once its lock is granted.
const std::string kFastPathSql =
    "UPDATE server_liveness AS l SET last_seen = greatest(l.last_seen, v.received_at) "
    "FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::integer[]) "
    "AS v(server_id, received_at, ipv4, hostname, iv) "
    "JOIN servers AS s ON s.server_id = v.server_id "
    "WHERE l.id = s.id AND l.status = 1 AND l.\"interval\" = v.iv AND s.status = 1 "
    "AND (v.ipv4 = '' OR s.ipv4 = v.ipv4) AND (v.hostname = '' OR s.hostname = v.hostname) "
    "AND s.\"interval\" = v.iv RETURNING s.server_id";

// The rows of the full path (both tables), locked in id order (the same order for every
// writer).
const std::string kLockSql = "SELECT " + std::string(kPgServerColumns) + " FROM " +
                             std::string(kPgServerFrom) +
                             " WHERE s.server_id = ANY($1::text[]) ORDER BY s.id FOR UPDATE";

// Rows whose record changed beyond last_seen.
const std::string kWriteServersSql =
    "UPDATE servers AS s SET ipv4 = v.ipv4, ipv4_num = v.ipv4_num, hostname = v.hostname, "
    "status = v.status, \"interval\" = v.iv, last_updated = v.last_updated, "
    "status_changed_at = v.status_changed_at "
    "FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::smallint[], "
    "$6::integer[], $7::bigint[], $8::bigint[]) "
    "AS v(id, ipv4, ipv4_num, hostname, status, iv, last_updated, status_changed_at) "
    "WHERE s.id = v.id";

// Every row the full path changed (last_seen, and the copies of status and interval).
const std::string kWriteLivenessSql =
    "UPDATE server_liveness AS l SET last_seen = v.last_seen, status = v.status, "
    "\"interval\" = v.iv "
    "FROM unnest($1::bigint[], $2::bigint[], $3::smallint[], $4::integer[]) "
    "AS v(id, last_seen, status, iv) WHERE l.id = v.id";

const std::string kEventsSql =
    "INSERT INTO status_events (server, status, at, cause) "
    "SELECT * FROM unnest($1::bigint[], $2::smallint[], $3::bigint[], $4::text[])";

// Names are unique by their NameKey (core/validation.h).
const std::string kTakenKeysSql = "SELECT name_key FROM servers WHERE name_key = ANY($1::text[])";

// Registrations: a row that collides with a concurrent writer's (server_id or server_name) is
// skipped, and the caller tries it again.
const std::string kRegisterSql =
    "INSERT INTO servers (server_id, server_name, ipv4, ipv4_num, hostname, status, "
    "\"interval\", created_time, last_updated, status_changed_at, name_key) "
    "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], "
    "$6::smallint[], $7::integer[], $8::bigint[], $9::bigint[], $10::bigint[], $11::text[]) "
    "ON CONFLICT DO NOTHING RETURNING id, server_id";

const std::string kRegisterLivenessSql =
    "INSERT INTO server_liveness (id, last_seen, status, \"interval\") "
    "SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::smallint[], $4::integer[])";

// ---- The batch -------------------------------------------------------------------------------

// One server's heartbeats in a batch, oldest first.
struct Group {
  const std::string* server_id;
  std::vector<const Heartbeat*> beats;
};

// Heartbeats grouped by server, in the order of each server's oldest heartbeat.
std::vector<Group> GroupByServer(const std::vector<Heartbeat>& batch) {
  std::vector<const Heartbeat*> order;
  order.reserve(batch.size());
  for (const Heartbeat& hb : batch) order.push_back(&hb);
  std::stable_sort(order.begin(), order.end(), [](const Heartbeat* a, const Heartbeat* b) {
    return a->received_at < b->received_at;
  });
  std::vector<Group> groups;
  std::unordered_map<std::string_view, size_t> index;
  for (const Heartbeat* hb : order) {
    auto [it, inserted] = index.try_emplace(hb->server_id, groups.size());
    if (inserted) groups.push_back({&hb->server_id, {}});
    groups[it->second].beats.push_back(hb);
  }
  return groups;
}

// True when every heartbeat of the group carries the same ipv4, hostname and interval, so the
// group either matches the fast path as a whole or not at all.
bool Uniform(const Group& g) {
  const Heartbeat& first = *g.beats.front();
  return std::all_of(g.beats.begin(), g.beats.end(), [&](const Heartbeat* hb) {
    return hb->ipv4 == first.ipv4 && hb->hostname == first.hostname &&
           hb->interval == first.interval;
  });
}

// Column arrays of the servers rows to write back (kWriteServersSql).
struct ServerWrites {
  std::vector<int64_t> id, ipv4_num, status, interval, last_updated, changed_at;
  std::vector<std::string> ipv4, hostname;

  void Add(const Server& s) {
    id.push_back(s.id);
    ipv4.push_back(s.ipv4);
    ipv4_num.push_back(Ipv4Number(s.ipv4));
    hostname.push_back(s.hostname);
    status.push_back(s.status == ServerStatus::kOn);
    interval.push_back(s.interval);
    last_updated.push_back(s.last_updated);
    changed_at.push_back(s.status_changed_at);
  }
};

// Column arrays of server_liveness rows (kWriteLivenessSql, kRegisterLivenessSql).
struct LivenessRows {
  std::vector<int64_t> id, last_seen, status, interval;

  void Add(const Server& s) {
    id.push_back(s.id);
    last_seen.push_back(s.last_seen);
    status.push_back(s.status == ServerStatus::kOn);
    interval.push_back(s.interval);
  }
  void Run(pqxx::work& tx, PgConnection& conn, const std::string& sql) const {
    if (id.empty()) return;
    ExecPrepared(tx, conn, sql, PgIntArray(id), PgIntArray(last_seen), PgIntArray(status),
                 PgIntArray(interval));
  }
};

// Column arrays of the status transitions to insert (kEventsSql).
struct Events {
  std::vector<int64_t> server, status, at;
  std::vector<std::string> cause;

  void Add(int64_t row, ServerStatus s, Millis when, const char* why) {
    server.push_back(row);
    status.push_back(s == ServerStatus::kOn);
    at.push_back(when);
    cause.emplace_back(why);
  }
};

// Applies one batch inside the caller's transaction.
class BatchApplier {
 public:
  BatchApplier(pqxx::work& tx, PgConnection& conn, const ApplyOptions& options)
      : tx_(tx), conn_(conn), options_(options) {}

  Status Apply(const std::vector<Heartbeat>& batch) {
    std::vector<Group> groups = GroupByServer(batch);
    std::vector<const Group*> full = FastPath(groups);
    for (int round = 0; !full.empty(); ++round) {
      if (round == kRegisterRounds) {
        return Status::Unavailable("registration kept colliding with concurrent writers");
      }
      full = FullPath(full);
    }
    if (!events_.server.empty()) {
      ExecPrepared(tx_, conn_, kEventsSql, PgIntArray(events_.server), PgIntArray(events_.status),
                   PgIntArray(events_.at), PgTextArray(events_.cause));
    }
    return Status::Ok();
  }

  ApplyResult& result() { return result_; }

 private:
  // Runs the fast path for the groups it suits; returns the groups left for the full path.
  std::vector<const Group*> FastPath(const std::vector<Group>& groups) {
    std::vector<const Group*> fast, rest;
    for (const Group& g : groups) {
      bool suits = options_.known_on.contains(*g.server_id) && Uniform(g);
      (suits ? fast : rest).push_back(&g);
    }
    if (fast.empty()) return rest;
    // Rows are locked in array order: the same order (by server_id) in every writer.
    std::sort(fast.begin(), fast.end(),
              [](const Group* a, const Group* b) { return *a->server_id < *b->server_id; });
    std::vector<std::string> ids, ipv4, hostname;
    std::vector<int64_t> received, interval;
    for (const Group* g : fast) {
      const Heartbeat& last = *g->beats.back();  // the newest
      ids.push_back(*g->server_id);
      received.push_back(last.received_at);
      ipv4.push_back(last.ipv4);
      hostname.push_back(last.hostname);
      interval.push_back(last.interval);
    }
    pqxx::result done =
        ExecPrepared(tx_, conn_, kFastPathSql, PgTextArray(ids), PgIntArray(received),
                     PgTextArray(ipv4), PgTextArray(hostname), PgIntArray(interval));
    std::unordered_set<std::string> agreed;
    for (const pqxx::row& row : done) agreed.insert(row[0].as<std::string>());
    for (const Group* g : fast) {
      if (agreed.contains(*g->server_id)) {
        result_.applied += static_cast<int64_t>(g->beats.size());
      } else {
        rest.push_back(g);  // SQL disagrees with the caller's cache
      }
    }
    // Back to batch order (groups live in one vector, oldest first): registrations name
    // servers in the order their heartbeats arrived.
    std::sort(rest.begin(), rest.end(), std::less<const Group*>());
    return rest;
  }

  // Refreshes the groups whose server exists and registers the others; returns the groups
  // whose registration collided with a concurrent writer (to try again).
  std::vector<const Group*> FullPath(const std::vector<const Group*>& groups) {
    std::vector<std::string> ids;
    for (const Group* g : groups) ids.push_back(*g->server_id);
    std::unordered_map<std::string, Server> stored;
    for (const pqxx::row& row : ExecPrepared(tx_, conn_, kLockSql, PgTextArray(ids))) {
      Server s = ReadPgServer(row);
      std::string id = s.server_id;
      stored.emplace(std::move(id), std::move(s));
    }
    ServerWrites writes;
    LivenessRows liveness;
    std::vector<const Group*> unknown;
    for (const Group* g : groups) {
      auto it = stored.find(*g->server_id);
      if (it == stored.end()) {
        unknown.push_back(g);
      } else {
        Refresh(*g, it->second, writes, liveness);
      }
    }
    if (!writes.id.empty()) {
      ExecPrepared(tx_, conn_, kWriteServersSql, PgIntArray(writes.id), PgTextArray(writes.ipv4),
                   PgIntArray(writes.ipv4_num), PgTextArray(writes.hostname),
                   PgIntArray(writes.status), PgIntArray(writes.interval),
                   PgIntArray(writes.last_updated), PgIntArray(writes.changed_at));
    }
    liveness.Run(tx_, conn_, kWriteLivenessSql);
    return Register(unknown);
  }

  void Refresh(const Group& g, const Server& s, ServerWrites& writes, LivenessRows& liveness) {
    Server next = s;
    for (const Heartbeat* hb : g.beats) {
      Server merged = MergeHeartbeat(next, *hb);
      if (merged.status != next.status) {
        events_.Add(s.id, ServerStatus::kOn, merged.status_changed_at, "heartbeat");
        ++result_.turned_on;
      }
      next = std::move(merged);
    }
    if (ChangedBeyondLastSeen(next, s)) writes.Add(next);
    if (ChangedBeyondLastSeen(next, s) || next.last_seen != s.last_seen) liveness.Add(next);
    result_.applied += static_cast<int64_t>(g.beats.size());
    result_.changed.push_back(std::move(next));
  }

  // Registers the groups (when allowed); returns those that collided with a concurrent writer.
  std::vector<const Group*> Register(const std::vector<const Group*>& groups) {
    if (groups.empty()) return {};
    if (!options_.auto_register) {
      for (const Group* g : groups) result_.rejected += static_cast<int64_t>(g->beats.size());
      return {};
    }
    std::vector<std::optional<std::string>> names = UniqueNames(groups);
    std::vector<Server> fresh;
    std::vector<const Group*> inserted;
    for (size_t i = 0; i < groups.size(); ++i) {
      if (!names[i]) {
        result_.rejected += static_cast<int64_t>(groups[i]->beats.size());
        continue;
      }
      fresh.push_back(Registered(*groups[i], std::move(*names[i])));
      inserted.push_back(groups[i]);
    }
    if (fresh.empty()) return {};
    std::unordered_map<std::string, int64_t> rows = Insert(fresh);
    LivenessRows liveness;
    std::vector<const Group*> collided;
    for (size_t i = 0; i < fresh.size(); ++i) {
      auto it = rows.find(fresh[i].server_id);
      if (it == rows.end()) {
        collided.push_back(inserted[i]);
        continue;
      }
      fresh[i].id = it->second;
      liveness.Add(fresh[i]);
      events_.Add(it->second, ServerStatus::kOn, fresh[i].created_time, "registered");
      ++result_.registered;
      result_.applied += static_cast<int64_t>(inserted[i]->beats.size());
      result_.changed.push_back(std::move(fresh[i]));
    }
    liveness.Run(tx_, conn_, kRegisterLivenessSql);
    return collided;
  }

  // The server registered by the group's oldest heartbeat, after the rest of the group.
  static Server Registered(const Group& g, std::string name) {
    Server s = RegisteredServer(*g.beats.front(), std::move(name));
    for (size_t i = 1; i < g.beats.size(); ++i) s = MergeHeartbeat(s, *g.beats[i]);
    return s;
  }

  // Inserts `fresh`; returns the row id of each server_id actually inserted.
  std::unordered_map<std::string, int64_t> Insert(const std::vector<Server>& fresh) {
    std::vector<std::string> id, name, ipv4, hostname, key;
    std::vector<int64_t> ipv4_num, status, interval, created, updated, changed_at;
    // Inserted by server_id: concurrent writers registering the same servers wait on each
    // other in one order instead of deadlocking.
    std::vector<const Server*> order;
    for (const Server& s : fresh) order.push_back(&s);
    std::sort(order.begin(), order.end(),
              [](const Server* a, const Server* b) { return a->server_id < b->server_id; });
    for (const Server* p : order) {
      const Server& s = *p;
      id.push_back(s.server_id);
      name.push_back(s.server_name);
      ipv4.push_back(s.ipv4);
      ipv4_num.push_back(Ipv4Number(s.ipv4));
      hostname.push_back(s.hostname);
      status.push_back(s.status == ServerStatus::kOn);
      interval.push_back(s.interval);
      created.push_back(s.created_time);
      updated.push_back(s.last_updated);
      changed_at.push_back(s.status_changed_at);
      key.push_back(NameKey(s.server_name));
    }
    std::unordered_map<std::string, int64_t> rows;
    for (const pqxx::row& row : ExecPrepared(
             tx_, conn_, kRegisterSql, PgTextArray(id), PgTextArray(name), PgTextArray(ipv4),
             PgIntArray(ipv4_num), PgTextArray(hostname), PgIntArray(status), PgIntArray(interval),
             PgIntArray(created), PgIntArray(updated), PgIntArray(changed_at), PgTextArray(key))) {
      rows.emplace(row[1].as<std::string>(), row[0].as<int64_t>());
    }
    return rows;
  }

  // A free name for each group (nullopt when every candidate is taken), in group order so the
  // oldest registration gets the plainest name. Two queries: the first choices of all, then
  // every candidate of the few whose first choice was taken. Names are compared by NameKey.
  std::vector<std::optional<std::string>> UniqueNames(const std::vector<const Group*>& groups) {
    std::vector<std::vector<std::string>> candidates;
    std::vector<std::string> first;  // keys
    for (const Group* g : groups) {
      candidates.push_back(CandidateNames(*g->beats.front()));
      first.push_back(NameKey(candidates.back().front()));
    }
    std::unordered_set<std::string> taken = TakenKeys(first);
    std::vector<std::string> more;
    for (size_t i = 0; i < groups.size(); ++i) {
      if (!taken.contains(first[i])) continue;
      for (size_t k = 1; k < candidates[i].size(); ++k) more.push_back(NameKey(candidates[i][k]));
    }
    if (!more.empty()) taken.merge(TakenKeys(more));
    std::vector<std::optional<std::string>> names;
    for (std::vector<std::string>& options : candidates) {
      std::optional<std::string>& name = names.emplace_back();
      for (std::string& candidate : options) {
        // taken also collects the names given earlier in this batch.
        if (taken.insert(NameKey(candidate)).second) {
          name = std::move(candidate);
          break;
        }
      }
    }
    return names;
  }

  std::unordered_set<std::string> TakenKeys(const std::vector<std::string>& keys) {
    std::unordered_set<std::string> taken;
    for (const pqxx::row& row : ExecPrepared(tx_, conn_, kTakenKeysSql, PgTextArray(keys))) {
      taken.insert(row[0].as<std::string>());
    }
    return taken;
  }

  pqxx::work& tx_;
  PgConnection& conn_;
  const ApplyOptions& options_;
  ApplyResult result_;
  Events events_;
};

}  // namespace

Result<ApplyResult> PostgresStore::ApplyHeartbeats(const std::vector<Heartbeat>& batch,
                                                   const ApplyOptions& options) {
  ApplyResult result;
  if (batch.empty()) return result;
  Status status = pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    BatchApplier applier(tx, conn, options);
    Status st = applier.Apply(batch);
    if (!st.ok()) return st;
    tx.commit();
    result = std::move(applier.result());  // only once committed: a retry starts afresh
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return result;
}

// ---- SweepOffline ----------------------------------------------------------------------------

Result<SweepResult> PostgresStore::SweepOffline(Millis now, Millis grace) {
  // Claims due servers (oldest first) whose rows no other transaction holds, turns each off
  // only if it is still on with the last_seen that made it due (a heartbeat or another sweeper
  // may have got there first), and records the transitions, in one statement.
  static const std::string kSql =
      "WITH due AS ("
      " SELECT l.id, l.last_seen, l.\"interval\", s.status_changed_at"
      " FROM server_liveness l JOIN servers s ON s.id = l.id"
      " WHERE l.status = 1 AND l.last_seen + l.\"interval\" * 1000 < $1"
      " ORDER BY l.last_seen + l.\"interval\" * 1000 LIMIT $2 FOR UPDATE SKIP LOCKED"
      "), live AS ("
      " UPDATE server_liveness AS l SET status = 0 FROM due AS d"
      " WHERE l.id = d.id AND l.status = 1 AND l.last_seen = d.last_seen RETURNING l.id"
      "), off AS ("
      " UPDATE servers AS s SET status = 0,"
      "  status_changed_at = greatest(d.last_seen + d.\"interval\" * 1000, d.status_changed_at),"
      "  last_updated = greatest(s.last_updated, $3)"
      " FROM due AS d JOIN live USING (id) WHERE s.id = d.id AND s.status = 1"
      " RETURNING s.id, s.server_id, s.status_changed_at, d.status_changed_at AS on_since"
      "), events AS ("
      " INSERT INTO status_events (server, status, at, cause)"
      " SELECT id, 0, status_changed_at, 'timeout' FROM off"
      ") SELECT server_id, on_since, status_changed_at FROM off ORDER BY status_changed_at, id";
  SweepResult result;
  Status status = pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    pqxx::result off = ExecPrepared(tx, conn, kSql, now - grace, int{kSweepLimit}, now);
    tx.commit();
    result = SweepResult{};
    for (const pqxx::row& row : off) {
      result.server_ids.push_back(row[0].as<std::string>());
      result.offs.push_back({row[0].as<std::string>(), row[1].as<Millis>(), row[2].as<Millis>()});
    }
    result.turned_off = static_cast<int64_t>(result.server_ids.size());
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return result;
}

}  // namespace sms::store
