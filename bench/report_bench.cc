// The report of one day over a fleet (default 100 000 servers; SMS_BENCH_SERVERS overrides),
// set-based as POST /api/v1/reports does it, next to the per-server loop it replaces (one
// ListEvents and one uptime per server), on the same database in the same run. The fleet is
// registered by a heartbeat each, then a tenth of it turns off at noon and a twentieth comes
// back at 18:00, so there are transitions to count. SMS_BENCH_URL (any store URL) picks the
// backend; default a fresh SQLite file. SMS_BENCH_SEARCH_URL (an OpenSearch node) takes the
// uptime from a SearchHistory on that Store instead, as smsd does, fed the same heartbeats into
// indices of a fresh prefix (dropped at the end unless SMS_BENCH_KEEP is set). Those few
// heartbeats say little about uptime; SMS_BENCH_HOURLY=1 adds one an hour (interval 1 h) to the
// search history wherever the SQL status is on, so both give the same average. Run a Release
// build: build/bin/report_bench

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "core/uptime.h"
#include "history/history.h"
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

void Record(sms::history::SearchHistory& search, const std::vector<sms::Heartbeat>& batch) {
  sms::Status recorded = search.Record(batch);
  if (!recorded.ok()) {
    std::fprintf(stderr, "record: %s\n", recorded.ToString().c_str());
    std::exit(1);
  }
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
void Beat(sms::store::Store& store, sms::history::SearchHistory* search, int64_t first,
          int64_t last, Millis at) {
  std::vector<sms::Heartbeat> batch;
  for (int64_t i = first; i < last; ++i) {
    batch.push_back(Heartbeat(i, at, 60));
    if (batch.size() == 5000 || i + 1 == last) {
      Must(store.ApplyHeartbeats(batch, {}), "heartbeats");
      if (search != nullptr) Record(*search, batch);
      batch.clear();
    }
  }
}

// For the search history only: heartbeats of servers [first, last) covering [from, to] without
// a gap (one an hour, the longest interval), so that the heartbeats say what the SQL status
// says, which the sweep keeps on between the sparse beats above.
void Fill(sms::history::SearchHistory& search, int64_t first, int64_t last, Millis from,
          Millis to) {
  std::vector<sms::Heartbeat> batch;
  for (Millis at = from; at < to; at += kH) {
    int interval = int(std::min<Millis>(kH, to - at) / 1000);
    for (int64_t i = first; i < last; ++i) {
      batch.push_back(Heartbeat(i, at, interval));
      if (batch.size() == 5000) {
        Record(search, batch);
        batch.clear();
      }
    }
  }
  if (!batch.empty()) Record(search, batch);
}

}  // namespace

int main() {
  int64_t n = std::getenv("SMS_BENCH_SERVERS") ? std::atoll(std::getenv("SMS_BENCH_SERVERS"))
                                               : 100'000;
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
  Must(store->SweepOffline(d0 + 12 * kH, 30'000), "sweep");
  while (Must(store->SweepOffline(d0 + 12 * kH, 30'000), "sweep").turned_off > 0) {}
  Beat(*store, search.get(), 0, n / 20, d0 + 18 * kH);           // half of those come back
  const char* hourly = std::getenv("SMS_BENCH_HOURLY");
  if (search != nullptr && hourly != nullptr && *hourly != '\0' && *hourly != '0') {
    Fill(*search, n / 10, n, d0 - kH + 60'000, now + 60'000);
    Fill(*search, 0, n / 20, d0 + 18 * kH + 60'000, now + 60'000);
  }
  if (search != nullptr && !search->Refresh().ok()) {
    std::fprintf(stderr, "refresh failed\n");
    return 1;
  }
  std::printf("fleet of %lld servers set up in %.1f s (%s, uptime from %s)\n", (long long)n,
              Seconds(t), url.substr(0, url.find(':')).c_str(),
              search != nullptr ? "opensearch" : "sql");

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

  std::printf("| servers | set-based report | render text+HTML+xlsx | per-server loop (baseline) |"
              " average uptime | below 99 %% | changed | xlsx bytes |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  std::printf("| %lld | %.2f s | %.2f s | %.2f s | %.4f (loop: %.4f) | %lld | %zu | %zu |\n",
              (long long)n, computed, rendered, looped, report.average_uptime,
              sum / double(report.servers.size()), (long long)report.below_total,
              report.changed.size(), job.attachments[0].data.size());
  if (search != nullptr && std::getenv("SMS_BENCH_KEEP") == nullptr) {
    auto dropped = search->client().Json("DELETE", "/" + search->options().index_prefix + "-*",
                                         {}, std::chrono::seconds(30));
    if (!dropped.ok()) std::fprintf(stderr, "drop: %s\n", dropped.status().ToString().c_str());
    dropped = search->client().Json("DELETE", "/_index_template/" + search->options().index_prefix,
                                    {}, std::chrono::seconds(30));
  }
  std::filesystem::remove(db);
  return 0;
}
