// PostgresStore::ImportServers: many servers created in one transaction, set-based (a fixed
// number of statements per chunk of rows, whatever its size).

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/validation.h"
#include "store/list_column.h"
#include "store/postgres_rows.h"
#include "store/postgres_store.h"
#include "store/server_rules.h"

namespace sms::store {
namespace {

// Rows per INSERT statement: bounds the size of the array literals sent.
constexpr size_t kChunk = 20000;

const std::string kTakenIdsSql = "SELECT server_id FROM servers WHERE server_id = ANY($1::text[])";
// Names are unique by their NameKey (core/validation.h).
const std::string kTakenKeysSql = "SELECT name_key FROM servers WHERE name_key = ANY($1::text[])";
const std::string kIdTakenSql = "SELECT 1 FROM servers WHERE server_id = $1";

// A row that collides with a concurrent writer's is skipped (and reported by the caller).
const std::string kInsertSql =
    "INSERT INTO servers (server_id, server_name, ipv4, ipv4_num, hostname, status, "
    "\"interval\", created_time, last_updated, status_changed_at, tags, name_key) "
    "SELECT v.server_id, v.server_name, v.ipv4, v.ipv4_num, v.hostname, 0, 30, $6, $6, $6, "
    "v.tags, v.name_key FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], "
    "$7::text[], $8::text[]) AS v(server_id, server_name, ipv4, ipv4_num, hostname, tags, "
    "name_key) ON CONFLICT DO NOTHING RETURNING id, server_id";

const std::string kLivenessSql =
    "INSERT INTO server_liveness (id, last_seen, status, \"interval\") "
    "SELECT id, 0, 0, 30 FROM unnest($1::bigint[]) AS v(id)";

const std::string kEventsSql =
    "INSERT INTO status_events (server, status, at, cause) "
    "SELECT id, 0, $2, 'created' FROM unnest($1::bigint[]) AS v(id)";

// Values of the rows stored already: one query per field.
std::unordered_set<std::string> Stored(pqxx::work& tx, PgConnection& conn, const std::string& sql,
                                       const std::vector<std::string>& values) {
  std::unordered_set<std::string> out;
  for (const pqxx::row& row : ExecPrepared(tx, conn, sql, PgTextArray(values))) {
    out.insert(row[0].as<std::string>());
  }
  return out;
}

// One import inside the caller's transaction.
class Importer {
 public:
  Importer(pqxx::work& tx, PgConnection& conn, const std::vector<ServerInput>& rows, Millis now)
      : tx_(tx), conn_(conn), rows_(rows), now_(now) {}

  ImportResult Run() {
    std::vector<size_t> fresh = Fresh();
    for (size_t start = 0; start < fresh.size(); start += kChunk) {
      size_t end = std::min(fresh.size(), start + kChunk);
      Insert(std::vector<size_t>(fresh.begin() + start, fresh.begin() + end));
    }
    std::sort(result_.conflicts.begin(), result_.conflicts.end(),
              [](const ImportConflict& a, const ImportConflict& b) { return a.index < b.index; });
    return std::move(result_);
  }

 private:
  // The rows to insert, in order; the rest become conflicts. A row takes its values only when
  // it is inserted, as in CreateServer one after the other.
  std::vector<size_t> Fresh() {
    std::vector<std::string> ids;
    keys_.clear();
    for (const ServerInput& in : rows_) {
      ids.push_back(in.server_id);
      keys_.push_back(NameKey(in.server_name));
    }
    std::unordered_set<std::string> stored_ids = Stored(tx_, conn_, kTakenIdsSql, ids);
    std::unordered_set<std::string> stored_keys = Stored(tx_, conn_, kTakenKeysSql, keys_);
    std::unordered_set<std::string_view> seen_ids, seen_keys;
    std::vector<size_t> fresh;
    for (size_t i = 0; i < rows_.size(); ++i) {
      const ServerInput& in = rows_[i];
      if (stored_ids.count(in.server_id) || seen_ids.count(in.server_id)) {
        result_.conflicts.push_back({i, "server_id"});
      } else if (stored_keys.count(keys_[i]) || seen_keys.count(keys_[i])) {
        result_.conflicts.push_back({i, "server_name"});
      } else {
        fresh.push_back(i);
        seen_ids.insert(in.server_id);
        seen_keys.insert(keys_[i]);
      }
    }
    return fresh;
  }

  void Insert(const std::vector<size_t>& chunk) {
    std::vector<std::string> id, name, ipv4, hostname, tags, key;
    std::vector<int64_t> ipv4_num;
    for (size_t i : chunk) {
      const ServerInput& in = rows_[i];
      id.push_back(in.server_id);
      name.push_back(in.server_name);
      ipv4.push_back(in.ipv4);
      ipv4_num.push_back(Ipv4Number(in.ipv4));
      hostname.push_back(in.hostname);
      tags.push_back(JoinColumn(in.tags, ','));
      key.push_back(keys_[i]);
    }
    std::unordered_map<std::string, int64_t> inserted;
    for (const pqxx::row& row :
         ExecPrepared(tx_, conn_, kInsertSql, PgTextArray(id), PgTextArray(name), PgTextArray(ipv4),
                      PgIntArray(ipv4_num), PgTextArray(hostname), now_, PgTextArray(tags),
                      PgTextArray(key))) {
      inserted.emplace(row[1].as<std::string>(), row[0].as<int64_t>());
    }
    std::vector<int64_t> rows;
    for (size_t i : chunk) {
      auto it = inserted.find(rows_[i].server_id);
      if (it == inserted.end()) {
        // A concurrent writer took the server_id or the server_name since Fresh() looked.
        bool id_taken = !ExecPrepared(tx_, conn_, kIdTakenSql, rows_[i].server_id).empty();
        result_.conflicts.push_back({i, id_taken ? "server_id" : "server_name"});
        continue;
      }
      rows.push_back(it->second);
      result_.imported.push_back(Created(rows_[i], it->second));
    }
    if (rows.empty()) return;
    ExecPrepared(tx_, conn_, kLivenessSql, PgIntArray(rows));
    ExecPrepared(tx_, conn_, kEventsSql, PgIntArray(rows), now_);
  }

  Server Created(const ServerInput& in, int64_t row) const {
    Server s = NewServer(in, now_);
    s.id = row;
    return s;
  }

  pqxx::work& tx_;
  PgConnection& conn_;
  const std::vector<ServerInput>& rows_;
  std::vector<std::string> keys_;  // the NameKey of each row
  const Millis now_;
  ImportResult result_;
};

}  // namespace

Result<ImportResult> PostgresStore::ImportServers(const std::vector<ServerInput>& rows,
                                                  Millis now) {
  ImportResult result;
  Status status = pool_.Run([&](PgConnection& conn) {
    pqxx::work tx(conn.raw());
    result = Importer(tx, conn, rows, now).Run();
    tx.commit();
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return result;
}

}  // namespace sms::store
