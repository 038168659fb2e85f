#pragma once
// Test support for Store implementations: one factory trait per implementation (the typed
// contract suites run against each), temporary databases (SQLite files, PostgreSQL schemas),
// and small builders.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "store/postgres_migrations.h"
#include "store/store.h"

namespace sms::store::testing {

// A fresh database file under the test temp dir, removed (with -wal/-shm) on destruction.
class TempDatabase {
 public:
  TempDatabase() {
    static std::atomic<int> counter{0};
    path_ = ::testing::TempDir() + "sms_store_" + std::to_string(::getpid()) + "_" +
            std::to_string(counter++) + ".db";
    Remove();
  }
  ~TempDatabase() { Remove(); }
  TempDatabase(const TempDatabase&) = delete;
  TempDatabase& operator=(const TempDatabase&) = delete;

  const std::string& path() const { return path_; }
  std::string url() const { return "sqlite:" + path_; }

 private:
  void Remove() {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::filesystem::remove(path_ + suffix, ec);
    }
  }
  std::string path_;
};

// Every interface of a backend (OpenStores), or nulls after a failed test expectation.
inline Stores OpenAll(const StoreConfig& config) {
  Result<Stores> stores = OpenStores(config);
  EXPECT_TRUE(stores.ok()) << stores.status().ToString();
  return stores.ok() ? *stores : Stores{};
}

// SQLite on a temporary file; Another() opens a second, independent handle on the same file.
class SqliteFileFactory {
 public:
  StorePtr Make() { return Open(); }
  StorePtr Another() { return Open(); }
  Stores MakeStores() { return OpenAll({db_.url()}); }

 private:
  StorePtr Open() {
    Result<StorePtr> store = MakeStore({db_.url()});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? *store : nullptr;
  }
  TempDatabase db_;
};

// SQLite in memory (one private database per Make()); Another() is the same handle, used
// from another thread.
class SqliteMemoryFactory {
 public:
  StorePtr Make() {
    Result<StorePtr> store = MakeStore({"sqlite::memory:"});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    store_ = store.ok() ? *store : nullptr;
    return store_;
  }
  StorePtr Another() { return store_; }
  Stores MakeStores() { return OpenAll({"sqlite::memory:"}); }

 private:
  StorePtr store_;
};

// ---- PostgreSQL ------------------------------------------------------------------------------

inline constexpr const char* kNoPostgres =
    "SMS_DATABASE_URL not set: start engines with scripts/services";

// The test engine's URL (postgresql://…) from SMS_DATABASE_URL, or empty.
inline std::string PostgresTestUrl() {
  const char* url = std::getenv("SMS_DATABASE_URL");
  return url != nullptr ? url : "";
}

// A fresh schema on the test PostgreSQL (SMS_DATABASE_URL), dropped with everything in it on
// destruction, so tests run in parallel and leave nothing behind. url() points a store at it:
// the schema first on the search_path (set by libpq at connect time, so every pooled and every
// re-established connection has it), and application_name = the schema's name, so a test can
// find the store's sessions in pg_stat_activity.
class TempPgSchema {
 public:
  TempPgSchema() {
    if (PostgresTestUrl().empty()) return;
    std::random_device random;
    static std::atomic<int> counter{0};
    name_ = "sms_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
            std::to_string(random() % 1000000);
    try {
      pqxx::connection admin(PostgresTestUrl());
      pqxx::work tx(admin);
      tx.exec("SET LOCAL client_min_messages = warning");
      // pg_trgm goes to public once, outside every test schema: dropping a schema that held
      // it would drop it for everyone. Serialised with the stores' migrations.
      tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kPgMigrationLock) + ")");
      tx.exec("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public");
      tx.exec("CREATE SCHEMA " + name_);
      tx.commit();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "cannot create a test schema on SMS_DATABASE_URL: " << e.what();
      name_.clear();
    }
  }
  ~TempPgSchema() {
    if (name_.empty()) return;
    try {
      pqxx::connection admin(PostgresTestUrl());
      pqxx::work tx(admin);
      tx.exec("SET LOCAL client_min_messages = warning");
      tx.exec("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
      tx.commit();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "cannot drop test schema " << name_ << ": " << e.what();
    }
  }
  TempPgSchema(const TempPgSchema&) = delete;
  TempPgSchema& operator=(const TempPgSchema&) = delete;

  bool ok() const { return !name_.empty(); }
  const std::string& name() const { return name_; }
  // The store URL for this schema, with extra query parameters ("pool_size=2") if any.
  std::string url(const std::string& extra = "") const {
    std::string base = PostgresTestUrl();
    std::string url = base + (base.find('?') == std::string::npos ? "?" : "&") +
                      "options=-csearch_path%3D" + name_ + "%2Cpublic&application_name=" + name_;
    return extra.empty() ? url : url + "&" + extra;
  }

 private:
  std::string name_;
};

// PostgreSQL on a fresh schema; Another() opens a second, independent store (its own pool) on
// the same schema, like a second replica.
class PostgresFactory {
 public:
  // Non-empty when the suite cannot run here.
  static std::string SkipReason() { return PostgresTestUrl().empty() ? kNoPostgres : ""; }
  StorePtr Make() { return Open(); }
  StorePtr Another() { return Open(); }
  Stores MakeStores() { return schema_.ok() ? OpenAll({schema_.url()}) : Stores{}; }

 private:
  StorePtr Open() {
    if (!schema_.ok()) return nullptr;
    Result<StorePtr> store = MakeStore({schema_.url()});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? *store : nullptr;
  }
  TempPgSchema schema_;
};

// ---- Builders --------------------------------------------------------------------------------

// The server_ids ScanServers hands over for `q`, in its order.
inline std::vector<std::string> ScanIds(Store& store, const ServerQuery& q) {
  std::vector<std::string> ids;
  Status st = store.ScanServers(q, [&](const Server& s) {
    ids.push_back(s.server_id);
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return ids;
}

inline ServerInput Input(const std::string& id, const std::string& name,
                         const std::string& ipv4 = "", const std::string& hostname = "") {
  return ServerInput{id, name, ipv4, hostname};
}

inline Heartbeat Beat(const std::string& server_id, Millis received_at,
                      const std::string& hostname = "", const std::string& ipv4 = "",
                      int interval = 30) {
  Heartbeat hb;
  hb.id = server_id + "@" + std::to_string(received_at);
  hb.server_id = server_id;
  hb.hostname = hostname;
  hb.ipv4 = ipv4;
  hb.interval = interval;
  hb.agent_version = "1.0.0";
  hb.sent_at = received_at;
  hb.received_at = received_at;
  return hb;
}

// The fixture of the typed contract suites: a fresh store per test.
template <typename Factory>
class StoreTest : public ::testing::Test {
 public:  // used by free helper templates of the suites too
  void SetUp() override {
    if constexpr (requires { Factory::SkipReason(); }) {
      std::string why = Factory::SkipReason();
      if (!why.empty()) GTEST_SKIP() << why;
    }
    store_ = factory_.Make();
    ASSERT_NE(store_, nullptr);
  }

  Server Create(const ServerInput& input, Millis now) {
    Result<Server> s = store_->CreateServer(input, now);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : Server{};
  }

  Server Get(const std::string& server_id) {
    Result<Server> s = store_->GetServer(server_id);
    EXPECT_TRUE(s.ok()) << server_id << ": " << s.status().ToString();
    return s.ok() ? *s : Server{};
  }

  ApplyResult Apply(const std::vector<Heartbeat>& batch, const ApplyOptions& options = {}) {
    Result<ApplyResult> r = store_->ApplyHeartbeats(batch, options);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : ApplyResult{};
  }

  FleetStats Stats() {
    Result<FleetStats> s = store_->Stats();
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : FleetStats{-1, -1, -1};
  }

  SweepResult Sweep(Millis now, Millis grace) {
    Result<SweepResult> r = store_->SweepOffline(now, grace);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : SweepResult{};
  }

  std::vector<StatusEvent> Events(const std::string& server_id, Millis from = 0,
                                  Millis to = INT64_MAX) {
    Result<std::vector<StatusEvent>> e = store_->ListEvents(server_id, from, to);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? *e : std::vector<StatusEvent>{};
  }

  Factory factory_;
  StorePtr store_;
};

// Every Store implementation the contract suites run against.
// The PostgreSQL cases skip (saying why) when SMS_DATABASE_URL is not set.
using StoreFactories = ::testing::Types<SqliteFileFactory, SqliteMemoryFactory, PostgresFactory>;

struct FactoryNames {
  template <typename T>
  static std::string GetName(int) {
    if (std::is_same_v<T, SqliteFileFactory>) return "SqliteFile";
    if (std::is_same_v<T, SqliteMemoryFactory>) return "SqliteMemory";
    if (std::is_same_v<T, PostgresFactory>) return "Postgres";
    return "Unknown";
  }
};

// A compact "status@at/cause" rendering of events, for readable assertions.
inline std::vector<std::string> Describe(const std::vector<StatusEvent>& events) {
  std::vector<std::string> out;
  for (const StatusEvent& e : events) {
    out.push_back(std::string(StatusName(e.status)) + "@" + std::to_string(e.at) + "/" + e.cause);
  }
  return out;
}

inline constexpr Millis kT0 = 1'800'000'000'000;  // 2027-01-15T08:00:00Z
inline constexpr Millis kSecond = 1000;

// ---- Migration 0006 (names in NFC) ----------------------------------------------------------

// Servers as a binary before migration 0006 may have stored them (SQL for both engines): a
// "Café" typed precomposed (a) and with a combining accent (b), one name in NFC; a lone
// decomposed "Thé" with a decomposed hostname (c); "Kelvin" with a KELVIN SIGN (d), which NFC
// makes the ASCII name of e; a decomposed hostname alone (f).
inline constexpr const char* kNamesBeforeNfc =
    "INSERT INTO servers (server_id, server_name, hostname, created_time, last_updated) VALUES "
    "('a', 'Caf\xC3\xA9', '', 1, 1), ('b', 'Cafe\xCC\x81', '', 1, 1), "
    "('c', 'The\xCC\x81', 'the\xCC\x81.local', 1, 1), ('d', '\u212Aelvin', '', 1, 1), "
    "('e', 'Kelvin', '', 1, 1), ('f', 'Plain', 'ho\xCC\x82te', 1, 1)";

// The warning every start logs while both sets of kNamesBeforeNfc stand, under the key they
// share since migration 0011 (NameKey: NFC and case folded).
inline constexpr const char* kNfcCollisionsLogged =
    "2 set(s) of servers have names that differ only in case or in Unicode normalisation";
inline constexpr const char* kNfcCollisionsListed =
    "\"caf\\u00E9\": a \"Caf\\u00E9\", b \"Cafe\\u0301\"; \"kelvin\": d \"\\u212Aelvin\", "
    "e \"Kelvin\"";
// server_name_collisions after it (server_id|server_name|nfc).
inline const std::vector<std::string> kNfcCollisionsRecorded = {
    "a|Caf\xC3\xA9|caf\xC3\xA9", "b|Cafe\xCC\x81|caf\xC3\xA9", "d|\u212Aelvin|kelvin",
    "e|Kelvin|kelvin"};

// After migration 0006 over kNamesBeforeNfc: c and f in NFC, the sets a/b and d/e as they were.
inline void ExpectNamesAfterNfcMigration(Store& store) {
  const std::vector<std::array<std::string, 3>> want = {
      {"a", "Caf\xC3\xA9", ""}, {"b", "Cafe\xCC\x81", ""}, {"c", "Th\xC3\xA9", "th\xC3\xA9.local"},
      {"d", "\u212Aelvin", ""}, {"e", "Kelvin", ""},       {"f", "Plain", "h\xC3\xB4te"}};
  for (const auto& [id, name, hostname] : want) {
    Result<Server> s = store.GetServer(id);
    ASSERT_TRUE(s.ok()) << id << ": " << s.status().ToString();
    EXPECT_EQ(s->server_name, name) << id;
    EXPECT_EQ(s->hostname, hostname) << id;
  }
  // The unique index now sees c's name in NFC.
  EXPECT_EQ(store.CreateServer(Input("g", "Th\xC3\xA9"), kT0).status().code(), Code::kConflict);
}

// ---- Migration 0011 (names unique regardless of case) --------------------------------------

// Servers as a binary before migration 0011 may have stored them: "SRV-02" (a, the oldest,
// inserted after b) and "srv-02" (b); "ÉTÉ" (d) and "été" (e); a lone "Web" (c).
inline constexpr const char* kNamesBeforeKeys =
    "INSERT INTO servers (server_id, server_name, hostname, created_time, last_updated) VALUES "
    "('b', 'srv-02', '', 2, 2), ('a', 'SRV-02', '', 1, 1), ('c', 'Web', '', 1, 1), "
    "('d', '\xC3\x89T\xC3\x89', '', 1, 1), ('e', '\xC3\xA9t\xC3\xA9', '', 1, 1)";

// The warning every start logs while both sets of kNamesBeforeKeys stand.
inline constexpr const char* kCaseCollisionsListed =
    "2 set(s) of servers have names that differ only in case or in Unicode normalisation and are "
    "one name; they were left as they are: rename all but one server of each set "
    "(PATCH /api/v1/servers/{server_id}): \"srv-02\": a \"SRV-02\", b \"srv-02\"; "
    "\"\\u00E9t\\u00E9\": d \"\\u00C9T\\u00C9\", e \"\\u00E9t\\u00E9\"";

// server_name_collisions after it (server_id|server_name|nfc).
inline const std::vector<std::string> kCaseCollisionsRecorded = {
    "a|SRV-02|srv-02", "b|srv-02|srv-02", "d|\xC3\x89T\xC3\x89|\xC3\xA9t\xC3\xA9",
    "e|\xC3\xA9t\xC3\xA9|\xC3\xA9t\xC3\xA9"};

inline void ExpectNameTaken(Store& store, const std::string& name) {
  Result<Server> s = store.CreateServer(Input("x", name), kT0);
  ASSERT_FALSE(s.ok()) << name;
  EXPECT_EQ(s.status().code(), Code::kConflict) << name;
  EXPECT_EQ(s.status().field(), "server_name") << name;
}

// After migration 0011 over kNamesBeforeKeys: every server has its name, a name that differs
// only in case from a set's is refused, also once the oldest of the set is renamed; the others
// change as any server does. Renames a: the set a/b no longer stands.
inline void ExpectNamesAfterKeyMigration(Store& store) {
  const std::vector<std::array<std::string, 2>> want = {{"a", "SRV-02"},
                                                        {"b", "srv-02"},
                                                        {"c", "Web"},
                                                        {"d", "\xC3\x89T\xC3\x89"},
                                                        {"e", "\xC3\xA9t\xC3\xA9"}};
  for (const auto& [id, name] : want) {
    Result<Server> s = store.GetServer(id);
    ASSERT_TRUE(s.ok()) << id << ": " << s.status().ToString();
    EXPECT_EQ(s->server_name, name) << id;
  }
  for (const char* name : {"Srv-02", "srv-02", "WEB", "\xC3\x89t\xC3\xA9"}) {
    ExpectNameTaken(store, name);
  }
  ASSERT_TRUE(store.UpdateServer("b", {.ipv4 = "10.0.0.2"}, kT0).ok());
  ASSERT_TRUE(store.UpdateServer("a", {.server_name = "srv-01"}, kT0).ok());
  ExpectNameTaken(store, "Srv-02");  // b still has it
  EXPECT_EQ(store.UpdateServer("c", {.server_name = "SRV-02"}, kT0).status().code(),
            Code::kConflict);
}

}  // namespace sms::store::testing
