// The report of one day over a fleet (default 100 000 servers; SMS_BENCH_SERVERS overrides),
// set-based as POST /api/v1/reports does it, next to the per-server loop it replaces (one
// ListEvents and one uptime per server), on the same database in the same run. The fleet is
// registered by a heartbeat each, then a tenth of it turns off at noon and a twentieth comes
// back at 18:00, so there are transitions to count. SMS_BENCH_URL (any store URL) picks the
// backend; default a fresh SQLite file. SMS_BENCH_SEARCH_URL (an OpenSearch node) takes the
// uptime from a SearchHistory on that Store instead, as smsd does, fed as the worker feeds it
// (heartbeat documents, on-runs extended by heartbeats and closed by the sweep) into indices of
// a fresh prefix (dropped at the end unless SMS_BENCH_KEEP is set). SMS_BENCH_BEATS_PER_HOUR
// (default 0) adds that many heartbeats an hour per server (interval 3600/rate s) wherever the
// SQL status is on, written to the search history only, to show what the beat rate costs;
// SMS_BENCH_HOURLY=1 is the same as a rate of 1. With the search history the row also gives
// one server's uptime over 30 days (median and slowest of 100 servers). Run a Release build:
// build/bin/report_bench

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/uptime.h"
#include "history/history.h"
#include "history/on_runs.h"
#include "history/search_history.h"
#include "report/render.h"
#include "report/report.h"
#include "store/store.h"

namespace {

using Clock = std::chrono::steady_clock;
using sms::Millis;

constexpr Millis kH = 3600 * 1000;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

template <typename T>
T Must(sms::Result<T> r, const char* what) {
  if (!r.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, r.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(r).value();
}

void Check(const sms::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

// The heartbeats and their on-runs, as the worker records them; `on_since` from the Store.
void Record(sms::history::SearchHistory& search, const std::vector<sms::Heartbeat>& batch,
            const std::unordered_map<std::string, Millis>& on_since) {
  Check(search.Record(batch), "record");
  Check(search.RecordRuns(sms::history::RunsOfBatch(batch, on_since)), "runs");
}

std::unordered_map<std::string, Millis> OnSince(const std::vector<sms::Server>& servers) {
  std::unordered_map<std::string, Millis> on;
  sms::history::NoteOnSince(servers, on);
  return on;
}

sms::Heartbeat Heartbeat(int64_t i, Millis at, int interval) {
  sms::Heartbeat hb;
  hb.server_id = "srv-" + std::to_string(i);
  hb.id = hb.server_id + "@" + std::to_string(at);
  hb.hostname = hb.server_id;
  hb.ipv4 = "10." + std::to_string(i / 65536 % 256) + "." + std::to_string(i / 256 % 256) + "." +
            std::to_string(i % 256);
  hb.interval = interval;
  hb.received_at = at;
  return hb;
}

// A heartbeat of interval 60 s from servers [first, last) at `at`, applied to the Store and
// recorded in `search` when set.
void Beat(sms::store::ServerStore& store, sms::history::SearchHistory* search, int64_t first,
          int64_t last, Millis at) {
  std::vector<sms::Heartbeat> batch;
  for (int64_t i = first; i < last; ++i) {
    batch.push_back(Heartbeat(i, at, 60));
    if (batch.size() == 5000 || i + 1 == last) {
      auto applied = Must(store.ApplyHeartbeats(batch, {}), "heartbeats");
      if (search != nullptr) Record(*search, batch, OnSince(applied.changed));
      batch.clear();
    }
  }
}

// The sweep, as the worker runs it: servers turned off, their runs closed in `search`.
void Sweep(sms::store::ServerStore& store, sms::history::SearchHistory* search, Millis now) {
  for (;;) {
    auto swept = Must(store.SweepOffline(now, 30'000), "sweep");
    if (search != nullptr) {
      Check(search->RecordRuns(sms::history::RunsClosedBy(swept.offs)), "close runs");
    }
    if (swept.turned_off == 0) return;
  }
}

// For the search history only: `per_hour` heartbeats an hour (interval 3600/per_hour s) of
// every server on in the Store, from its on-run's start to `to`; returns how many.
int64_t Fill(sms::store::ServerStore& store, sms::history::SearchHistory& search, int per_hour,
             Millis to) {
  std::unordered_map<std::string, Millis> on;
  Check(store.ScanServers(sms::ServerQuery{},
                          [&](const sms::Server& s) {
                            if (s.status == sms::ServerStatus::kOn)
                              on[s.server_id] = s.status_changed_at;
                            return sms::Status::Ok();
                          }),
        "scan");
  Millis every = kH / per_hour;
  int64_t written = 0;
  std::vector<sms::Heartbeat> batch;
  for (const auto& [server_id, since] : on) {
    int64_t i = std::atoll(server_id.c_str() + 4);  // "srv-<i>"
    for (Millis at = since + every; at < to; at += every) {
      batch.push_back(Heartbeat(i, at, int(every / 1000)));
      if (batch.size() == 5000) {
        Record(search, batch, on);
        written += int64_t(batch.size());
        batch.clear();
      }
    }
  }
  if (!batch.empty()) Record(search, batch, on);
  return written + int64_t(batch.size());
}

// One server's uptime over the 30 days to `to`, for 100 servers: the median and the slowest.
std::pair<double, double> OneServerMonth(sms::store::ServerStore& store,
                                         sms::history::History& history, int64_t n, Millis to,
                                         Millis now) {
  std::vector<double> ms;
  for (int64_t k = 0; k < 100; ++k) {
    auto server = Must(store.GetServer("srv-" + std::to_string(k * n / 100)), "server");
    auto t = Clock::now();
    Must(history.Uptime(server, to - 30 * 24 * kH, to, now), "uptime");
    ms.push_back(Seconds(t) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.back()};
}

}  // namespace

int main() {
  int64_t n =
      std::getenv("SMS_BENCH_SERVERS") ? std::atoll(std::getenv("SMS_BENCH_SERVERS")) : 100'000;
  std::string db = (std::filesystem::temp_directory_path() / "sms_report_bench.db").string();
  std::filesystem::remove(db);
  std::string url = std::getenv("SMS_BENCH_URL") ? std::getenv("SMS_BENCH_URL") : "sqlite:" + db;
  auto store = Must(sms::store::MakeStore({url}), "store");
  const char* search_url = std::getenv("SMS_BENCH_SEARCH_URL");
  std::shared_ptr<sms::history::SearchHistory> search;
  sms::history::HistoryPtr history;
  if (search_url != nullptr && *search_url != '\0') {
    sms::history::SearchHistoryOptions o;
    o.url = search_url;
    o.index_prefix = "sms-report-bench-" + std::to_string(::getpid());
    search = Must(sms::history::SearchHistory::Make(o, store), "search history");
    history = search;
  } else {
    history = Must(sms::history::MakeHistory({}, store), "history");
  }
  auto calendar = Must(sms::report::Calendar::Make("UTC"), "tz");
  sms::report::Day day = Must(sms::report::ParseDay("2026-11-27", "day"), "day");
  Millis d0 = calendar.StartOf(day);
  Millis now = d0 + 30 * kH;

  auto t = Clock::now();
  Beat(*store, search.get(), 0, n, d0 - kH);                     // registered, on
  Beat(*store, search.get(), n / 10, n, d0 + 12 * kH - 90'000);  // all but a tenth before noon
  Sweep(*store, search.get(), d0 + 12 * kH);
  Beat(*store, search.get(), 0, n / 20, d0 + 18 * kH);  // half of those come back
  int per_hour = std::getenv("SMS_BENCH_BEATS_PER_HOUR")
                     ? std::atoi(std::getenv("SMS_BENCH_BEATS_PER_HOUR"))
                     : 0;
  const char* hourly = std::getenv("SMS_BENCH_HOURLY");
  if (per_hour == 0 && hourly != nullptr && *hourly != '\0' && *hourly != '0') per_hour = 1;
  int64_t beats = 0;
  if (search != nullptr && per_hour > 0) beats = Fill(*store, *search, per_hour, now + 60'000);
  if (search != nullptr && !search->Refresh().ok()) {
    std::fprintf(stderr, "refresh failed\n");
    return 1;
  }
  std::printf(
      "fleet of %lld servers set up in %.1f s (%s, uptime from %s, %lld extra heartbeats)\n",
      (long long)n, Seconds(t), url.substr(0, url.find(':')).c_str(),
      search != nullptr ? "opensearch on-runs" : "sql", (long long)beats);

  sms::report::Window window = sms::report::MakeWindow(calendar, day, day);
  t = Clock::now();
  auto report = Must(sms::report::ComputeReport(*store, *history, window, now), "report");
  double computed = Seconds(t);
  t = Clock::now();
  auto job = Must(sms::report::ReportJob(report, "bench", {"ops@example.com"}, ""), "render");
  double rendered = Seconds(t);

  // The baseline: the per-server loop (one ListEvents per server, uptime computed from it).
  t = Clock::now();
  double sum = 0;
  for (const sms::report::ServerLine& line : report.servers) {
    auto events = Must(store->ListEvents(line.server_id, window.from, window.to), "events");
    sum += sms::ComputeUptime(events, d0 - kH, window.from, window.to, now).uptime;
  }
  double looped = Seconds(t);
  auto [month_p50, month_max] = OneServerMonth(*store, *history, n, d0 + 24 * kH, now);

  std::printf(
      "| servers | beats/h/server | set-based report | render text+HTML+xlsx |"
      " per-server loop (baseline) | average uptime | below 99 %% | changed | xlsx bytes |"
      " one server, 30 days (p50 / max) |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  std::printf(
      "| %lld | %d | %.2f s | %.2f s | %.2f s | %.4f (loop: %.4f) | %lld | %zu | %zu |"
      " %.1f / %.1f ms |\n",
      (long long)n, per_hour, computed, rendered, looped, report.average_uptime,
      sum / double(report.servers.size()), (long long)report.below_total, report.changed.size(),
      job.attachments[0].data.size(), month_p50, month_max);
  if (search != nullptr && std::getenv("SMS_BENCH_KEEP") == nullptr) {
    auto dropped = search->client().Json(
        "DELETE", "/" + search->options().index_prefix + "-*," + search->RunsIndex(), {},
        std::chrono::seconds(30));
    if (!dropped.ok()) std::fprintf(stderr, "drop: %s\n", dropped.status().ToString().c_str());
    dropped = search->client().Json("DELETE", "/_index_template/" + search->options().index_prefix,
                                    {}, std::chrono::seconds(30));
  }
  std::filesystem::remove(db);
  return 0;
}
