// Store benchmarks on a large fleet (default 1,000,000 servers; SMS_BENCH_SERVERS overrides).
// The database is built once in SMS_BENCH_DB (default /tmp/sms_store_bench.db) and reused by
// later runs, so numbers are for a warm database. SMS_BENCH_URL (any store URL, e.g.
// postgresql://…) benchmarks another backend instead. Run a Release build:
//   store_bench --benchmark_min_time=2

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

#include "core/types.h"
#include "store/store.h"

namespace {

using sms::Heartbeat;
using sms::Millis;
using sms::store::ApplyOptions;
using sms::store::StorePtr;

constexpr Millis kT0 = 1'800'000'000'000;
constexpr Millis kRoundMillis = 30'000;  // every agent beats once per round
const int kBatch =
    std::getenv("SMS_BENCH_BATCH") ? std::atoi(std::getenv("SMS_BENCH_BATCH")) : 1000;

int64_t FleetSize() {
  const char* env = std::getenv("SMS_BENCH_SERVERS");
  return env != nullptr ? std::atoll(env) : 1'000'000;
}

std::string ServerId(int64_t i) { return "srv-" + std::to_string(i); }

Heartbeat Beat(int64_t i, Millis at) {
  Heartbeat hb;
  hb.id = ServerId(i) + "@" + std::to_string(at);
  hb.server_id = ServerId(i);
  hb.hostname = "host-" + std::to_string(i);
  hb.ipv4 = "10." + std::to_string(i >> 16 & 255) + "." + std::to_string(i >> 8 & 255) + "." +
            std::to_string(i & 255);
  hb.interval = 30;
  hb.received_at = at;
  return hb;
}

// Agents beat every 30 s at a fixed phase, so the fleet is visited in the same shuffled order
// every round: heartbeat k (counting from kT0) is for server Order()[k % N] at Time(k).
const std::vector<int64_t>& Order() {
  static const std::vector<int64_t> order = [] {
    std::vector<int64_t> o(static_cast<size_t>(FleetSize()));
    for (size_t i = 0; i < o.size(); ++i) o[i] = static_cast<int64_t>(i);
    std::shuffle(o.begin(), o.end(), std::mt19937_64(42));
    return o;
  }();
  return order;
}

Millis Time(int64_t k) { return kT0 + k * kRoundMillis / FleetSize(); }

// The shared store: FleetSize() servers registered during the first round (rowids in
// registration order, unrelated to their phase, as in a real fleet), then reused.
StorePtr& Fleet() {
  static StorePtr store = [] {
    const char* env = std::getenv("SMS_BENCH_DB");
    const char* url = std::getenv("SMS_BENCH_URL");
    std::string path = env != nullptr ? env : "/tmp/sms_store_bench.db";
    auto opened = sms::store::MakeStore({url != nullptr ? url : "sqlite:" + path});
    if (!opened.ok()) {
      std::cerr << opened.status().ToString() << "\n";
      std::abort();
    }
    StorePtr s = *opened;
    std::vector<int64_t> phase(Order().size());
    for (size_t k = 0; k < Order().size(); ++k)
      phase[static_cast<size_t>(Order()[k])] = static_cast<int64_t>(k);
    for (int64_t i = s->Stats()->total; i < FleetSize(); i += 10'000) {
      std::vector<Heartbeat> batch;
      for (int64_t j = i; j < std::min(i + 10'000, FleetSize()); ++j) {
        batch.push_back(Beat(j, Time(phase[static_cast<size_t>(j)])));
      }
      if (!s->ApplyHeartbeats(batch, {}).ok()) std::abort();
    }
    return s;
  }();
  return store;
}

// Batches of kBatch heartbeats continuing the rounds where the database left them.
class Heartbeats {
 public:
  explicit Heartbeats(bool known) : known_(known) {
    if (next_ > 0) return;
    sms::ServerQuery newest;
    newest.sort = "last_seen";
    newest.order = sms::SortOrder::kDesc;
    newest.limit = 1;
    Millis last = Fleet()->ListServers(newest)->items.at(0).last_seen;
    next_ = (last - kT0) * FleetSize() / kRoundMillis + 1;
  }
  void Next(std::vector<Heartbeat>& batch, ApplyOptions& options) {
    batch.clear();
    options.known_on.clear();
    for (int k = 0; k < kBatch; ++k, ++next_) {
      batch.push_back(Beat(Order()[static_cast<size_t>(next_ % FleetSize())], Time(next_)));
      if (known_) options.known_on.insert(batch.back().server_id);
    }
  }

 private:
  bool known_;
  static inline int64_t next_ = 0;
};

void ApplyBatches(benchmark::State& state, bool known) {
  StorePtr store = Fleet();
  Heartbeats source(known);
  std::vector<Heartbeat> batch;
  ApplyOptions options;
  for (auto _ : state) {
    state.PauseTiming();
    source.Next(batch, options);
    state.ResumeTiming();
    auto r = store->ApplyHeartbeats(batch, options);
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

// Heartbeats whose server the caller's cache knows is on (the steady state).
void BM_ApplyHeartbeats_KnownOn(benchmark::State& state) { ApplyBatches(state, true); }
// Heartbeats with a cold cache: every one reads its row first.
void BM_ApplyHeartbeats_FullPath(benchmark::State& state) { ApplyBatches(state, false); }

void BM_ListServers(benchmark::State& state, const std::string& sort, bool desc, int64_t offset,
                    bool only_on) {
  StorePtr store = Fleet();
  sms::ServerQuery q;
  q.sort = sort;
  q.order = desc ? sms::SortOrder::kDesc : sms::SortOrder::kAsc;
  q.offset = offset;
  q.limit = 50;
  if (only_on) q.status = sms::ServerStatus::kOn;
  for (auto _ : state) {
    auto page = store->ListServers(q);
    if (!page.ok() || page->items.empty()) state.SkipWithError("empty page");
    benchmark::DoNotOptimize(page);
  }
}

void BM_ListServers_SearchQ(benchmark::State& state) {
  StorePtr store = Fleet();
  sms::ServerQuery q;
  q.q = "host-99999";
  q.limit = 50;
  for (auto _ : state) {
    auto page = store->ListServers(q);
    if (!page.ok()) state.SkipWithError(page.status().ToString().c_str());
    benchmark::DoNotOptimize(page);
  }
}

// Every 10th server (by registration) carries "env:prod" and one of 100 "rack-NN" tags: a tag
// on a tenth of the fleet and tags on a thousandth. Tagged once, then reused with the file.
void TagFleet(const StorePtr& store) {
  sms::ServerQuery tagged;
  tagged.tags = {"env:prod"};
  tagged.limit = 1;
  int64_t want = (FleetSize() + 9) / 10;
  if (store->ListServers(tagged)->total >= want) return;
  for (int64_t i = 0; i < FleetSize(); i += 10) {
    sms::ServerPatch patch;
    patch.tags = std::vector<std::string>{"env:prod", "rack-" + std::to_string(i / 10 % 100)};
    if (!store->UpdateServer(ServerId(i), patch, kT0).ok()) std::abort();
  }
}

// A page of 50 filtered by one tag (sorted by server_id), timed call by call: p50 and p99 in
// microseconds as counters, next to Google Benchmark's mean.
void BM_ListServers_Tag(benchmark::State& state, const std::string& tag) {
  StorePtr store = Fleet();
  TagFleet(store);
  sms::ServerQuery q;
  q.tags = {tag};
  q.limit = 50;
  std::vector<double> micros;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    auto page = store->ListServers(q);
    auto t1 = std::chrono::steady_clock::now();
    if (!page.ok() || page->items.empty()) state.SkipWithError("empty page");
    micros.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    benchmark::DoNotOptimize(page);
  }
  std::sort(micros.begin(), micros.end());
  auto at = [&](double p) { return micros[static_cast<size_t>(p * double(micros.size() - 1))]; };
  if (!micros.empty()) {
    state.counters["p50_us"] = at(0.50);
    state.counters["p99_us"] = at(0.99);
  }
}

// A sweep on a healthy fleet (every server seen within its interval): the steady state.
void BM_SweepOffline_NothingDue(benchmark::State& state) {
  StorePtr store = Fleet();
  sms::ServerQuery newest;
  newest.sort = "last_seen";
  newest.order = sms::SortOrder::kDesc;
  newest.limit = 1;
  Millis now = store->ListServers(newest)->items.at(0).last_seen;
  for (auto _ : state) {
    auto r = store->SweepOffline(now, 30'000);
    if (!r.ok() || r->turned_off != 0) state.SkipWithError("unexpected sweep");
  }
}

// Every server's transitions over one day: what a fleet-wide uptime report reads.
void BM_Timelines_OneDay(benchmark::State& state) {
  StorePtr store = Fleet();
  for (auto _ : state) {
    auto t = store->Timelines(kT0, kT0 + 86'400'000);
    if (!t.ok() || static_cast<int64_t>(t->size()) != FleetSize()) state.SkipWithError("short");
    benchmark::DoNotOptimize(t);
  }
  state.SetItemsProcessed(state.iterations() * FleetSize());
}

BENCHMARK(BM_ApplyHeartbeats_KnownOn)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ApplyHeartbeats_FullPath)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_ListServers, last_seen_desc, "last_seen", true, 0, false)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ListServers, name_asc_offset_10k, "server_name", false, 10'000, false)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ListServers, status_on_ipv4_desc, "ipv4", true, 0, true)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ListServers_SearchQ)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ListServers_Tag, tenth_of_fleet, "env:prod")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ListServers_Tag, thousandth_of_fleet, "rack-07")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SweepOffline_NothingDue)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Timelines_OneDay)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
