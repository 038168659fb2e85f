// SQLite specifics: URLs, migrations, pragmas, query plans, concurrency of the pool.

#include "store/sqlite_store.h"

#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "store/migrations.h"
#include "store/name_normalization.h"
#include "store/sqlite_rows.h"
#include "store/store_test_util.h"
#include "support/assert_ok.h"
#include "support/log_capture.h"

namespace sms::store::testing {
namespace {

using sms::testing::LogCapture;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::Not;

// Raw access to the file, to look at what the store wrote.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  // The rows of `sql`, each as its columns joined by '|'.
  std::vector<std::string> Rows(const std::string& sql) {
    std::vector<std::string> rows;
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db_);
    while (st != nullptr && sqlite3_step(st) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        const unsigned char* text = sqlite3_column_text(st, i);
        row += (i ? "|" : "") + std::string(text ? reinterpret_cast<const char*>(text) : "");
      }
      rows.push_back(row);
    }
    sqlite3_finalize(st);
    return rows;
  }
  std::string Plan(const std::string& sql) {
    std::string plan;
    for (const std::string& row : Rows("EXPLAIN QUERY PLAN " + sql)) plan += row + "\n";
    return plan;
  }

 private:
  sqlite3* db_ = nullptr;
};

// `db` as a binary older than migration `version` left it, with the rows `sql` inserts.
void AsBefore(const TempDatabase& db, int version, const char* sql) {
  ConnectionOptions options;
  options.uri = "file:" + db.path();
  ASSERT_OK_AND_ASSIGN(auto conn, Connection::Open(options));
  ASSERT_TRUE(ApplyMigrations(*conn, kT0, version - 1).ok());
  ASSERT_TRUE(conn->Exec(sql).ok());
}

TEST(MakeStoreTest, RejectsUnsupportedSchemes) {
  for (const char* url : {"mysql://u:secret@db/sms", "mysql://x", "", "data/sms.db"}) {
    Result<StorePtr> store = MakeStore({url});
    ASSERT_FALSE(store.ok()) << url;
    EXPECT_EQ(store.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(store.status().field(), "database_url");
    EXPECT_THAT(store.status().message(), HasSubstr("unsupported database URL scheme"));
    EXPECT_THAT(store.status().message(), Not(HasSubstr("secret")));
  }
  EXPECT_EQ(MakeStore({"sqlite:"}).status().field(), "database_url");
}

TEST(MakeStoreTest, CreatesTheParentDirectoryAndAcceptsTripleSlash) {
  std::string dir = ::testing::TempDir() + "sms_store_dir_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  Result<StorePtr> store = MakeStore({"sqlite://" + dir + "/nested/sms.db"});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE((*store)->Ping().ok());
  EXPECT_TRUE(std::filesystem::exists(dir + "/nested/sms.db"));
  store->reset();
  std::filesystem::remove_all(dir);
}

TEST(MigrationsTest, AreRecordedAndReopeningKeepsDataAndVersion) {
  TempDatabase db;
  {
    Result<StorePtr> store = MakeStore({db.url()});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->CreateServer(Input("a", "alpha"), kT0).ok());
  }
  Result<StorePtr> again = MakeStore({db.url()});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_OK_AND_ASSIGN(Server a, (*again)->GetServer("a"));
  EXPECT_EQ(a.server_name, "alpha");
  RawDb raw(db.path());
  std::vector<std::string> applied = raw.Rows("SELECT version, name FROM schema_migrations");
  ASSERT_EQ(applied.size(), Migrations().size());
  EXPECT_EQ(applied.at(0), "1|0001_init");
  EXPECT_EQ(applied.at(1), "2|0002_search");
  EXPECT_EQ(raw.Rows("PRAGMA journal_mode").at(0), "wal");
}

TEST(MigrationsTest, NamesBecomeNfcAndCollisionsAreLeftAsTheyAreAndReportedAtEachStart) {
  TempDatabase db;
  ASSERT_NO_FATAL_FAILURE(AsBefore(db, kNfcNamesVersion, kNamesBeforeNfc));
  {
    LogCapture logs;
    ASSERT_OK_AND_ASSIGN(StorePtr store, MakeStore({db.url()}));
    ExpectNamesAfterNfcMigration(*store);
    EXPECT_EQ(logs.Count(kNfcCollisionsLogged), 1);
    EXPECT_EQ(logs.Count(kNfcCollisionsListed), 1) << ::testing::PrintToString(logs.Lines());
  }
  RawDb raw(db.path());
  EXPECT_THAT(raw.Rows("SELECT server_id, server_name, nfc FROM server_name_collisions "
                       "ORDER BY server_id"),
              ElementsAreArray(kNfcCollisionsRecorded));
  {
    LogCapture logs;  // the next start says it again
    ASSERT_OK_AND_ASSIGN(StorePtr store, MakeStore({db.url()}));
    EXPECT_EQ(logs.Count(kNfcCollisionsListed), 1);
    ServerPatch rename{"Caf\xC3\xA9 (2)", std::nullopt, std::nullopt};
    ASSERT_TRUE(store->UpdateServer("b", rename, kT0).ok());
  }
  LogCapture logs;  // one set left
  ASSERT_TRUE(MakeStore({db.url()}).ok());
  EXPECT_EQ(logs.Count("1 set(s) of servers"), 1);
  EXPECT_EQ(logs.Count("\"kelvin\": d \"\\u212Aelvin\", e \"Kelvin\""), 1);
  EXPECT_EQ(logs.Count("Caf"), 0);
}

TEST(MigrationsTest, NamesThatDifferOnlyInCaseAreKeptRecordedAndReportedUntilRenamed) {
  TempDatabase db;
  ASSERT_NO_FATAL_FAILURE(AsBefore(db, kNameKeysVersion, kNamesBeforeKeys));
  {
    LogCapture logs;
    ASSERT_OK_AND_ASSIGN(StorePtr store, MakeStore({db.url()}));
    EXPECT_EQ(logs.Count(kCaseCollisionsListed), 1) << ::testing::PrintToString(logs.Lines());
    RawDb raw(db.path());
    EXPECT_THAT(raw.Rows("SELECT server_id, server_name, nfc FROM server_name_collisions "
                         "ORDER BY server_id"),
                ElementsAreArray(kCaseCollisionsRecorded));
    ExpectNamesAfterKeyMigration(*store);
  }
  LogCapture logs;  // a was renamed: one set left
  ASSERT_OK_AND_ASSIGN(StorePtr store, MakeStore({db.url()}));
  EXPECT_EQ(logs.Count("1 set(s) of servers"), 1);
  EXPECT_EQ(logs.Count("srv-02"), 0);
  ASSERT_TRUE(store->UpdateServer("b", {.server_name = "Srv-02"}, kT0).ok());  // b's alone
  ExpectNameTaken(*store, "SRV-02");
}

TEST(MigrationsTest, ADatabaseNewerThanTheBinaryIsRefused) {
  TempDatabase db;
  ASSERT_TRUE(MakeStore({db.url()}).ok());
  {
    RawDb raw(db.path());
    raw.Rows("INSERT INTO schema_migrations VALUES (9999, '9999_future', 0)");
  }
  Result<StorePtr> store = MakeStore({db.url()});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kInvalidArgument);
  EXPECT_THAT(store.status().message(), HasSubstr("9999"));
}

// The hot and the listing queries must walk indexes, never scan or sort the whole table.
TEST(QueryPlanTest, SweepAndSortedPagesUseIndexes) {
  TempDatabase db;
  ASSERT_TRUE(MakeStore({db.url()}).ok());
  RawDb raw(db.path());
  std::string sweep = raw.Plan(std::string(kOverdueSql));
  EXPECT_THAT(sweep, HasSubstr("servers_due")) << sweep;
  EXPECT_THAT(sweep, Not(HasSubstr("TEMP B-TREE"))) << sweep;
  std::string fast = raw.Plan(std::string(kFastPathSql));
  EXPECT_THAT(fast, HasSubstr("sqlite_autoindex_servers_1 (server_id=?)")) << fast;
  std::string by_ipv4 = raw.Plan(
      "SELECT * FROM servers WHERE ipv4_num = 1 AND ipv4 = '0.0.0.1' "
      "AND +status = 1 ORDER BY last_seen, id LIMIT 50");
  EXPECT_THAT(by_ipv4, HasSubstr("servers_ipv4")) << by_ipv4;
  for (const char* column : {"server_id", "server_name", "ipv4_num", "hostname", "status",
                             "created_time", "last_updated", "last_seen", "status_changed_at"}) {
    std::string page = raw.Plan(std::string("SELECT * FROM servers WHERE +status = 1 ORDER BY ") +
                                column + " DESC, id DESC LIMIT 50 OFFSET 100");
    EXPECT_THAT(page, HasSubstr("USING INDEX")) << column << "\n" << page;
    EXPECT_THAT(page, Not(HasSubstr("TEMP B-TREE"))) << column << "\n" << page;
  }
  std::string search = raw.Plan(
      "SELECT * FROM servers WHERE id IN (SELECT rowid FROM servers_search WHERE text LIKE "
      "'%web-01%') AND (hostname LIKE '%web-01%' ESCAPE '\\' OR ipv4 LIKE '%web-01%' "
      "ESCAPE '\\') ORDER BY server_id, id LIMIT 50");
  EXPECT_THAT(search, HasSubstr("INTEGER PRIMARY KEY")) << search;
  EXPECT_THAT(search, HasSubstr("VIRTUAL TABLE INDEX 0:L")) << search;
  std::string events = raw.Plan(
      "SELECT status, at FROM status_events WHERE server = 1 AND at >= 0 AND at < 9 "
      "ORDER BY at, id");
  EXPECT_THAT(events, HasSubstr("status_events_server_at")) << events;
}

// Readers from the pool run while the writer applies batches; nobody fails or sees a torn page.
TEST(SqliteStoreTest, ReadersAndWriterRunConcurrently) {
  TempDatabase db;
  Result<StorePtr> opened = MakeStore({db.url()});
  ASSERT_TRUE(opened.ok());
  StorePtr store = *opened;
  std::atomic<bool> done{false};
  std::atomic<int> read_errors{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!done) {
        Result<ServerPage> page = store->ListServers(ServerQuery{});
        Result<FleetStats> stats = store->Stats();
        if (!page.ok() || !stats.ok() || page->total > stats->total) ++read_errors;
      }
    });
  }
  for (int b = 0; b < 50; ++b) {
    std::vector<Heartbeat> batch;
    for (int i = 0; i < 20; ++i) batch.push_back(Beat("s" + std::to_string(b * 20 + i), kT0));
    ASSERT_TRUE(store->ApplyHeartbeats(batch, {}).ok());
  }
  done = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(read_errors, 0);
  ASSERT_OK_AND_ASSIGN(FleetStats stats, store->Stats());
  EXPECT_EQ(stats.total, 1000);
}

TEST(SqliteStoreTest, FailedBatchLeavesNothingBehind) {
  TempDatabase db;
  Result<StorePtr> store = MakeStore({db.url()});
  ASSERT_TRUE(store.ok());
  {
    // Make the second registration of the batch fail inside SQLite.
    RawDb raw(db.path());
    raw.Rows(
        "CREATE TRIGGER fail_b BEFORE INSERT ON servers WHEN NEW.server_id = 'b' "
        "BEGIN SELECT RAISE(ABORT, 'refused'); END");
  }
  Result<ApplyResult> r =
      (*store)->ApplyHeartbeats({Beat("a", kT0, "a"), Beat("b", kT0 + 1, "b")}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ((*store)->GetServer("a").status().code(), Code::kNotFound);  // rolled back
  ASSERT_OK_AND_ASSIGN(FleetStats stats, (*store)->Stats());
  EXPECT_EQ(stats.total, 0);
}

}  // namespace
}  // namespace sms::store::testing
