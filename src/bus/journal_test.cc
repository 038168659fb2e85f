// The journal under the embedded bus: what is reported durable survives a reopen, a torn tail
// is cut, released segments go, a failing disk is reported (never a false "durable"); and
// MemoryBus on a journal replays what its consumers had not committed.

#include "bus/journal.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bus/memory_bus.h"

namespace sms::bus {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A disk whose syncs wait until the test opens it: what is appended while they wait is what
// the next sync must serve, whatever the scheduling.
class HeldDisk {
 public:
  int Sync(int fd) {
    std::unique_lock lock(mu_);
    ++entered_;
    changed_.notify_all();
    changed_.wait_for(lock, 10s, [&] { return open_; });
    return ::fdatasync(fd);
  }
  int entered() {
    std::lock_guard lock(mu_);
    return entered_;
  }
  bool AwaitSyncs(int n) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, 10s, [&] { return entered_ >= n; });
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int entered_ = 0;
  bool open_ = false;
};

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sms-journal-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Opens the journal, collecting what it replays.
  std::unique_ptr<Journal> Open(std::vector<JournalRecord>* replayed,
                                size_t segment_bytes = 1 << 20) {
    auto j = Journal::Open(JournalOptions{dir_.string(), segment_bytes},
                           [&](JournalRecord&& r) { replayed->push_back(std::move(r)); });
    EXPECT_TRUE(j.ok()) << j.status().ToString();
    return j.ok() ? std::move(j).value() : nullptr;
  }

  std::vector<fs::path> Segments() const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
  }

  // Appends and waits until the journal reports the record durable.
  static Status AppendDurably(Journal& j, const std::string& topic, const std::string& payload) {
    std::promise<Status> done;
    j.Append(topic, "key-" + payload, payload, 1, [&](const Status& s) { done.set_value(s); });
    return done.get_future().get();
  }

  // A journal of `lanes` lanes on held_ (its syncs wait until held_.Open()).
  std::unique_ptr<Journal> OpenHeld(size_t lanes) {
    std::vector<JournalRecord> replayed;
    auto j = Journal::Open(JournalOptions{.dir = dir_.string(),
                                          .lanes = lanes,
                                          .sync = [this](int fd) { return held_.Sync(fd); }},
                           [&](JournalRecord&& r) { replayed.push_back(std::move(r)); });
    EXPECT_TRUE(j.ok()) << j.status().ToString();
    EXPECT_TRUE(replayed.empty());
    return j.ok() ? std::move(j).value() : nullptr;
  }
  // Appends a record, counted in appended_ and, once reported durable, in durable_.
  void AppendCounted(Journal& j) {
    j.Append("healthcheck", "k", std::string(200, 'x'), 1, [this](const Status& s) {
      if (s.ok()) ++durable_;
    });
    ++appended_;
  }
  // Waits up to 10 s until every record appended is durable; whether it is.
  bool AwaitAllDurable() {
    for (int i = 0; i < 1000 && durable_.load() < appended_; ++i) {
      std::this_thread::sleep_for(10ms);
    }
    return durable_.load() == appended_;
  }

  fs::path dir_;
  HeldDisk held_;
  std::atomic<int> durable_{0};
  int appended_ = 0;
};

TEST_F(JournalTest, WhatWasReportedDurableIsReplayedInOrder) {
  std::vector<JournalRecord> replayed;
  {
    auto j = Open(&replayed);
    ASSERT_TRUE(j);
    EXPECT_TRUE(replayed.empty());
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(AppendDurably(*j, i % 2 ? "healthcheck" : "mail", std::to_string(i)).ok());
    }
  }
  auto j = Open(&replayed);
  ASSERT_EQ(replayed.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(replayed[i].topic, i % 2 ? "healthcheck" : "mail");
    EXPECT_EQ(replayed[i].key, "key-" + std::to_string(i));
    EXPECT_EQ(replayed[i].payload, std::to_string(i));
  }
}

TEST_F(JournalTest, OneSyncServesEverythingAppendedMeanwhile) {
  auto j = OpenHeld(1);
  ASSERT_TRUE(j);
  AppendCounted(*j);
  ASSERT_TRUE(held_.AwaitSyncs(1)) << "the first record starts a sync at once";
  for (int i = 1; i < 2000; ++i) AppendCounted(*j);
  EXPECT_EQ(durable_.load(), 0) << "nothing is durable before its sync ends";
  held_.Open();
  EXPECT_TRUE(AwaitAllDurable());
  EXPECT_EQ(durable_.load(), 2000);
  Journal::Stats stats = j->stats();
  EXPECT_EQ(stats.records, 2000u);
  EXPECT_EQ(stats.syncs, 2u) << "the one in progress, then one for all 1999 appended meanwhile";
}

TEST_F(JournalTest, EveryLaneSyncsAtMostTwiceForWhatArrivesWhileAllAreSyncing) {
  const int lanes = 4;
  auto j = OpenHeld(lanes);
  ASSERT_TRUE(j);
  // Until every lane is in a sync: each starts once it holds a batch worth a sync of its own.
  for (int i = 0; i < 2000 && held_.entered() < lanes; ++i) {
    for (int k = 0; k < 16; ++k) AppendCounted(*j);
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(held_.entered(), lanes) << "a steady stream keeps every lane busy";
  for (int i = 0; i < 1000; ++i) AppendCounted(*j);
  held_.Open();
  EXPECT_TRUE(AwaitAllDurable());
  Journal::Stats stats = j->stats();
  EXPECT_EQ(stats.records, static_cast<uint64_t>(appended_));
  EXPECT_LE(stats.syncs, 2u * lanes) << "the one in progress, then at most one more per lane";
}

TEST_F(JournalTest, ATornTailIsCutAndWhatFollowsStaysReadable) {
  std::vector<JournalRecord> replayed;
  {
    auto j = Open(&replayed);
    ASSERT_TRUE(j);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(AppendDurably(*j, "t", std::to_string(i)).ok());
  }
  ASSERT_EQ(Segments().size(), 1u);
  {  // a crash in the middle of writing a record
    std::ofstream out(Segments()[0], std::ios::binary | std::ios::app);
    out.write("\x40\x00\x00\x00\x12\x34", 6);
  }
  {
    auto j = Open(&replayed);
    ASSERT_TRUE(j);
    ASSERT_EQ(replayed.size(), 3u);
    ASSERT_TRUE(AppendDurably(*j, "t", "after").ok());
  }
  replayed.clear();
  auto j = Open(&replayed);
  ASSERT_EQ(replayed.size(), 4u);  // the three again (never released) and the new one
  EXPECT_EQ(replayed[2].payload, "2");
  EXPECT_EQ(replayed[3].payload, "after");
}

TEST_F(JournalTest, ASegmentWhoseRecordsAreAllReleasedIsDeleted) {
  std::vector<JournalRecord> replayed;
  auto j = Open(&replayed, 1024);
  ASSERT_TRUE(j);
  std::vector<uint64_t> segments;
  for (int i = 0; i < 40; ++i) {
    std::promise<Status> done;
    segments.push_back(j->Append("t", "k", std::string(100, 'a' + i % 26), 1,
                                 [&](const Status& s) { done.set_value(s); }));
    ASSERT_TRUE(done.get_future().get().ok());
  }
  ASSERT_GT(segments.back(), segments.front() + 2);
  const size_t before = Segments().size();
  EXPECT_EQ(before, segments.back() - segments.front() + 1);
  for (uint64_t s : segments) j->Release(s, 1);
  // Every segment but the one still being written goes.
  for (int i = 0; i < 500 && Segments().size() > 1; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(Segments().size(), 1u);
  j.reset();
  replayed.clear();
  j = Open(&replayed, 1024);
  // Closed with everything released, the last segment went too: nothing comes back.
  EXPECT_EQ(replayed.size(), 0u);
}

TEST_F(JournalTest, AFailingDiskIsReportedAndTheJournalRecovers) {
  std::vector<JournalRecord> replayed;
  auto j = Open(&replayed);
  ASSERT_TRUE(j);
  ASSERT_TRUE(AppendDurably(*j, "t", "before").ok());
  // A file size limit makes the next writes fail (EFBIG), as a full disk would.
  struct sigaction ignore{}, old{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGXFSZ, &ignore, &old);
  rlimit saved{};
  ::getrlimit(RLIMIT_FSIZE, &saved);
  rlimit tight = saved;
  tight.rlim_cur = 64;
  ::setrlimit(RLIMIT_FSIZE, &tight);
  Status failed = AppendDurably(*j, "t", std::string(1000, 'x'));
  ::setrlimit(RLIMIT_FSIZE, &saved);
  ::sigaction(SIGXFSZ, &old, nullptr);
  EXPECT_EQ(failed.code(), Code::kUnavailable) << failed.ToString();
  EXPECT_GE(j->stats().failures, 1u);

  ASSERT_TRUE(AppendDurably(*j, "t", "after").ok());
  j.reset();
  replayed.clear();
  j = Open(&replayed);
  ASSERT_EQ(replayed.size(), 2u) << "the failed record is not replayed, the later one is";
  EXPECT_EQ(replayed[0].payload, "before");
  EXPECT_EQ(replayed[1].payload, "after");
}

TEST_F(JournalTest, MemoryBusReplaysWhatNoConsumerCommitted) {
  const JournalOptions options{dir_.string(), 512};  // every lane rolls its segment often
  {
    auto bus = MemoryBus::Open(1000, options, {"healthcheck"});
    ASSERT_TRUE(bus.ok()) << bus.status().ToString();
    auto consumer = (*bus)->Subscribe("healthcheck", "sms-worker");
    ASSERT_TRUE(consumer.ok());
    std::atomic<int> durable{0};
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE((*bus)
                      ->Publish("healthcheck", "k", "hb-" + std::to_string(i),
                                [&](const Status& s) { durable += s.ok() ? 1 : 0; })
                      .ok());
    }
    for (int i = 0; i < 500 && durable.load() < 200; ++i) std::this_thread::sleep_for(10ms);
    ASSERT_EQ(durable.load(), 200);
    EXPECT_TRUE((*bus)->durable());
    auto first = (*consumer)->Poll(150, 0ms);
    ASSERT_TRUE(first.ok());
    ASSERT_EQ(first->size(), 150u);
    ASSERT_TRUE((*consumer)->Commit().ok());
    auto second = (*consumer)->Poll(10, 0ms);  // polled, never committed: the crash
    ASSERT_TRUE(second.ok());
  }
  auto bus = MemoryBus::Open(1000, options, {"healthcheck"});
  ASSERT_TRUE(bus.ok());
  auto consumer = (*bus)->Subscribe("healthcheck", "sms-worker");
  ASSERT_TRUE(consumer.ok());
  auto again = (*consumer)->Poll(1000, 0ms);
  ASSERT_TRUE(again.ok());
  std::set<std::string> payloads;
  for (const Message& m : *again) payloads.insert(m.payload);
  for (int i = 150; i < 200; ++i) EXPECT_TRUE(payloads.count("hb-" + std::to_string(i))) << i;
  // Segments every message of which was committed are gone: not all 150 come back.
  EXPECT_LT(again->size(), 200u);
}

TEST_F(JournalTest, MemoryBusWithoutAJournalSaysItIsNotDurable) {
  MemoryBus bus;
  EXPECT_FALSE(bus.durable());
  bool told = false;
  ASSERT_TRUE(bus.Publish("t", "k", "p", [&](const Status& s) { told = s.ok(); }).ok());
  EXPECT_TRUE(told);
}

}  // namespace
}  // namespace sms::bus
