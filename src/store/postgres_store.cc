#include "store/postgres_store.h"

#include <chrono>

#include "core/query.h"
#include "core/validation.h"
#include "store/like_pattern.h"
#include "store/list_column.h"
#include "store/list_cursor.h"
#include "store/postgres_migrations.h"
#include "store/postgres_rows.h"
#include "store/server_rules.h"

namespace sms::store {
namespace {

// One snapshot for the several reads of a listing, events or timelines call.
using ReadSnapshot = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;

Millis WallClockNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// PgError() names the taken field; this adds the value, as SqliteStore's message does.
Status TakenConflict(const Status& status, const Server& s) {
  if (status.code() != Code::kConflict) return status;
  if (status.field() == "server_id") return ServerIdTaken(s.server_id);
  if (status.field() == "server_name") return ServerNameTaken(s.server_name);
  return status;
}

}  // namespace

// ---- Opening ---------------------------------------------------------------------------------

PostgresStore::PostgresStore(const PostgresOptions& options)
    : pool_(options.conninfo, options.pool_size) {}

Result<std::shared_ptr<PostgresStore>> PostgresStore::Open(const PostgresOptions& options) {
  std::shared_ptr<PostgresStore> store(new PostgresStore(options));
  Status status = ApplyPgMigrations(store->pool_, WallClockNow());
  if (!status.ok()) return status;
  // At every start, until renamed. It logs what it cannot read; nothing here stops the store.
  store->pool_.Run([](PgConnection& conn) {
    pqxx::nontransaction tx(conn.raw());
    ReportNameCollisions(*MakePgNameRows(tx));
    return Status::Ok();
  });
  return store;
}

Status PostgresStore::Ping() {
  Status status = pool_.Run([](PgConnection& conn) {
    pqxx::nontransaction tx(conn.raw());
    tx.exec("SELECT 1");
    return Status::Ok();
  });
  if (status.ok() || status.code() == Code::kUnavailable) return status;
  return Status::Unavailable(status.message());
}

// ---- CRUD ------------------------------------------------------------------------------------

Result<Server> PostgresStore::CreateServer(const ServerInput& input, Millis now) {
  Server s = NewServer(input, now);
  Status status = pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    if (PgNameTaken(tx, conn, s.server_name)) return ServerNameTaken(s.server_name);
    // A taken server_id (or a name taken meanwhile) raises unique_violation: PgError() names it.
    InsertPgServer(tx, conn, s);
    InsertPgEvent(tx, conn, s.id, ServerStatus::kOff, now, "created");
    tx.commit();
    return Status::Ok();
  });
  if (!status.ok()) return TakenConflict(status, s);
  return s;
}

Result<Server> PostgresStore::GetServer(const std::string& server_id) {
  std::optional<Server> found;
  Status status = pool_.Run([&](PgConnection& conn) {
    pqxx::nontransaction tx(conn.raw());
    found = FindPgServer(tx, conn, server_id);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (!found) return ServerNotFound(server_id);
  return std::move(*found);
}

Result<Server> PostgresStore::UpdateServer(const std::string& server_id, const ServerPatch& patch,
                                           Millis now) {
  static const std::string kSql =
      "UPDATE servers SET server_name = $2, ipv4 = $3, ipv4_num = $4, hostname = $5, "
      "last_updated = $6, tags = $7, name_key = $8, "
      "name_clash = CASE WHEN server_name = $2 THEN name_clash ELSE '' END WHERE id = $1";
  Server s;
  Status status = pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    std::optional<Server> found = FindPgServer(tx, conn, server_id, /*lock=*/true);
    if (!found) return ServerNotFound(server_id);
    s = std::move(*found);
    const std::string name = s.server_name;
    if (!ApplyPatch(patch, now, s)) return Status::Ok();  // nothing to change
    if (s.server_name != name && PgNameTaken(tx, conn, s.server_name, s.id)) {
      return ServerNameTaken(s.server_name);
    }
    ExecPrepared(tx, conn, kSql, s.id, s.server_name, s.ipv4, Ipv4Number(s.ipv4), s.hostname,
                 s.last_updated, JoinColumn(s.tags, ','), NameKey(s.server_name));
    tx.commit();
    return Status::Ok();
  });
  if (!status.ok()) return TakenConflict(status, s);
  return s;
}

Status PostgresStore::DeleteServer(const std::string& server_id) {
  return pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    // The history and the search text go with it (ON DELETE CASCADE).
    pqxx::result r =
        ExecPrepared(tx, conn, "DELETE FROM servers WHERE server_id = $1 RETURNING id", server_id);
    if (r.empty()) return ServerNotFound(server_id);
    tx.commit();
    return Status::Ok();
  });
}

// ---- Listing ---------------------------------------------------------------------------------

namespace {

struct SortColumn {
  std::string_view field;
  const char* column;
  const char* tie_break;  // nullptr: the column is unique
};

// The fixed SQL text of each sortable field; nothing from the request reaches ORDER BY.
const SortColumn* FindSortColumn(std::string_view field) {
  static constexpr SortColumn kColumns[] = {
      // Each walks one index: servers (column, id), or server_liveness (last_seen, id).
      {"server_id", "s.server_id", nullptr},
      {"server_name", "s.server_name", nullptr},
      {"ipv4", "s.ipv4_num", "s.id"},
      {"hostname", "s.hostname", "s.id"},
      {"status", "s.status", "s.id"},
      {"created_time", "s.created_time", "s.id"},
      {"last_updated", "s.last_updated", "s.id"},
      {"last_seen", "l.last_seen", "l.id"},
      {"status_changed_at", "s.status_changed_at", "s.id"},
  };
  for (const SortColumn& c : kColumns) {
    if (c.field == field) return &c;
  }
  return nullptr;
}

// True when pg_trgm can extract a trigram from the text (a run of three word characters);
// otherwise the index would be read whole, and scanning the servers is cheaper.
bool Searchable(std::string_view text) {
  int run = 0;
  for (char c : text) {
    bool word = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    run = word ? run + 1 : 0;
    if (run >= 3) return true;
  }
  return false;
}

// The WHERE clause of a list query and its parameters ($1, $2, … in order).
struct Filter {
  std::string where;
  std::vector<std::string> params;

  void Add(const std::string& condition) {
    where += where.empty() ? " WHERE " : " AND ";
    where += condition;
  }
  // The placeholder of the parameter `value`, which it appends.
  std::string Param(std::string value) {
    params.push_back(std::move(value));
    return std::string("$").append(std::to_string(params.size()));
  }
  // Narrows to the servers whose searchable text contains `text`, through the trigram index
  // (migration 0002), when the text has a trigram to look up.
  void AddSearch(std::string_view text) {
    if (!Searchable(text)) return;
    Add("s.id IN (SELECT id FROM servers_search WHERE text ILIKE " + Param(ContainsPattern(text)) +
        ")");
  }
};

Filter BuildFilter(const ServerQuery& q) {
  Filter f;
  if (!q.server_id.empty()) f.Add("s.server_id = " + f.Param(q.server_id));
  if (!q.server_name.empty()) {
    f.AddSearch(q.server_name);
    f.Add("s.server_name ILIKE " + f.Param(ContainsPattern(q.server_name)) + " ESCAPE '\\'");
  }
  if (!q.ipv4.empty()) {
    // ipv4_num is indexed; the text comparison keeps the match exact.
    int64_t number = Ipv4Number(q.ipv4);
    f.Add("s.ipv4_num = " + f.Param(std::to_string(number >= 0 ? number : -2)));
    f.Add("s.ipv4 = " + f.Param(q.ipv4));
  }
  if (q.status) f.Add("s.status = " + f.Param(*q.status == ServerStatus::kOn ? "1" : "0"));
  for (const std::string& tag : q.tags) {
    // One primary-key lookup per tag (migration 0007): an index, never a substring match.
    f.Add("s.id IN (SELECT server FROM server_tags WHERE tag = " + f.Param(tag) + ")");
  }
  if (!q.q.empty()) {
    f.AddSearch(q.q);
    std::string p = f.Param(ContainsPattern(q.q));
    f.Add("(s.server_id ILIKE " + p + " ESCAPE '\\' OR s.server_name ILIKE " + p +
          " ESCAPE '\\' OR s.hostname ILIKE " + p + " ESCAPE '\\' OR s.ipv4 ILIKE " + p +
          " ESCAPE '\\')");
  }
  return f;
}

constexpr const char* kCountsSql =
    "SELECT coalesce(sum(total), 0), coalesce(sum(on_count), 0) FROM fleet_counts";

int64_t CountMatching(ReadSnapshot& tx, PgConnection& conn, const ServerQuery& q, const Filter& f) {
  if (q.server_id.empty() && q.server_name.empty() && q.ipv4.empty() && q.q.empty() &&
      q.tags.empty()) {
    // The trigger-kept counters answer without touching the servers table.
    pqxx::row counts = ExecPrepared(tx, conn, kCountsSql)[0];
    int64_t total = counts[0].as<int64_t>();
    int64_t on = counts[1].as<int64_t>();
    if (!q.status) return total;
    return *q.status == ServerStatus::kOn ? on : total - on;
  }
  return tx
      .exec_params("SELECT count(*) FROM servers s" + f.where,
                   pqxx::prepare::make_dynamic_params(f.params))[0][0]
      .as<int64_t>();
}

// The page: its ids first, walking the sort column's index (joined to server_liveness only
// when the order is last_seen) from the cursor's position with a row-value comparison, which
// PostgreSQL seeks in the (column, id) index; then their full rows. So an OFFSET skips index
// entries, not joined rows. Appends the cursor's (or LIMIT and OFFSET) parameters to `f`.
std::string PageSql(const SortColumn& sort, const ServerQuery& q,
                    const std::optional<ListCursor>& cursor, Filter& f) {
  KeysetWalk walk = PlanWalk(q, cursor);
  const char* dir = walk.descending ? " DESC" : " ASC";
  bool on_liveness = std::string_view(sort.column).starts_with("l.");
  std::string order = std::string(" ORDER BY ") + sort.column + dir;
  std::string outer_order = std::string(" ORDER BY p.k") + dir;
  if (sort.tie_break != nullptr) {
    order.append(", ").append(sort.tie_break).append(dir);
    outer_order.append(", p.id").append(dir);
  }
  if (cursor) {
    const std::string* text = std::get_if<std::string>(&cursor->key);
    std::string key = f.Param(text ? *text : std::to_string(std::get<int64_t>(cursor->key)));
    // A unique column has no ties: the column alone places the row.
    f.Add(sort.tie_break == nullptr
              ? std::string(sort.column) + " " + walk.op + " " + key
              : "(" + std::string(sort.column) + ", " + sort.tie_break + ") " + walk.op + " (" +
                    key + ", " + f.Param(std::to_string(cursor->id)) + ")");
  }
  std::string keys = std::string("SELECT s.id AS id, ") + sort.column + " AS k FROM " +
                     (on_liveness ? std::string(kPgServerFrom) : std::string("servers s")) +
                     f.where + order;
  keys += " LIMIT " + f.Param(std::to_string(walk.fetch));
  if (!cursor) keys += " OFFSET " + f.Param(std::to_string(q.offset));
  return "SELECT " + std::string(kPgServerColumns) + " FROM (" + keys +
         ") p JOIN servers s ON s.id = p.id JOIN server_liveness l ON l.id = s.id" + outer_order;
}

}  // namespace

Result<ServerPage> PostgresStore::ListServers(const ServerQuery& query) {
  const SortColumn* sort = IsSortableField(query.sort) ? FindSortColumn(query.sort) : nullptr;
  if (sort == nullptr) return Status::InvalidArgument("cannot sort by " + query.sort, "sort");
  Status bounds = CheckPageBounds(query);
  if (!bounds.ok()) return bounds;
  Result<std::optional<ListCursor>> cursor = DecodeCursor(query);
  if (!cursor.ok()) return cursor.status();
  Filter filter = BuildFilter(query);
  Filter page_filter = filter;
  std::string sql = PageSql(*sort, query, *cursor, page_filter);
  ServerPage page;
  std::vector<Server> rows;
  Status status = pool_.Run([&](PgConnection& conn) {
    ReadSnapshot tx(conn.raw());
    page.total = CountMatching(tx, conn, query, filter);
    // Not a named prepared statement: planned for these values (the filters' selectivity and
    // the LIMIT decide between the sort index and the search index).
    pqxx::result result =
        tx.exec_params(sql, pqxx::prepare::make_dynamic_params(page_filter.params));
    rows.clear();
    rows.reserve(result.size());
    for (const pqxx::row& row : result) rows.push_back(ReadPgServer(row));
    tx.commit();
    return Status::Ok();
  });
  if (!status.ok()) return status;
  FinishPage(query, *cursor, std::move(rows), page);
  return page;
}

Status PostgresStore::ScanServers(const ServerQuery& query,
                                  const std::function<Status(const Server&)>& each) {
  // Rows go to `each` a batch at a time through a cursor: the result never sits whole in
  // memory, here or in libpq.
  static constexpr const char* kFetch = "FETCH FORWARD 2000 FROM sms_scan";
  const SortColumn* sort = IsSortableField(query.sort) ? FindSortColumn(query.sort) : nullptr;
  if (sort == nullptr) return Status::InvalidArgument("cannot sort by " + query.sort, "sort");
  Filter filter = BuildFilter(query);
  const char* dir = query.order == SortOrder::kDesc ? " DESC" : " ASC";
  std::string sql = "DECLARE sms_scan NO SCROLL CURSOR FOR SELECT " +
                    std::string(kPgServerColumns) + " FROM " + std::string(kPgServerFrom) +
                    filter.where + " ORDER BY " + sort->column + dir;
  if (sort->tie_break != nullptr) sql.append(", ").append(sort->tie_break).append(dir);
  bool started = false;
  return pool_.Run([&](PgConnection& conn) {
    // The pool runs this again on a fresh connection when the first one was lost; `each` has
    // seen rows by then, and must not see them twice.
    if (started) return Status::Unavailable("the database connection was lost during a scan");
    started = true;
    ReadSnapshot tx(conn.raw());
    tx.exec_params(sql, pqxx::prepare::make_dynamic_params(filter.params));
    for (;;) {
      pqxx::result rows = tx.exec(kFetch);
      if (rows.empty()) break;
      for (const pqxx::row& row : rows) {
        Status st = each(ReadPgServer(row));
        if (!st.ok()) return st;
      }
    }
    tx.commit();
    return Status::Ok();
  });
}

Result<FleetStats> PostgresStore::Stats() {
  FleetStats stats;
  Status status = pool_.Run([&](PgConnection& conn) {
    pqxx::nontransaction tx(conn.raw());
    pqxx::row counts = ExecPrepared(tx, conn, kCountsSql)[0];
    stats.total = counts[0].as<int64_t>();
    stats.on = counts[1].as<int64_t>();
    stats.off = stats.total - stats.on;
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return stats;
}

// ---- Events and timelines --------------------------------------------------------------------

namespace {

StatusEvent ReadEvent(const pqxx::row& row, const std::string& server_id, int first) {
  StatusEvent e;
  e.server_id = server_id;
  e.status = row[first].as<int>() != 0 ? ServerStatus::kOn : ServerStatus::kOff;
  e.at = row[first + 1].as<int64_t>();
  e.cause = row[first + 2].as<std::string>();
  return e;
}

}  // namespace

Result<std::vector<StatusEvent>> PostgresStore::ListEvents(const std::string& server_id,
                                                           Millis from, Millis to) {
  static const std::string kBefore =
      "SELECT status, at, cause FROM status_events WHERE server = $1 AND at < $2 "
      "ORDER BY at DESC, id DESC LIMIT 1";
  static const std::string kInside =
      "SELECT status, at, cause FROM status_events WHERE server = $1 AND at >= $2 AND at < $3 "
      "ORDER BY at, id";
  std::vector<StatusEvent> events;
  Status status = pool_.Run([&](PgConnection& conn) {
    ReadSnapshot tx(conn.raw());
    std::optional<Server> found = FindPgServer(tx, conn, server_id);
    if (!found) return ServerNotFound(server_id);
    events.clear();
    for (const pqxx::row& row : ExecPrepared(tx, conn, kBefore, found->id, std::min(from, to))) {
      events.push_back(ReadEvent(row, server_id, 0));
    }
    for (const pqxx::row& row : ExecPrepared(tx, conn, kInside, found->id, from, to)) {
      events.push_back(ReadEvent(row, server_id, 0));
    }
    tx.commit();
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return events;
}

Result<std::vector<ServerTimeline>> PostgresStore::Timelines(Millis from, Millis to) {
  // Three statements whatever the fleet size; the two event reads probe the (server, at, id)
  // index once per server.
  static const std::string kServers =
      "SELECT id, server_id, created_time FROM servers ORDER BY server_id";
  static const std::string kBefore =
      "SELECT s.id, e.status, e.at, e.cause FROM servers s CROSS JOIN LATERAL ("
      "SELECT status, at, cause FROM status_events WHERE server = s.id AND at < $1 "
      "ORDER BY at DESC, id DESC LIMIT 1) e";
  static const std::string kInside =
      "SELECT s.id, e.status, e.at, e.cause FROM servers s CROSS JOIN LATERAL ("
      "SELECT id, status, at, cause FROM status_events WHERE server = s.id AND at >= $1 "
      "AND at < $2) e ORDER BY s.id, e.at, e.id";
  std::vector<ServerTimeline> timelines;
  Status status = pool_.Run([&](PgConnection& conn) {
    ReadSnapshot tx(conn.raw());
    timelines.clear();
    std::unordered_map<int64_t, size_t> by_row;
    pqxx::result servers = ExecPrepared(tx, conn, kServers);
    timelines.reserve(servers.size());
    by_row.reserve(servers.size());
    for (const pqxx::row& row : servers) {
      by_row.emplace(row[0].as<int64_t>(), timelines.size());
      ServerTimeline& t = timelines.emplace_back();
      t.server_id = row[1].as<std::string>();
      t.created_time = row[2].as<int64_t>();
    }
    auto append = [&](const pqxx::result& rows) {
      for (const pqxx::row& row : rows) {
        auto it = by_row.find(row[0].as<int64_t>());
        if (it == by_row.end()) continue;  // cannot happen inside one snapshot
        ServerTimeline& t = timelines[it->second];
        t.events.push_back(ReadEvent(row, t.server_id, 1));
      }
    };
    append(ExecPrepared(tx, conn, kBefore, std::min(from, to)));
    append(ExecPrepared(tx, conn, kInside, from, to));
    tx.commit();
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return timelines;
}

}  // namespace sms::store
