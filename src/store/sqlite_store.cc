#include "store/sqlite_store.h"

#include <algorithm>
#include <chrono>
#include <variant>

#include "core/query.h"
#include "core/status_macros.h"
#include "store/like_pattern.h"
#include "store/list_cursor.h"
#include "store/migrations.h"
#include "store/server_rules.h"
#include "store/sqlite_rows.h"

namespace sms::store {
namespace {

Millis WallClockNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A path as an SQLite file: URI; '%', '?' and '#' would otherwise be read as URI syntax.
std::string FileUri(const std::string& path) {
  std::string uri = "file:";
  for (char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      static constexpr char kHex[] = "0123456789ABCDEF";
      auto byte = static_cast<unsigned char>(c);
      uri += '%';
      uri += kHex[byte >> 4];
      uri += kHex[byte & 0xf];
    } else {
      uri += c;
    }
  }
  return uri;
}

}  // namespace

// ---- Opening and connections -----------------------------------------------------------------

Result<std::shared_ptr<SqliteStore>> SqliteStore::Open(const SqliteOptions& options) {
  std::shared_ptr<SqliteStore> store(new SqliteStore());
  ConnectionOptions writer;
  // A private in-memory database: one connection, so no shared cache and no table locks.
  writer.uri = options.memory ? "file::memory:" : FileUri(options.path);
  writer.cache_kib = options.writer_cache_kib;
  writer.mmap_bytes = options.memory ? 0 : options.mmap_bytes;
  Result<std::unique_ptr<Connection>> conn = Connection::Open(writer);
  if (!conn.ok()) return conn.status();
  store->writer_ = std::move(*conn);
  Status status = ApplyMigrations(*store->writer_, WallClockNow());
  if (!status.ok()) return status;
  ReportNameCollisions(*MakeSqliteNameRows(*store->writer_));  // at every start, until renamed
  if (options.memory) return store;

  ConnectionOptions reader = writer;
  reader.read_only = true;
  reader.cache_kib = options.reader_cache_kib;
  for (int i = 0; i < options.readers; ++i) {
    Result<std::unique_ptr<Connection>> r = Connection::Open(reader);
    if (!r.ok()) return r.status();
    store->idle_readers_.push_back(std::move(*r));
  }
  store->pooled_ = !store->idle_readers_.empty();

  ConnectionOptions checkpoint = writer;
  checkpoint.cache_kib = 1024;
  Result<std::unique_ptr<Connection>> c = Connection::Open(checkpoint);
  if (!c.ok()) return c.status();
  store->checkpointer_ =
      std::make_unique<Checkpointer>(std::move(*c), store->writer_mu_, options.checkpoint_frames);
  Checkpointer* checkpointer = store->checkpointer_.get();
  store->writer_->OnWalCommit([checkpointer](int frames) { checkpointer->OnCommit(frames); });
  return store;
}

SqliteStore::~SqliteStore() {
  // The hook points at the checkpointer, which goes first.
  if (writer_ != nullptr) writer_->OnWalCommit(nullptr);
  checkpointer_.reset();
}

Status SqliteStore::WithWriter(const ConnectionFn& fn) {
  std::lock_guard lock(writer_mu_);
  return fn(*writer_);
}

Status SqliteStore::WithReader(const ConnectionFn& fn) {
  if (!pooled_) return WithWriter(fn);
  std::unique_ptr<Connection> conn;
  {
    std::unique_lock lock(pool_mu_);
    pool_cv_.wait(lock, [this] { return !idle_readers_.empty(); });
    conn = std::move(idle_readers_.back());
    idle_readers_.pop_back();
  }
  // Give the connection back even if `fn` throws (std::bad_alloc), or the pool would shrink.
  struct Lease {
    SqliteStore* store;
    std::unique_ptr<Connection>& conn;
    ~Lease() {
      {
        std::lock_guard lock(store->pool_mu_);
        store->idle_readers_.push_back(std::move(conn));
      }
      store->pool_cv_.notify_one();
    }
  } lease{this, conn};
  return fn(*conn);
}

Status SqliteStore::Ping() {
  return WithReader([](Connection& conn) {
    Result<Statement> st = conn.Prepare("SELECT 1");
    if (!st.ok()) return Status::Unavailable(st.status().message());
    Result<bool> row = st->Step();
    if (!row.ok()) return Status::Unavailable(row.status().message());
    return Status::Ok();
  });
}

// ---- CRUD ------------------------------------------------------------------------------------

Result<Server> SqliteStore::CreateServer(const ServerInput& input, Millis now) {
  Server s = NewServer(input, now);
  RETURN_IF_ERROR(WithWriter([&](Connection& conn) {
    Transaction tx(conn);
    RETURN_IF_ERROR(tx.BeginWrite());
    ASSIGN_OR_RETURN(std::optional<Server> existing, FindServer(conn, s.server_id));
    if (existing) return ServerIdTaken(s.server_id);
    ASSIGN_OR_RETURN(bool taken, NameTaken(conn, s.server_name));
    if (taken) return ServerNameTaken(s.server_name);
    RETURN_IF_ERROR(InsertServer(conn, s));
    RETURN_IF_ERROR(InsertEvent(conn, s.id, ServerStatus::kOff, now, "created"));
    return tx.Commit();
  }));
  return s;
}

Result<Server> SqliteStore::GetServer(const std::string& server_id) {
  Server found;
  RETURN_IF_ERROR(WithReader([&](Connection& conn) {
    ASSIGN_OR_RETURN(found, RequireServer(conn, server_id));
    return Status::Ok();
  }));
  return found;
}

Result<Server> SqliteStore::UpdateServer(const std::string& server_id, const ServerPatch& patch,
                                         Millis now) {
  Server s;
  RETURN_IF_ERROR(WithWriter([&](Connection& conn) {
    Transaction tx(conn);
    RETURN_IF_ERROR(tx.BeginWrite());
    ASSIGN_OR_RETURN(s, RequireServer(conn, server_id));
    const std::string name = s.server_name;
    if (!ApplyPatch(patch, now, s)) return Status::Ok();  // nothing to change
    const bool renamed = s.server_name != name;
    if (renamed) {
      ASSIGN_OR_RETURN(bool taken, NameTaken(conn, s.server_name, s.id));
      if (taken) return ServerNameTaken(s.server_name);
    }
    RETURN_IF_ERROR(WriteServer(conn, s));
    if (renamed) RETURN_IF_ERROR(WriteNameKey(conn, s));
    return tx.Commit();
  }));
  return s;
}

Status SqliteStore::DeleteServer(const std::string& server_id) {
  return WithWriter([&](Connection& conn) {
    Transaction tx(conn);
    RETURN_IF_ERROR(tx.BeginWrite());
    ASSIGN_OR_RETURN(Server found, RequireServer(conn, server_id));
    for (const char* sql :
         {"DELETE FROM status_events WHERE server = ?", "DELETE FROM servers WHERE id = ?"}) {
      ASSIGN_OR_RETURN(Statement del, conn.Prepare(sql));
      del.Bind(1, found.id);
      RETURN_IF_ERROR(del.Run());
    }
    return tx.Commit();
  });
}

// ---- Listing ---------------------------------------------------------------------------------

namespace {

// The fixed SQL text of each sortable field; nothing from the request reaches ORDER BY.
const char* SortColumn(std::string_view field) {
  static constexpr std::pair<std::string_view, const char*> kColumns[] = {
      {"server_id", "server_id"},
      {"server_name", "server_name"},
      {"ipv4", "ipv4_num"},
      {"hostname", "hostname"},
      {"status", "status"},
      {"created_time", "created_time"},
      {"last_updated", "last_updated"},
      {"last_seen", "last_seen"},
      {"status_changed_at", "status_changed_at"},
  };
  for (const auto& [name, column] : kColumns) {
    if (name == field) return column;
  }
  return nullptr;
}

// A LIKE pattern for the trigram index that matches a superset of ContainsPattern(text): the
// text's % and _ stay wildcards (the index cannot take ESCAPE). Empty when the text has no run
// of three characters free of wildcards, which is the least the index can look up.
std::string SearchPattern(std::string_view text) {
  int run = 0;
  int longest = 0;
  for (char c : text) {
    if (c == '%' || c == '_') {
      run = 0;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {  // count UTF-8 characters
      longest = std::max(longest, ++run);
    }
  }
  if (longest < 3) return {};
  return std::string("%").append(text).append("%");
}

// The WHERE clause of a list query and its parameters (?1, ?2, … in order).
struct Filter {
  std::string where;
  std::vector<std::variant<int64_t, std::string>> params;

  void Add(const std::string& condition) {
    where += where.empty() ? " WHERE " : " AND ";
    where += condition;
  }
  // The placeholder of the next parameter. (Strings here are built with append: GCC 12 at -O3
  // warns falsely (-Wrestrict) about operator+ on a literal and a temporary.)
  std::string Next() const { return std::string("?").append(std::to_string(params.size() + 1)); }

  // Narrows to the servers whose searchable text may contain `text`, through the trigram
  // index (migration 0002), when the text is long enough for it.
  void AddSearch(std::string_view text) {
    std::string search = SearchPattern(text);
    if (search.empty()) return;
    Add("id IN (SELECT rowid FROM servers_search WHERE text LIKE " + Next() + ")");
    params.emplace_back(std::move(search));
  }

  void Bind(Statement& st) const {
    for (size_t i = 0; i < params.size(); ++i) {
      int index = static_cast<int>(i + 1);
      if (const int64_t* n = std::get_if<int64_t>(&params[i])) {
        st.Bind(index, *n);
      } else {
        st.Bind(index, std::get<std::string>(params[i]));
      }
    }
  }
};

// `probe_tags`: each tag filter as a primary-key probe per server (TagPlan::probe); otherwise
// as the set of the tag's servers.
Filter BuildFilter(const ServerQuery& q, bool probe_tags = false) {
  Filter f;
  if (!q.server_id.empty()) {
    f.Add("server_id = " + f.Next());
    f.params.emplace_back(q.server_id);
  }
  if (!q.server_name.empty()) {
    f.AddSearch(q.server_name);
    f.Add("server_name LIKE " + f.Next() + " ESCAPE '\\'");
    f.params.emplace_back(ContainsPattern(q.server_name));
  }
  if (!q.ipv4.empty()) {
    // ipv4_num is indexed; the text comparison keeps the match exact.
    f.Add("ipv4_num = " + f.Next());
    f.params.emplace_back(Ipv4Number(q.ipv4) >= 0 ? Ipv4Number(q.ipv4) : int64_t{-2});
    f.Add("ipv4 = " + f.Next());
    f.params.emplace_back(q.ipv4);
  }
  if (q.status) {
    // Unary + keeps the planner off the two-valued status index, so it walks the sort index
    // and stops after one page instead of sorting half the fleet.
    f.Add("+status = " + f.Next());
    f.params.emplace_back(int64_t{*q.status == ServerStatus::kOn});
  }
  for (const std::string& tag : q.tags) {
    // The (tag, server) primary key of migration 0007: an index, never a substring match.
    f.Add(probe_tags ? "EXISTS (SELECT 1 FROM server_tags WHERE tag = " + f.Next() +
                           " AND server = servers.id)"
                     : "id IN (SELECT server FROM server_tags WHERE tag = " + f.Next() + ")");
    f.params.emplace_back(tag);
  }
  if (!q.q.empty()) {
    f.AddSearch(q.q);
    std::string p = f.Next();
    f.Add("(server_id LIKE " + p + " ESCAPE '\\' OR server_name LIKE " + p +
          " ESCAPE '\\' OR hostname LIKE " + p + " ESCAPE '\\' OR ipv4 LIKE " + p +
          " ESCAPE '\\')");
    f.params.emplace_back(ContainsPattern(q.q));
  }
  return f;
}

Result<int64_t> CountMatching(Connection& conn, const ServerQuery& q, const Filter& f,
                              const TagPlan& tags) {
  if (tags.all >= 0) return tags.all;
  bool only_status = q.server_id.empty() && q.server_name.empty() && q.ipv4.empty() &&
                     q.q.empty() && q.tags.empty();
  if (only_status) {
    // The trigger-kept counters answer without touching the servers table.
    Result<Statement> st = conn.Prepare("SELECT total, on_count FROM fleet_counts WHERE id = 1");
    if (!st.ok()) return st.status();
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    int64_t total = st->Int(0);
    int64_t on = st->Int(1);
    if (!q.status) return total;
    return *q.status == ServerStatus::kOn ? on : total - on;
  }
  Result<Statement> st = conn.Prepare("SELECT count(*) FROM servers" + f.where);
  if (!st.ok()) return st.status();
  f.Bind(*st);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  return st->Int(0);
}

// The SELECT of one page. From a cursor, two index ranges merged: the rows that tie with the
// position on the sort column (past it by id), then the rows past it on the column. SQLite
// seeks a row value (column, id) on the column alone, which reads every tie first (half the
// fleet for sort=status); an equality on the column and a range on the rowid each index ends
// with is one seek. Appends the cursor's parameters to `f`.
std::string PageSql(const char* column, const ServerQuery& q,
                    const std::optional<ListCursor>& cursor, Filter& f) {
  KeysetWalk walk = PlanWalk(q, cursor);
  const char* dir = walk.descending ? " DESC" : " ASC";
  std::string limit = " LIMIT " + std::to_string(walk.fetch);
  std::string order = std::string(" ORDER BY ") + column + dir + ", id" + dir + limit;
  std::string columns = "SELECT " + std::string(kServerColumns) + " FROM servers";
  if (!cursor) return columns + f.where + order + " OFFSET " + std::to_string(q.offset);
  std::string and_ = f.where.empty() ? " WHERE " : f.where + " AND ";
  std::string key = f.Next();
  f.params.push_back(cursor->key);
  std::string id = f.Next();
  f.params.emplace_back(cursor->id);
  std::string op = walk.op;
  columns.insert(columns.find(" FROM servers"), std::string(", ") + column + " AS k");
  std::string ties = columns + and_ + column + " = " + key + " AND id " + op + " " + id + order;
  std::string past = columns + and_ + column + " " + op + " " + key + order;
  return "SELECT * FROM (SELECT * FROM (" + ties + ") UNION ALL SELECT * FROM (" + past +
         ")) ORDER BY k" + dir + ", id" + dir + limit;
}

}  // namespace

Result<ServerPage> SqliteStore::ListServers(const ServerQuery& query) {
  const char* column = IsSortableField(query.sort) ? SortColumn(query.sort) : nullptr;
  if (column == nullptr) return Status::InvalidArgument("cannot sort by " + query.sort, "sort");
  Status bounds = CheckPageBounds(query);
  if (!bounds.ok()) return bounds;
  Result<std::optional<ListCursor>> cursor = DecodeCursor(query);
  if (!cursor.ok()) return cursor.status();
  Filter filter = BuildFilter(query);
  ServerPage page;
  std::vector<Server> rows;
  Status status = WithReader([&](Connection& conn) {
    Transaction tx(conn);  // one snapshot for the total and the page
    Status st = tx.BeginRead();
    if (!st.ok()) return st;
    Result<TagPlan> tags = PlanTags(conn, query);
    if (!tags.ok()) return tags.status();
    Result<int64_t> total = CountMatching(conn, query, filter, *tags);
    if (!total.ok()) return total.status();
    page.total = *total;
    Filter page_filter = tags->probe ? BuildFilter(query, true) : filter;
    std::string sql = PageSql(column, query, *cursor, page_filter);
    Result<Statement> select = conn.Prepare(sql);
    if (!select.ok()) return select.status();
    page_filter.Bind(*select);
    rows.clear();
    for (;;) {
      Result<bool> row = select->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      rows.push_back(ReadServer(*select));
    }
    select->Reset();
    return tx.Commit();
  });
  if (!status.ok()) return status;
  FinishPage(query, *cursor, std::move(rows), page);
  return page;
}

Status SqliteStore::ScanServers(const ServerQuery& query,
                                const std::function<Status(const Server&)>& each) {
  const char* column = IsSortableField(query.sort) ? SortColumn(query.sort) : nullptr;
  if (column == nullptr) return Status::InvalidArgument("cannot sort by " + query.sort, "sort");
  Filter filter = BuildFilter(query);
  const char* dir = query.order == SortOrder::kDesc ? " DESC" : " ASC";
  std::string sql = "SELECT " + std::string(kServerColumns) + " FROM servers" + filter.where +
                    " ORDER BY " + column + dir + ", id" + dir;
  return WithReader([&](Connection& conn) {
    Transaction tx(conn);  // one snapshot, however long `each` takes
    Status st = tx.BeginRead();
    if (!st.ok()) return st;
    Result<Statement> select = conn.Prepare(sql);
    if (!select.ok()) return select.status();
    filter.Bind(*select);
    for (;;) {
      Result<bool> row = select->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      st = each(ReadServer(*select));
      if (!st.ok()) return st;
    }
    select->Reset();
    return tx.Commit();
  });
}

Result<FleetStats> SqliteStore::Stats() {
  FleetStats stats;
  Status status = WithReader([&](Connection& conn) {
    Result<Statement> st = conn.Prepare("SELECT total, on_count FROM fleet_counts WHERE id = 1");
    if (!st.ok()) return st.status();
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    stats.total = st->Int(0);
    stats.on = st->Int(1);
    stats.off = stats.total - stats.on;
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return stats;
}

// ---- Events ----------------------------------------------------------------------------------

namespace {

StatusEvent ReadEvent(const Statement& st, const std::string& server_id, int first) {
  StatusEvent e;
  e.server_id = server_id;
  e.status = st.Int(first) != 0 ? ServerStatus::kOn : ServerStatus::kOff;
  e.at = st.Int(first + 1);
  e.cause = st.Text(first + 2);
  return e;
}

Status ReadEvents(Statement& st, const std::string& server_id, std::vector<StatusEvent>& out) {
  for (;;) {
    Result<bool> row = st.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    out.push_back(ReadEvent(st, server_id, 0));
  }
}

}  // namespace

Result<std::vector<StatusEvent>> SqliteStore::ListEvents(const std::string& server_id, Millis from,
                                                         Millis to) {
  std::vector<StatusEvent> events;
  Status status = WithReader([&](Connection& conn) {
    Transaction tx(conn);
    Status st = tx.BeginRead();
    if (!st.ok()) return st;
    Result<std::optional<Server>> found = FindServer(conn, server_id);
    if (!found.ok()) return found.status();
    if (!found->has_value()) return ServerNotFound(server_id);
    int64_t row = (*found)->id;
    Result<Statement> before = conn.Prepare(
        "SELECT status, at, cause FROM status_events WHERE server = ?1 AND at < ?2 "
        "ORDER BY at DESC, id DESC LIMIT 1");
    if (!before.ok()) return before.status();
    before->Bind(1, row).Bind(2, std::min(from, to));
    st = ReadEvents(*before, server_id, events);
    if (!st.ok()) return st;
    Result<Statement> inside = conn.Prepare(
        "SELECT status, at, cause FROM status_events WHERE server = ?1 AND at >= ?2 AND at < ?3 "
        "ORDER BY at, id");
    if (!inside.ok()) return inside.status();
    inside->Bind(1, row).Bind(2, from).Bind(3, to);
    st = ReadEvents(*inside, server_id, events);
    if (!st.ok()) return st;
    return tx.Commit();
  });
  if (!status.ok()) return status;
  return events;
}

}  // namespace sms::store
