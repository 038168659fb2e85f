#pragma once
// Test support for Store implementations: one factory trait per implementation (the typed
// contract suites run against each), temporary database files, and small builders.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <type_traits>
#include <vector>

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

// SQLite on a temporary file; Another() opens a second, independent handle on the same file.
class SqliteFileFactory {
 public:
  StorePtr Make() { return Open(); }
  StorePtr Another() { return Open(); }

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

 private:
  StorePtr store_;
};

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
using StoreFactories = ::testing::Types<SqliteFileFactory, SqliteMemoryFactory>;

struct FactoryNames {
  template <typename T>
  static std::string GetName(int) {
    if (std::is_same_v<T, SqliteFileFactory>) return "SqliteFile";
    if (std::is_same_v<T, SqliteMemoryFactory>) return "SqliteMemory";
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

}  // namespace sms::store::testing
