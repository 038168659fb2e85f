// The report of one day over a fleet (default 100 000 servers; SMS_BENCH_SERVERS overrides),
// set-based as POST /api/v1/reports does it, next to the per-server loop it replaces (one
// ListEvents and one uptime per server), on the same database in the same run. The fleet is
// registered by a heartbeat each, then a tenth of it turns off at noon and a twentieth comes
// back at 18:00, so there are transitions to count. SMS_BENCH_URL (any store URL) picks the
// backend; default a fresh SQLite file. Run a Release build: build/bin/report_bench

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/uptime.h"
#include "history/history.h"
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

void Beat(sms::store::Store& store, int64_t first, int64_t last, Millis at) {
  std::vector<sms::Heartbeat> batch;
  for (int64_t i = first; i < last; ++i) {
    sms::Heartbeat hb;
    hb.server_id = "srv-" + std::to_string(i);
    hb.id = hb.server_id + "@" + std::to_string(at);
    hb.hostname = hb.server_id;
    hb.ipv4 = "10." + std::to_string(i / 65536 % 256) + "." + std::to_string(i / 256 % 256) +
              "." + std::to_string(i % 256);
    hb.interval = 60;
    hb.received_at = at;
    batch.push_back(std::move(hb));
    if (batch.size() == 5000 || i + 1 == last) {
      Must(store.ApplyHeartbeats(batch, {}), "heartbeats");
      batch.clear();
    }
  }
}

}  // namespace

int main() {
  int64_t n = std::getenv("SMS_BENCH_SERVERS") ? std::atoll(std::getenv("SMS_BENCH_SERVERS"))
                                               : 100'000;
  std::string db = (std::filesystem::temp_directory_path() / "sms_report_bench.db").string();
  std::filesystem::remove(db);
  std::string url = std::getenv("SMS_BENCH_URL") ? std::getenv("SMS_BENCH_URL") : "sqlite:" + db;
  auto store = Must(sms::store::MakeStore({url}), "store");
  auto history = Must(sms::history::MakeHistory({}, store), "history");
  auto calendar = Must(sms::report::Calendar::Make("UTC"), "tz");
  sms::report::Day day = Must(sms::report::ParseDay("2026-11-27", "day"), "day");
  Millis d0 = calendar.StartOf(day);

  auto t = Clock::now();
  Beat(*store, 0, n, d0 - kH);                       // registered, on
  Beat(*store, n / 10, n, d0 + 12 * kH - 90'000);    // all but a tenth beat before noon
  Must(store->SweepOffline(d0 + 12 * kH, 30'000), "sweep");
  while (Must(store->SweepOffline(d0 + 12 * kH, 30'000), "sweep").turned_off > 0) {}
  Beat(*store, 0, n / 20, d0 + 18 * kH);             // half of those come back
  std::printf("fleet of %lld servers set up in %.1f s (%s)\n", (long long)n, Seconds(t),
              url.substr(0, url.find(':')).c_str());

  sms::report::Window window = sms::report::MakeWindow(calendar, day, day);
  Millis now = d0 + 30 * kH;
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
  std::filesystem::remove(db);
  return 0;
}
