#include "roles/worker/worker.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <limits>
#include <optional>

#include "core/heartbeat.h"
#include "core/thread_name.h"
#include "roles/common/server_cache.h"

namespace sms::worker {
namespace {

using roles::ServerCacheKey;

constexpr auto kRetryMin = std::chrono::milliseconds(100);
constexpr auto kRetryMax = std::chrono::milliseconds(5000);
// The one-off build of on-runs from the transitions: its claim, held this long while it runs.
constexpr const char* kRunsBuildJob = "on-runs-from-transitions";
constexpr Millis kRunsBuildLease = 3600'000;
constexpr Millis kNever = std::numeric_limits<Millis>::max();

std::string_view JsonString(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

// When the cached record says the heartbeat changes nothing but last_seen: since when the
// server is on (its on-run's start). A record cached without that time takes the full path.
std::optional<Millis> CachedOnAndSame(const std::string& cached, const Heartbeat& hb) {
  // Parsed for every heartbeat: into a buffer on the stack, not the heap (a record is small;
  // a larger one takes more from the heap).
  unsigned char buffer[1024];
  boost::json::monotonic_resource memory(buffer, sizeof buffer);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(cached, ec, &memory);
  if (ec || !v.is_object()) return std::nullopt;
  const boost::json::object& o = v.get_object();
  const boost::json::value* interval = o.if_contains("interval");
  const boost::json::value* since = o.if_contains("status_changed_at");
  bool same = JsonString(o, "status") == "on" &&
              (hb.ipv4.empty() || JsonString(o, "ipv4") == hb.ipv4) &&
              (hb.hostname.empty() || JsonString(o, "hostname") == hb.hostname) && interval &&
              interval->is_int64() && interval->get_int64() == hb.interval;
  if (!same || since == nullptr || !since->is_int64()) return std::nullopt;
  return since->get_int64();
}

}  // namespace

Worker::Worker(WorkerOptions options, Backends backends)
    : options_(std::move(options)),
      b_(std::move(backends)),
      batches_(b_.metrics->GetCounter("sms_worker_batches_total", "Heartbeat batches written.")),
      processed_(b_.metrics->GetCounter("sms_worker_heartbeats_total",
                                        "Heartbeats applied to the store.")),
      registered_(b_.metrics->GetCounter("sms_servers_registered_total",
                                         "Servers registered by their first heartbeat.")),
      unknown_(b_.metrics->GetCounter(
          "sms_heartbeats_unknown_total",
          "Heartbeats of unknown servers dropped because auto-register is off.")),
      turned_on_(b_.metrics->GetCounter("sms_status_transitions_total",
                                        "Status transitions written.", "to=\"on\"")),
      turned_off_(b_.metrics->GetCounter("sms_status_transitions_total",
                                         "Status transitions written.", "to=\"off\"")),
      errors_(b_.metrics->GetCounter("sms_worker_errors_total",
                                     "Failed batch writes or sweeps (retried).")),
      undecodable_(b_.metrics->GetCounter("sms_worker_undecodable_total",
                                          "Bus messages that were not heartbeats (skipped).")),
      lag_(b_.metrics->GetHistogram(
          "sms_heartbeat_lag_seconds",
          "Time from a heartbeat's arrival to its last_seen being written in SQL.")) {
  b_.metrics->AddGauge("sms_worker_lag_seconds",
                       "Age of the oldest heartbeat in the last batch when it was written.",
                       [this] { return lag_seconds_.load(); });
  bus::AddDepthGauge(*b_.metrics, b_.bus, bus::kHeartbeatTopic);
}

Worker::~Worker() { Stop(std::chrono::milliseconds(0)); }

Status Worker::Start() {
  auto consumer = b_.bus->Subscribe(bus::kHeartbeatTopic, options_.group);
  if (!consumer.ok()) return consumer.status();
  consumer_ = std::move(consumer).value();
  consume_thread_ = std::thread([this] {
    NameThisThread("sms-worker");
    ConsumeLoop();
  });
  sweep_thread_ = std::thread([this] {
    NameThisThread("sms-sweep");
    SweepLoop();
  });
  return Status::Ok();
}

void Worker::Stop(std::chrono::milliseconds drain) {
  if (!consume_thread_.joinable() && !sweep_thread_.joinable()) return;
  draining_ = true;
  if (!options_.drain_on_stop) drain = std::chrono::milliseconds(0);
  auto deadline = std::chrono::steady_clock::now() + drain;
  // The consume loop exits by itself once drained; force it past the deadline.
  while (consume_thread_.joinable() && !stopping_ && std::chrono::steady_clock::now() < deadline &&
         !Drained()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stopping_ = true;
  if (consume_thread_.joinable()) consume_thread_.join();
  if (sweep_thread_.joinable()) sweep_thread_.join();
  consumer_.reset();
}

bool Worker::Drained() {
  // A depth that cannot be told is not 0: the drain goes on until its deadline.
  Result<int64_t> depth = b_.bus->Depth(bus::kHeartbeatTopic);
  return depth.ok() && *depth == 0;
}

void Worker::ConsumeLoop() {
  while (!stopping_) {
    size_t n = ConsumeOnce(*consumer_);
    if (draining_ && n == 0 && Drained()) break;
  }
}

size_t Worker::ConsumeOnce(bus::Consumer& consumer) {
  auto polled = consumer.Poll(options_.batch_size, options_.batch_wait);
  if (!polled.ok()) {
    errors_.Inc();
    std::this_thread::sleep_for(kRetryMin);
    return 0;
  }
  if (polled->empty()) return 0;
  auto linger_until = std::chrono::steady_clock::now() + options_.batch_linger;
  while (polled->size() < options_.batch_size && !stopping_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        linger_until - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto more = consumer.Poll(options_.batch_size - polled->size(), left);
    if (!more.ok() || more->empty()) break;
    for (bus::Message& m : *more) polled->push_back(std::move(m));
  }
  std::vector<Heartbeat> batch;
  batch.reserve(polled->size());
  std::vector<Millis> times;  // committed with the offsets: how far in time each was read
  times.reserve(polled->size());
  for (const bus::Message& m : *polled) {
    auto hb = DecodeHeartbeat(m.payload);
    times.push_back(hb.ok() ? hb->received_at : 0);
    if (hb.ok()) {
      batch.push_back(std::move(hb).value());
    } else {
      undecodable_.Inc();  // validated at ingest; a foreign message is skipped, not retried
    }
  }
  // Nothing is committed until the writes succeed; a retryable failure is retried in place.
  if (!batch.empty()) {
    Millis oldest = batch.front().received_at;
    for (const Heartbeat& hb : batch) oldest = std::min(oldest, hb.received_at);
    held_since_ = oldest;
  }
  auto delay = kRetryMin;
  for (;;) {
    Status s = ProcessBatch(batch);
    if (s.ok()) break;
    errors_.Inc();
    spdlog::warn("worker: writing {} heartbeats failed, retrying in {} ms: {}", batch.size(),
                 delay.count(), s.ToString());
    // On stop the batch stays uncommitted, so the bus delivers it again.
    if (stopping_) {
      held_since_ = 0;
      return 0;
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, kRetryMax);
  }
  held_since_ = 0;
  Status c = consumer.Commit(times);
  if (!c.ok()) spdlog::warn("worker: commit failed (batch will be redelivered): {}", c.ToString());
  return polled->size();
}

Status Worker::ProcessBatch(const std::vector<Heartbeat>& batch) {
  if (batch.empty()) return Status::Ok();
  store::ApplyOptions opts;
  opts.auto_register = options_.auto_register;
  std::unordered_map<std::string, Millis> on_since;
  opts.known_on = KnownOn(batch, on_since);
  auto applied = b_.store->ApplyHeartbeats(batch, opts);
  roles::RecordWrite(b_.write_health, applied.status());
  if (!applied.ok()) return applied.status();
  Status recorded = b_.history->Record(batch);
  if (recorded.ok() && b_.history->KeepsRuns()) {
    // Servers that took the full path are as SQL stored them; the rest are on as cached.
    history::NoteOnSince(applied->changed, on_since);
    recorded = b_.history->RecordRuns(history::RunsOfBatch(batch, on_since));
  }
  if (!recorded.ok()) return recorded;
  CacheServers(applied->changed);
  Millis now = b_.clock->Now();
  Millis oldest = batch.front().received_at, newest = oldest;
  for (const Heartbeat& hb : batch) {
    oldest = std::min(oldest, hb.received_at);
    newest = std::max(newest, hb.received_at);
    metrics::Metrics::Observe(lag_, double(now - hb.received_at) / 1000.0);
  }
  lag_seconds_ = double(now - oldest) / 1000.0;
  newest_ = std::max(newest_.load(), newest);
  batches_.Inc();
  processed_.Inc(applied->applied);
  registered_.Inc(applied->registered);
  unknown_.Inc(applied->rejected);
  turned_on_.Inc(applied->turned_on);
  return Status::Ok();
}

std::unordered_set<std::string> Worker::KnownOn(const std::vector<Heartbeat>& batch,
                                                std::unordered_map<std::string, Millis>& on_since) {
  std::unordered_set<std::string> known;
  // One read of the cache for the batch (a round trip per thousand servers on Redis).
  std::vector<std::string> keys;
  keys.reserve(batch.size());
  for (const Heartbeat& hb : batch) keys.push_back(ServerCacheKey(hb.server_id));
  auto cached = b_.cache->GetMany(keys);
  // A cache that is down only costs the cheap path; SQL stays the truth.
  if (!cached.ok()) return known;
  for (size_t i = 0; i < batch.size(); ++i) {
    const Heartbeat& hb = batch[i];
    if (known.count(hb.server_id) || !(*cached)[i]) continue;
    std::optional<Millis> since = CachedOnAndSame(*(*cached)[i], hb);
    if (!since) continue;
    known.insert(hb.server_id);
    on_since[hb.server_id] = *since;
  }
  return known;
}

void Worker::CacheServers(const std::vector<Server>& servers) {
  for (const Server& s : servers) {
    // Only what decides the cheap path: a fleet of a million stays small in memory.
    boost::json::object o{{"server_id", s.server_id},
                          {"status", StatusName(s.status)},
                          {"status_changed_at", s.status_changed_at},
                          {"interval", s.interval},
                          {"ipv4", s.ipv4},
                          {"hostname", s.hostname}};
    b_.cache->Set(ServerCacheKey(s.server_id), boost::json::serialize(o), cache::JitteredTtl());
  }
}

bool Worker::OutageHolds(Millis now) {
  Status bus = b_.bus->Ping();
  if (!bus.ok()) {
    if (outage_start_ == 0) {
      Millis newest = newest_.load();
      outage_start_ = newest > 0 && now - newest < options_.grace_ms ? std::min(newest, now) : now;
      spdlog::warn("worker: bus unreachable, offline sweep paused: {}", bus.ToString());
    }
    answered_at_ = 0;
    return true;
  }
  if (outage_start_ == 0) return false;
  if (answered_at_ == 0) answered_at_ = now;
  Millis newest = newest_.load();
  bool flowing = newest >= answered_at_;
  if (!flowing && now - answered_at_ < kResumeWait) return true;
  Millis end = flowing ? std::min(newest, now) : now;
  if (end - outage_end_ >= kOutageMemory) outage_total_ = 0;
  outage_total_ += std::max<Millis>(0, end - outage_start_);
  outage_end_ = end;
  outage_start_ = answered_at_ = 0;
  spdlog::info(
      "worker: heartbeats {} again; the {} s nothing came through is not counted as "
      "silence",
      flowing ? "come through" : "do not come through, but the bus answers", outage_total_ / 1000);
  return false;
}

std::optional<Millis> Worker::SilenceHorizon(Millis now) {
  if (OutageHolds(now)) return std::nullopt;
  Millis horizon = now;
  if (outage_total_ > 0 && now - outage_end_ < kOutageMemory) horizon -= outage_total_;
  Millis held = held_since_.load();
  if (held > 0) horizon = std::min(horizon, held);
  // Not the wall clock minus the last lag: when consumption stalls (a group rejoining after a
  // broker restart), the point reached stays where it was; and not the most advanced
  // partition's point, which says nothing of the heartbeats waiting on the others.
  auto through = b_.bus->ConsumedThrough(bus::kHeartbeatTopic, options_.group);
  if (!through.ok()) {
    if (known_horizon_ == 0) return std::nullopt;
    return std::min(horizon, known_horizon_);
  }
  if (through->has_value()) horizon = std::min(horizon, **through);
  known_horizon_ = horizon;
  return horizon;
}

Result<int64_t> Worker::Sweep() {
  std::optional<Millis> horizon = SilenceHorizon(b_.clock->Now());
  if (!horizon) return int64_t{0};
  auto swept = b_.store->SweepOffline(*horizon, options_.grace_ms);
  if (!swept.ok() || swept->turned_off > 0) roles::RecordWrite(b_.write_health, swept.status());
  if (!swept.ok()) return swept.status();
  for (const std::string& id : swept->server_ids) b_.cache->Delete(ServerCacheKey(id));
  CloseRuns(history::RunsClosedBy(swept->offs));
  turned_off_.Inc(swept->turned_off);
  return swept->turned_off;
}

void Worker::CloseRuns(std::vector<history::RunUpdate> closes) {
  std::lock_guard<std::mutex> lock(closes_mu_);
  pending_closes_.insert(pending_closes_.end(), std::make_move_iterator(closes.begin()),
                         std::make_move_iterator(closes.end()));
  if (pending_closes_.empty()) return;
  Status s = b_.history->RecordRuns(pending_closes_);
  if (s.ok()) {
    pending_closes_.clear();
    return;
  }
  errors_.Inc();
  spdlog::warn("worker: closing {} on-runs failed, retried at the next sweep: {}",
               pending_closes_.size(), s.ToString());
}

Status Worker::BuildRunsOnce() {
  if (!b_.history->KeepsRuns()) return Status::Ok();
  Millis now = b_.clock->Now();
  // One replica claims it; done, the job is never due again. A replica that dies midway lets
  // the lease lapse, and the next worker to start builds again (the updates are idempotent).
  Result<bool> claimed = b_.schedule->ClaimRun(kRunsBuildJob, now, now + kRunsBuildLease);
  if (!claimed.ok() || !*claimed) return claimed.status();
  auto timelines = b_.store->Timelines(0, now + 1);
  if (!timelines.ok()) return timelines.status();
  std::vector<history::RunUpdate> runs = history::RunsOfTimelines(*timelines);
  Status s = b_.history->RecordRuns(runs);
  if (!s.ok()) return s;
  spdlog::info("worker: built {} on-runs from the status transitions", runs.size());
  // Due at the lease's end to this claim only: it marks the job done for good.
  return b_.schedule->ClaimRun(kRunsBuildJob, now + kRunsBuildLease, kNever).status();
}

Status Worker::CloseLostRuns() {
  if (!b_.history->KeepsRuns()) return Status::Ok();
  const Millis now = b_.clock->Now();
  auto open = b_.history->OpenRunsEndedBefore(now - kLostRunAge, kLostRunsPerPass);
  if (!open.ok()) return open.status();
  std::vector<history::RunUpdate> closes;
  for (const history::RunUpdate& run : *open) {
    auto events = b_.store->ListEvents(run.server_id, run.start, now + 1);
    if (events.status().code() == Code::kNotFound) {
      // Deleted: it was on no later than the run's recorded end.
      closes.push_back(history::RunUpdate{
          .server_id = run.server_id, .start = run.start, .end = run.end, .closes = true});
      continue;
    }
    if (!events.ok()) return events.status();
    std::optional<history::RunUpdate> close = history::CloseOfOpenRun(run, *events);
    if (close) closes.push_back(std::move(*close));
  }
  if (closes.empty()) return Status::Ok();
  Status s = b_.history->RecordRuns(closes);
  if (!s.ok()) return s;
  spdlog::info("worker: closed {} on-runs whose close had been lost", closes.size());
  return Status::Ok();
}

void Worker::SweepLoop() {
  Status built = BuildRunsOnce();
  if (!built.ok()) spdlog::warn("worker: building on-runs failed: {}", built.ToString());
  auto next_lost = std::chrono::steady_clock::now();
  // The first sweep waits one period, so a backlog has been sampled for its lag.
  auto next = std::chrono::steady_clock::now() + options_.sweep_every;
  while (!stopping_) {
    if (std::chrono::steady_clock::now() >= next) {
      // The store turns off a bounded number per call: repeat until nothing more is due.
      Result<int64_t> swept = int64_t{0};
      do {
        swept = Sweep();
      } while (swept.ok() && *swept > 0 && !stopping_);
      if (!swept.ok()) {
        errors_.Inc();
        spdlog::warn("worker: offline sweep failed: {}", swept.status().ToString());
      }
      next = std::chrono::steady_clock::now() + options_.sweep_every;
    }
    if (std::chrono::steady_clock::now() >= next_lost) {
      Status closed = CloseLostRuns();
      if (!closed.ok()) {
        errors_.Inc();
        spdlog::warn("worker: closing lost on-runs failed: {}", closed.ToString());
      }
      next_lost = std::chrono::steady_clock::now() + kLostRunsEvery;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace sms::worker
