// PostgreSQL specifics: URL parsing, error mapping, migrations under the advisory lock, the
// pool (its bound, lost connections), query plans, atomic batches, concurrent writers.
// The cases that need an engine skip when SMS_DATABASE_URL is not set.

#include "store/postgres_store.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "store/name_normalization.h"
#include "store/postgres_connection.h"
#include "store/postgres_migrations.h"
#include "store/store_test_util.h"
#include "support/assert_ok.h"
#include "support/log_capture.h"
#include "support/wait_until.h"

// libpqxx 6.4 drops (without PQclear) the PGresult of a statement that finds its connection
// broken: a few hundred bytes per lost connection, which LostConnectionsAreReestablished
// provokes on purpose. Only those two libpqxx entry points are exempted from leak checking.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:pqxx::connection_base::exec_prepared\n"
         "leak:pqxx::connection_base::register_prepared\n";
}

namespace sms::store::testing {
namespace {

using sms::testing::LogCapture;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::Not;

// ---- Without an engine -----------------------------------------------------------------------

TEST(PostgresUrlTest, PoolSizeIsTakenOutAndTheRestGoesToLibpq) {
  Result<PostgresOptions> o = ParsePostgresUrl("postgresql://u:p@h:5/db?pool_size=3&sslmode=off");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->conninfo, "postgresql://u:p@h:5/db?sslmode=off");
  EXPECT_EQ(o->pool_size, 3);
  o = ParsePostgresUrl("postgres://h/db?sslmode=off&pool_size=12&application_name=x");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->conninfo, "postgres://h/db?sslmode=off&application_name=x");
  EXPECT_EQ(o->pool_size, 12);
  o = ParsePostgresUrl("postgresql://h/db");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->conninfo, "postgresql://h/db");
  EXPECT_EQ(o->pool_size, kDefaultPoolSize);
  for (const char* bad : {"0", "-1", "abc", "", "9999", "4x"}) {
    Result<StorePtr> store =
        MakeStore({std::string("postgresql://u:secret@h/db?pool_size=") + bad});
    ASSERT_FALSE(store.ok()) << bad;
    EXPECT_EQ(store.status().code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(store.status().field(), "database_url");
    EXPECT_THAT(store.status().message(), Not(HasSubstr("secret")));
  }
}

TEST(PostgresUrlTest, AnUnreachableServerIsUnavailableWithoutLeakingThePassword) {
  Result<StorePtr> store = MakeStore({"postgresql://u:secret@127.0.0.1:1/sms?connect_timeout=2"});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kUnavailable);
  EXPECT_TRUE(store.status().retryable());
  EXPECT_THAT(store.status().message(), Not(HasSubstr("secret")));
}

TEST(PgErrorTest, MapsSqlStatesToCodes) {
  auto sql = [](const char* state, const std::string& what = "ERROR:  boom\n") {
    return PgError(pqxx::sql_error(what, "SELECT 1", state));
  };
  Status name =
      sql("23505",
          "ERROR:  duplicate key value violates unique constraint "
          "\"servers_server_name_key\"\nDETAIL:  Key (server_name)=(a) already exists.\n");
  EXPECT_EQ(name.code(), Code::kConflict);
  EXPECT_EQ(name.field(), "server_name");
  // Whatever the server's language, the constraint's name is in the message.
  Status id = sql("23505",
                  "FEHLER:  doppelter Schlüsselwert verletzt Unique-Constraint "
                  "»servers_server_id_key«\n");
  EXPECT_EQ(id.code(), Code::kConflict);
  EXPECT_EQ(id.field(), "server_id");
  for (const char* state :
       {"08006", "08001", "57P01", "57P02", "57P03", "53300", "40001", "40P01"}) {
    Status s = sql(state);
    EXPECT_EQ(s.code(), Code::kUnavailable) << state;
    EXPECT_TRUE(s.retryable()) << state;
    EXPECT_THAT(s.message(), HasSubstr("boom")) << state;
  }
  for (const char* state : {"42P01", "23503", "22021", "XX000"}) {
    EXPECT_EQ(sql(state).code(), Code::kInternal) << state;
  }
  EXPECT_EQ(PgError(pqxx::broken_connection("server closed the connection")).code(),
            Code::kUnavailable);
  EXPECT_EQ(PgError(pqxx::in_doubt_error("lost during commit")).code(), Code::kUnavailable);
  EXPECT_EQ(PgError(std::runtime_error("other")).code(), Code::kInternal);
  EXPECT_TRUE(PgConnectionLost(pqxx::broken_connection("x")));
  EXPECT_TRUE(PgConnectionLost(pqxx::sql_error("x", "q", "57P01")));
  EXPECT_FALSE(PgConnectionLost(pqxx::sql_error("x", "q", "23505")));
}

// ---- With an engine --------------------------------------------------------------------------

// Raw access to a test schema, to look at what the store wrote and to break things.
class RawPg {
 public:
  explicit RawPg(const TempPgSchema& schema) : conn_(schema.url()) {}
  // The rows of `sql`, each as its columns joined by '|'.
  std::vector<std::string> Rows(const std::string& sql) {
    pqxx::work tx(conn_);
    pqxx::result r = tx.exec(sql);
    tx.commit();
    std::vector<std::string> rows;
    for (const pqxx::row& row : r) {
      std::string line;
      for (pqxx::row::size_type i = 0; i < row.size(); ++i) {
        line += (i ? "|" : "") + std::string(row[i].is_null() ? "" : row[i].c_str());
      }
      rows.push_back(line);
    }
    return rows;
  }
  std::string One(const std::string& sql) { return Rows(sql).at(0); }
  // Runs `sql` outside a transaction block (VACUUM).
  void Exec(const std::string& sql) { pqxx::nontransaction(conn_).exec(sql); }
  std::string Plan(const std::string& sql) {
    std::string plan;
    for (const std::string& row : Rows("EXPLAIN " + sql)) plan += row + "\n";
    return plan;
  }
  // The sessions of the store(s) on this schema (they carry its name as application_name).
  int StoreSessions(const TempPgSchema& schema) {
    return std::stoi(One("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" +
                         schema.name() + "' AND pid <> pg_backend_pid()"));
  }

 private:
  pqxx::connection conn_;
};

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (PostgresTestUrl().empty()) GTEST_SKIP() << kNoPostgres;
    ASSERT_TRUE(schema_.ok());
  }

  std::shared_ptr<PostgresStore> Open(const std::string& extra = "") {
    Result<PostgresOptions> options = ParsePostgresUrl(schema_.url(extra));
    EXPECT_TRUE(options.ok()) << options.status().ToString();
    if (!options.ok()) return nullptr;
    Result<std::shared_ptr<PostgresStore>> store = PostgresStore::Open(*options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? *store : nullptr;
  }

  // The schema as a binary older than migration `version` left it, with the servers `sql`
  // inserts.
  void AsBefore(int version, const char* sql) {
    {
      ASSERT_OK_AND_ASSIGN(PostgresOptions options, ParsePostgresUrl(schema_.url()));
      PgPool pool(options.conninfo, 1);
      ASSERT_TRUE(ApplyPgMigrations(pool, kT0, version - 1).ok());
    }
    RawPg(schema_).Rows(std::string(sql) +
                        "; INSERT INTO server_liveness (id) SELECT id FROM servers; SELECT 1");
  }

  TempPgSchema schema_;
};

TEST_F(PostgresStoreTest, NamesBecomeNfcAndCollisionsAreLeftAsTheyAreAndReportedAtEachStart) {
  ASSERT_NO_FATAL_FAILURE(AsBefore(kNfcNamesVersion, kNamesBeforeNfc));
  RawPg raw(schema_);
  {
    LogCapture logs;
    std::shared_ptr<PostgresStore> store = Open();
    ASSERT_NE(store, nullptr);
    ExpectNamesAfterNfcMigration(*store);
    EXPECT_EQ(logs.Count(kNfcCollisionsLogged), 1);
    EXPECT_EQ(logs.Count(kNfcCollisionsListed), 1) << ::testing::PrintToString(logs.Lines());
  }
  EXPECT_THAT(raw.Rows("SELECT server_id, server_name, nfc FROM server_name_collisions "
                       "ORDER BY server_id"),
              ElementsAreArray(kNfcCollisionsRecorded));
  {
    LogCapture logs;  // the next start says it again
    std::shared_ptr<PostgresStore> store = Open();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(logs.Count(kNfcCollisionsListed), 1);
    ServerPatch rename{"Caf\xC3\xA9 (2)", std::nullopt, std::nullopt};
    ASSERT_TRUE(store->UpdateServer("b", rename, kT0).ok());
  }
  LogCapture logs;  // one set left
  ASSERT_NE(Open(), nullptr);
  EXPECT_EQ(logs.Count("1 set(s) of servers"), 1);
  EXPECT_EQ(logs.Count("Caf"), 0);
}

TEST_F(PostgresStoreTest, NamesThatDifferOnlyInCaseAreKeptRecordedAndReportedUntilRenamed) {
  ASSERT_NO_FATAL_FAILURE(AsBefore(kNameKeysVersion, kNamesBeforeKeys));
  RawPg raw(schema_);
  {
    LogCapture logs;
    std::shared_ptr<PostgresStore> store = Open();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(logs.Count(kCaseCollisionsListed), 1) << ::testing::PrintToString(logs.Lines());
    EXPECT_THAT(raw.Rows("SELECT server_id, server_name, nfc FROM server_name_collisions "
                         "ORDER BY server_id"),
                ElementsAreArray(kCaseCollisionsRecorded));
    ExpectNamesAfterKeyMigration(*store);
  }
  LogCapture logs;  // a was renamed: one set left
  std::shared_ptr<PostgresStore> store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(logs.Count("1 set(s) of servers"), 1);
  EXPECT_EQ(logs.Count("srv-02"), 0);
  ASSERT_TRUE(store->UpdateServer("b", {.server_name = "Srv-02"}, kT0).ok());  // b's alone
  ExpectNameTaken(*store, "SRV-02");
}

TEST_F(PostgresStoreTest, TextArraysCarryAnyTextIntact) {
  RawPg raw(schema_);
  std::vector<std::string> values = {"plain",    "",     "with \"quotes\"", "back\\slash", "a,b",
                                     "{braces}", "NULL", " spaced ",        "héllo ✓"};
  pqxx::connection conn(schema_.url());
  pqxx::work tx(conn);
  pqxx::result r = tx.exec_params("SELECT unnest($1::text[])", PgTextArray(values));
  std::vector<std::string> back;
  for (const pqxx::row& row : r) back.push_back(row[0].as<std::string>());
  EXPECT_EQ(back, values);
  EXPECT_EQ(
      tx.exec_params("SELECT $1::bigint[]", PgIntArray({-1, 0, 1LL << 40}))[0][0].as<std::string>(),
      "{-1,0,1099511627776}");
}

TEST_F(PostgresStoreTest, MigrationsAreRecordedAndReopeningKeepsData) {
  {
    std::shared_ptr<PostgresStore> store = Open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->CreateServer(Input("a", "alpha"), kT0).ok());
  }
  std::shared_ptr<PostgresStore> again = Open();
  ASSERT_NE(again, nullptr);
  ASSERT_OK_AND_ASSIGN(Server a, again->GetServer("a"));
  EXPECT_EQ(a.server_name, "alpha");
  RawPg raw(schema_);
  std::vector<std::string> applied =
      raw.Rows("SELECT version, name FROM schema_migrations ORDER BY version");
  ASSERT_EQ(applied.size(), PgMigrations().size());
  EXPECT_THAT(applied, ElementsAre("1|0001_init", "2|0002_search", "3|0003_reports", "4|0004_users",
                                   "5|0005_retention", "6|0006_nfc_names", "7|0007_tags",
                                   "8|0008_maintenance", "9|0009_alerts", "10|0010_dashboard",
                                   "11|0011_name_keys"));
}

// The feed's seq follows commit order, not insert order: a transition inserted first but
// committed last is numbered last, so a reader that resumed after the other one still gets it.
TEST_F(PostgresStoreTest, FeedSeqFollowsCommitOrderNotInsertOrder) {
  std::shared_ptr<PostgresStore> store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CreateServer(Input("a", "alpha"), kT0).ok());
  ASSERT_TRUE(store->CreateServer(Input("b", "bravo"), kT0).ok());
  ASSERT_OK_AND_ASSIGN(int64_t start, store->LastEventSeq());
  pqxx::connection first_conn(schema_.url()), second_conn(schema_.url());
  pqxx::work first(first_conn), second(second_conn);
  const std::string insert =
      "INSERT INTO status_events (server, status, at, cause) "
      "SELECT id, 1, 5, 'heartbeat' FROM servers WHERE server_id = ";
  first.exec(insert + "'a'");  // inserted first (the lower id) ...
  second.exec(insert + "'b'");
  second.commit();  // ... but committed last
  ASSERT_OK_AND_ASSIGN(auto seen, store->EventsAfter(start, 10));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].server_id, "b");
  EXPECT_EQ(seen[0].server_name, "bravo");
  first.commit();
  ASSERT_OK_AND_ASSIGN(auto resumed, store->EventsAfter(seen[0].seq, 10));
  ASSERT_EQ(resumed.size(), 1u);
  EXPECT_EQ(resumed[0].server_id, "a");
  EXPECT_GT(resumed[0].seq, seen[0].seq);
  ASSERT_OK_AND_ASSIGN(int64_t last, store->LastEventSeq());
  EXPECT_EQ(last, resumed[0].seq);
}

TEST_F(PostgresStoreTest, ASchemaNewerThanTheBinaryIsRefused) {
  ASSERT_NE(Open(), nullptr);
  RawPg(schema_).Rows("INSERT INTO schema_migrations VALUES (9999, '9999_future', 0) RETURNING 1");
  Result<StorePtr> store = MakeStore({schema_.url()});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(store.status().field(), "database_url");
  EXPECT_THAT(store.status().message(), HasSubstr("9999"));
}

// Replicas starting together: the advisory lock lets one migrate while the others wait and
// then find nothing to do (without it, they race on CREATE TABLE and fail).
TEST_F(PostgresStoreTest, ReplicasStartingTogetherMigrateOnce) {
  constexpr int kReplicas = 6;
  std::atomic<int> failures{0};
  std::vector<std::thread> replicas;
  for (int i = 0; i < kReplicas; ++i) {
    replicas.emplace_back([&] {
      Result<StorePtr> store = MakeStore({schema_.url()});
      if (!store.ok()) {
        ++failures;
        ADD_FAILURE() << store.status().ToString();
      }
    });
  }
  for (std::thread& t : replicas) t.join();
  EXPECT_EQ(failures, 0);
  RawPg raw(schema_);
  EXPECT_EQ(raw.One("SELECT count(*) FROM schema_migrations"),
            std::to_string(PgMigrations().size()));
  EXPECT_EQ(raw.One("SELECT sum(total) FROM fleet_counts"), "0");
}

TEST_F(PostgresStoreTest, ThePoolNeverOpensMoreThanPoolSizeConnections) {
  std::shared_ptr<PostgresStore> store = Open("pool_size=2");
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CreateServer(Input("a", "alpha"), kT0).ok());
  std::atomic<int> errors{0};
  std::atomic<int> most{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 6; ++t) {
    callers.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        if (!store->ListServers(ServerQuery{}).ok() || !store->GetServer("a").ok()) ++errors;
        int open = store->open_connections();
        int seen = most.load();
        while (open > seen && !most.compare_exchange_weak(seen, open)) {
        }
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(errors, 0);
  EXPECT_LE(most, 2);
  EXPECT_GE(most, 1);
  RawPg raw(schema_);
  EXPECT_LE(raw.StoreSessions(schema_), 2);
}

// Backends killed under the store (a failover, an operator's pg_terminate_backend): the next
// call either succeeds on a fresh connection or fails Unavailable (retryable); the one after
// succeeds, and nothing written before is lost.
TEST_F(PostgresStoreTest, LostConnectionsAreReestablished) {
  std::shared_ptr<PostgresStore> store = Open("pool_size=3");
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CreateServer(Input("a", "alpha"), kT0).ok());
  RawPg raw(schema_);
  for (int round = 0; round < 3; ++round) {
    ASSERT_GE(raw.StoreSessions(schema_), 1);
    std::string pids = raw.One(
        "SELECT string_agg(pid::text, ',') FROM pg_stat_activity WHERE application_name = '" +
        schema_.name() + "' AND pid <> pg_backend_pid()");
    raw.Rows("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid IN (" + pids + ")");
    // Wait (bounded) until the server has reaped them, so the store's sessions are truly gone.
    ASSERT_TRUE(sms::testing::WaitUntil([&] { return raw.StoreSessions(schema_) == 0; }));
    Result<Server> first = store->GetServer("a");
    if (!first.ok()) {
      EXPECT_EQ(first.status().code(), Code::kUnavailable) << first.status().ToString();
    }
    Result<Server> second = store->GetServer("a");
    ASSERT_TRUE(second.ok()) << second.status().ToString();
    EXPECT_EQ(second->server_name, "alpha");
    // Writes work again too.
    Result<ApplyResult> r = store->ApplyHeartbeats({Beat("a", kT0 + (round + 1) * kSecond)}, {});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_OK_AND_ASSIGN(Server a, store->GetServer("a"));
    EXPECT_EQ(a.last_seen, kT0 + (round + 1) * kSecond);
  }
  EXPECT_EQ(raw.StoreSessions(schema_), 1);
}

TEST_F(PostgresStoreTest, AFailedBatchLeavesNothingBehind) {
  std::shared_ptr<PostgresStore> store = Open();
  ASSERT_NE(store, nullptr);
  RawPg raw(schema_);
  raw.Rows(
      "CREATE FUNCTION refuse_b() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "IF NEW.server_id = 'b' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$; "
      "CREATE TRIGGER refuse_b BEFORE INSERT ON servers FOR EACH ROW EXECUTE FUNCTION refuse_b(); "
      "SELECT 1");
  Result<ApplyResult> r =
      store->ApplyHeartbeats({Beat("a", kT0, "a"), Beat("b", kT0 + 1, "b")}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInternal);
  EXPECT_THAT(r.status().message(), HasSubstr("refused"));
  EXPECT_EQ(store->GetServer("a").status().code(), Code::kNotFound);  // rolled back
  ASSERT_OK_AND_ASSIGN(FleetStats stats, store->Stats());
  EXPECT_EQ(stats.total, 0);
  EXPECT_EQ(raw.One("SELECT count(*) FROM status_events"), "0");
}

// Several replicas of the worker register and refresh the same servers at once: each server is
// registered once with one unique name, its history has one "registered" event, and the
// sharded counters agree with the table.
TEST_F(PostgresStoreTest, ConcurrentWritersRegisterEachServerOnce) {
  constexpr int kWriters = 3;
  constexpr int kServers = 200;
  std::vector<std::shared_ptr<PostgresStore>> stores;
  for (int i = 0; i < kWriters; ++i) stores.push_back(Open());
  for (const auto& s : stores) ASSERT_NE(s, nullptr);
  std::atomic<int> permanent{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int round = 0; round < 4; ++round) {
        std::vector<Heartbeat> batch;
        for (int i = 0; i < kServers; ++i) {
          int n = (i * 7 + w * 31) % kServers;  // each writer in its own order
          batch.push_back(Beat("s" + std::to_string(n), kT0 + round * kSecond + w, "web"));
        }
        Result<ApplyResult> r = stores[w]->ApplyHeartbeats(batch, {});
        // Unavailable (a deadlock victim) is what a worker retries; here: try again.
        if (!r.ok() && r.status().code() == Code::kUnavailable) {
          r = stores[w]->ApplyHeartbeats(batch, {});
        }
        if (!r.ok()) {
          ++permanent;
          ADD_FAILURE() << r.status().ToString();
        }
      }
    });
  }
  for (std::thread& t : writers) t.join();
  EXPECT_EQ(permanent, 0);
  RawPg raw(schema_);
  EXPECT_EQ(raw.One("SELECT count(*), count(DISTINCT server_name) FROM servers"),
            std::to_string(kServers) + "|" + std::to_string(kServers));
  EXPECT_EQ(raw.One("SELECT count(*) FROM status_events WHERE cause = 'registered'"),
            std::to_string(kServers));
  EXPECT_EQ(raw.One("SELECT count(*) FROM servers WHERE server_name = 'web'"), "1");
  Result<FleetStats> stats = stores[0]->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->total, kServers);
  EXPECT_EQ(stats->on, kServers);
  // Sweeps from every replica at once: each server turns off once.
  std::atomic<int64_t> off{0};
  std::vector<std::thread> sweepers;
  for (int w = 0; w < kWriters; ++w) {
    sweepers.emplace_back([&, w] {
      for (int i = 0; i < 3; ++i) {
        Result<SweepResult> r = stores[w]->SweepOffline(kT0 + 3600 * kSecond, 30 * kSecond);
        if (r.ok()) off += r->turned_off;
      }
    });
  }
  for (std::thread& t : sweepers) t.join();
  EXPECT_EQ(off, kServers);
  EXPECT_EQ(raw.One("SELECT count(*) FROM status_events WHERE cause = 'timeout'"),
            std::to_string(kServers));
  EXPECT_EQ(raw.One("SELECT sum(total), sum(on_count) FROM fleet_counts"),
            raw.One("SELECT count(*), count(*) FILTER (WHERE status = 1) FROM servers"));
}

// The hot and the listing queries must walk indexes on a fleet of realistic size, never scan
// or sort the whole table.
TEST_F(PostgresStoreTest, SweepSortedPagesAndSearchUseIndexes) {
  std::shared_ptr<PostgresStore> store = Open();
  ASSERT_NE(store, nullptr);
  for (int b = 0; b < 4; ++b) {
    std::vector<Heartbeat> batch;
    for (int i = b * 5000; i < (b + 1) * 5000; ++i) {
      batch.push_back(
          Beat("srv-" + std::to_string(i), kT0 + i, "host-" + std::to_string(i),
               "10.0." + std::to_string(i / 256 % 256) + "." + std::to_string(i % 256)));
    }
    ASSERT_TRUE(store->ApplyHeartbeats(batch, {}).ok());
  }
  RawPg raw(schema_);
  // What autovacuum does on a live database: statistics, and the GIN index's pending list
  // merged into the index.
  for (const char* table : {"servers", "server_liveness", "servers_search", "status_events"}) {
    raw.Exec(std::string("VACUUM ANALYZE ") + table);
  }
  // The sweep, when nothing is due (the steady state) and when the whole fleet is overdue
  // (after an outage: it walks the index in due order and stops at the limit).
  const std::string sweep_sql =
      "SELECT l.id FROM server_liveness l JOIN servers s ON s.id = l.id WHERE l.status = 1 "
      "AND l.last_seen + l.\"interval\" * 1000 < ";
  const std::string sweep_order =
      " ORDER BY l.last_seen + l.\"interval\" * 1000 LIMIT 1000 FOR UPDATE SKIP LOCKED";
  std::string idle = raw.Plan(sweep_sql + "0" + sweep_order);
  EXPECT_THAT(idle, HasSubstr("server_liveness_due")) << idle;
  std::string outage = raw.Plan(sweep_sql + "9000000000000000000" + sweep_order);
  EXPECT_THAT(outage, HasSubstr("Index Scan using server_liveness_due")) << outage;
  EXPECT_THAT(outage, Not(HasSubstr("Sort"))) << outage;
  std::string fast = raw.Plan(
      "UPDATE server_liveness AS l SET last_seen = v.t FROM unnest('{srv-1}'::text[], "
      "'{1}'::bigint[]) AS v(id, t) JOIN servers s ON s.server_id = v.id WHERE l.id = s.id");
  EXPECT_THAT(fast, HasSubstr("servers_server_id_key")) << fast;
  EXPECT_THAT(fast, HasSubstr("server_liveness_pkey")) << fast;
  // A page's ids come from one index (of servers, or of server_liveness for last_seen).
  for (const char* column : {"s.ipv4_num", "s.hostname", "s.status", "s.created_time",
                             "s.last_updated", "l.last_seen", "s.status_changed_at"}) {
    std::string from =
        column[0] == 'l' ? "servers s JOIN server_liveness l ON l.id = s.id" : "servers s";
    std::string tie = std::string(column).substr(0, 2) + "id";
    std::string page = raw.Plan("SELECT s.id FROM " + from + " WHERE s.status = 1 ORDER BY " +
                                column + " DESC, " + tie + " DESC LIMIT 50 OFFSET 100");
    EXPECT_THAT(page, HasSubstr("Scan Backward using server")) << column << "\n" << page;
    EXPECT_THAT(page, Not(HasSubstr("Sort"))) << column << "\n" << page;
  }
  for (const char* column : {"server_id", "server_name"}) {
    std::string page = raw.Plan(std::string("SELECT s.id FROM servers s ORDER BY s.") + column +
                                " LIMIT 50 OFFSET 100");
    EXPECT_THAT(page, HasSubstr("Index Scan using servers_" + std::string(column) + "_key"))
        << page;
  }
  std::string search = raw.Plan(
      "SELECT * FROM servers WHERE id IN (SELECT id FROM servers_search WHERE text ILIKE "
      "'%host-12345%') AND (hostname ILIKE '%host-12345%' OR ipv4 ILIKE '%host-12345%') "
      "ORDER BY server_id LIMIT 50");
  EXPECT_THAT(search, HasSubstr("servers_search_text")) << search;
  std::string events = raw.Plan(
      "SELECT status, at FROM status_events WHERE server = 1 AND at >= 0 AND at < 9 "
      "ORDER BY at, id");
  EXPECT_THAT(events, HasSubstr("status_events_server_at")) << events;
  // And the store answers a search through it.
  ServerQuery q;
  q.q = "HOST-12345";
  Result<ServerPage> page = store->ListServers(q);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->total, 1);
  EXPECT_EQ(page->items.at(0).server_id, "srv-12345");
}

}  // namespace
}  // namespace sms::store::testing
