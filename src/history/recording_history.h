#pragma once
// Test support: a History that logs every call it takes and answers each with a value of its
// own, so a wrapper's test sees which calls reach the wrapped history and what comes back.
// CallEach calls every History method once and checks that the answers are RecordingHistory's.
// Not thread-safe.

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "history/history.h"

namespace sms::history::testing {

class RecordingHistory final : public History {
 public:
  static constexpr Millis kHorizonBack = 86'400'000;  // Horizon(now) is now - a day
  static constexpr int64_t kExpired = 42;
  static constexpr double kUpSeconds = 7;

  Status Ping() override {
    Log("Ping");
    return Status::Ok();
  }
  Status Record(const std::vector<Heartbeat>& batch) override {
    Log("Record " + std::to_string(batch.size()));
    return Status::Ok();
  }
  Status RecordRuns(const std::vector<RunUpdate>& updates) override {
    Log("RecordRuns " + std::to_string(updates.size()));
    return Status::Ok();
  }
  // True, unlike History's default: a wrapper that does not pass it through answers false.
  bool KeepsRuns() const override {
    Log("KeepsRuns");
    return true;
  }
  // One run, unlike History's default (none).
  Result<std::vector<RunUpdate>> OpenRunsEndedBefore(Millis before, size_t limit) override {
    Log("OpenRunsEndedBefore " + std::to_string(before) + " " + std::to_string(limit));
    return std::vector<RunUpdate>{RunUpdate{.server_id = "a", .start = 1, .end = 2}};
  }
  Result<UptimeResult> Uptime(const Server& server, Millis from, Millis to, Millis now) override {
    Log("Uptime " + server.server_id + Window(from, to, now));
    return Answer(from, to);
  }
  Result<std::vector<std::pair<std::string, UptimeResult>>> UptimeAll(Millis from, Millis to,
                                                                      Millis now) override {
    Log("UptimeAll" + Window(from, to, now));
    return std::vector<std::pair<std::string, UptimeResult>>{{"a", Answer(from, to)}};
  }
  Millis Horizon(Millis now) const override {
    Log("Horizon " + std::to_string(now));
    return now - kHorizonBack;
  }
  Result<int64_t> Expire(Millis now) override {
    Log("Expire " + std::to_string(now));
    return kExpired;
  }

  static UptimeResult Answer(Millis from, Millis to) {
    UptimeResult r;
    r.from = from;
    r.to = to;
    r.up_seconds = kUpSeconds;
    r.window_seconds = double(to - from) / 1000.0;
    r.uptime = r.up_seconds / r.window_seconds;
    r.source = UptimeSource::kSearch;
    return r;
  }

  // Every call taken, in order, e.g. "Record 2", "Uptime a 1000 2000 3000".
  mutable std::vector<std::string> calls;

 private:
  void Log(std::string call) const { calls.push_back(std::move(call)); }
  static std::string Window(Millis from, Millis to, Millis now) {
    return " " + std::to_string(from) + " " + std::to_string(to) + " " + std::to_string(now);
  }
};

// The window CallEach asks about: the last hour before kNow, inside RecordingHistory's horizon.
inline constexpr Millis kNow = 1'800'000'000'000;
inline constexpr Millis kFrom = kNow - 3'600'000;

inline void ExpectAnswer(const Result<UptimeResult>& r) {
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->from, kFrom);
  EXPECT_EQ(r->to, kNow);
  EXPECT_EQ(r->up_seconds, RecordingHistory::kUpSeconds);
  EXPECT_EQ(r->source, UptimeSource::kSearch);
}

// Calls every History method of `h` once (a batch of two heartbeats, one run update, server
// "a", the window [kFrom, kNow] at kNow) and checks each answer is RecordingHistory's.
inline void CallEach(History& h) {
  EXPECT_TRUE(h.Ping().ok());
  EXPECT_TRUE(h.Record({Heartbeat{}, Heartbeat{}}).ok());
  EXPECT_TRUE(h.RecordRuns({RunUpdate{}}).ok());
  EXPECT_TRUE(h.KeepsRuns());
  auto open = h.OpenRunsEndedBefore(kNow, 10);
  ASSERT_TRUE(open.ok()) << open.status().ToString();
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].server_id, "a");
  Server a;
  a.server_id = "a";
  ExpectAnswer(h.Uptime(a, kFrom, kNow, kNow));
  auto all = h.UptimeAll(kFrom, kNow, kNow);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].first, "a");
  ExpectAnswer((*all)[0].second);
  EXPECT_EQ(h.Horizon(kNow), kNow - RecordingHistory::kHorizonBack);
  Result<int64_t> expired = h.Expire(kNow);
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(*expired, RecordingHistory::kExpired);
}

// What RecordingHistory logs when CallEach calls it directly: every method, once.
inline std::vector<std::string> EachCall() {
  const std::string window =
      " " + std::to_string(kFrom) + " " + std::to_string(kNow) + " " + std::to_string(kNow);
  const std::string now = std::to_string(kNow);
  return {"Ping",
          "Record 2",
          "RecordRuns 1",
          "KeepsRuns",
          "OpenRunsEndedBefore " + now + " 10",
          "Uptime a" + window,
          "UptimeAll" + window,
          "Horizon " + now,
          "Expire " + now};
}

}  // namespace sms::history::testing
