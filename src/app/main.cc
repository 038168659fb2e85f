// smsd: config -> backends -> roles -> one HTTP listener; SIGTERM/SIGINT drain and exit 0.

#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "app/config.h"
#include "bus/bus.h"
#include "cache/cache.h"
#include "cache/redis_cache.h"
#include "core/clock.h"
#include "history/history.h"
#include "http/server.h"
#include "roles/common/probes.h"
#include "roles/healthcheck/healthcheck.h"
#include "roles/management/management.h"
#include "roles/worker/worker.h"
#include "store/store.h"

namespace sms::app {
namespace {

template <typename T>
T Need(Result<T> r, const char* what) {
  if (!r.ok()) throw std::runtime_error(std::string(what) + ": " + r.status().ToString());
  return std::move(r).value();
}

bool Has(Role role, Role wanted) { return role == Role::kAll || role == wanted; }

// Waits for SIGTERM or SIGINT (blocked in every thread before any is started).
int WaitForSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

int Run(const Config& cfg) {
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));
  std::filesystem::create_directories(cfg.data_dir);
  auto clock = std::make_shared<SystemClock>();
  auto metrics = std::make_shared<http::Metrics>();
  bus::BusConfig bcfg;
  bcfg.brokers = cfg.kafka_brokers;
  bcfg.queue_capacity = cfg.queue_capacity;
  bcfg.topic_prefix = cfg.kafka_topic_prefix;
  auto bus = Need(bus::MakeBus(bcfg), "bus");
  auto router = std::make_shared<http::Router>();
  std::vector<roles::ReadinessCheck> checks;
  checks.emplace_back("bus", [bus] { return bus->Ping(); });

  store::StorePtr store;
  cache::CachePtr cache;
  history::HistoryPtr history;
  if (cfg.role != Role::kHealthcheck) {
    store = Need(store::MakeStore({cfg.database_url}), "database");
    cache = Need(cache::MakeCache({cfg.redis_url}), "cache");
    history::HistoryConfig hcfg;
    hcfg.search_url = cfg.search_url;
    hcfg.search_index_prefix = cfg.search_index_prefix;
    hcfg.grace = Millis(cfg.heartbeat_grace) * 1000;  // the same on/off rule as the SQL status
    history = Need(history::MakeHistory(hcfg, store), "history");
    // Every dependency the role uses is a readiness check, the ones it can work without
    // included: /readyz tells an operator what is down. Without Redis the worker falls back to
    // SQL and goes on; without the search backend it holds its batch and retries.
    checks.emplace_back("store", [store] { return store->Ping(); });
    if (!cfg.redis_url.empty()) checks.emplace_back("cache", [cache] { return cache->Ping(); });
    if (!cfg.search_url.empty()) {
      checks.emplace_back("history", [history] { return history->Ping(); });
    }
    if (auto redis = std::dynamic_pointer_cast<cache::RedisCache>(cache)) {
      metrics->AddGauge("sms_cache_failures",
                        "Cache calls that failed since start (reads and writes fall back to SQL).",
                        [redis] { return double(redis->failures()); });
    }
    metrics->AddGauge("sms_servers", "Servers by status.", [store] {
      auto s = store->Stats();
      return s.ok() ? double(s->on) : -1.0;
    }, "status=\"on\"");
    metrics->AddGauge("sms_servers", "Servers by status.", [store] {
      auto s = store->Stats();
      return s.ok() ? double(s->off) : -1.0;
    }, "status=\"off\"");
  }

  std::unique_ptr<healthcheck::Healthcheck> hc;
  if (Has(cfg.role, Role::kHealthcheck)) {
    hc = std::make_unique<healthcheck::Healthcheck>(bus, clock, metrics);
    hc->Register(*router);
  }
  std::unique_ptr<management::Management> mgmt;
  if (Has(cfg.role, Role::kManagement)) {
    mgmt = std::make_unique<management::Management>(
        management::ManagementBackends{store, history, cache, clock});
    mgmt->Register(*router);
  }
  std::unique_ptr<worker::Worker> wk;
  if (Has(cfg.role, Role::kWorker)) {
    worker::WorkerOptions wo;
    wo.batch_size = cfg.batch_size;
    wo.batch_linger = std::chrono::milliseconds(cfg.batch_linger_ms);
    wo.grace_ms = Millis(cfg.heartbeat_grace) * 1000;
    wo.auto_register = cfg.auto_register;
    wo.sweep_every = std::chrono::milliseconds(cfg.sweep_interval_ms);
    // The in-process bus dies with the process, so stopping drains it; Kafka keeps what is
    // not committed for the next worker.
    wo.drain_on_stop = cfg.kafka_brokers.empty();
    wk = std::make_unique<worker::Worker>(
        wo, worker::Backends{bus, store, cache, history, clock, metrics});
    Status started = wk->Start();
    if (!started.ok()) throw std::runtime_error("worker: " + started.ToString());
  }
  roles::RegisterProbes(*router, metrics, std::move(checks));

  http::ServerOptions so;
  so.listen = cfg.listen;
  so.threads = cfg.threads;
  // Heartbeat handlers never block, so the ingest-only role runs one event loop per thread
  // (no cross-thread handoff); roles with SQL handlers share the threads.
  so.pinned = cfg.role == Role::kHealthcheck;
  http::Server server(so, router, metrics);
  Status listening = server.Start();
  if (!listening.ok()) throw std::runtime_error("listen " + cfg.listen + ": " + listening.ToString());
  std::string host = cfg.listen.substr(0, cfg.listen.rfind(':'));
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  spdlog::info("smsd {} listening on http://{}:{} (database {}, bus {}, data dir {})",
               RoleName(cfg.role), host, server.port(),
               store ? RedactUrl(cfg.database_url) : std::string("-"),
               cfg.kafka_brokers.empty() ? "in-process" : cfg.kafka_brokers, cfg.data_dir);

  int sig = WaitForSignal();
  spdlog::info("smsd: signal {} received; draining", sig);
  server.Stop();  // no new heartbeats; requests in flight finish and are on the bus
  if (wk) wk->Stop();
  Status flushed = bus->Flush(std::chrono::seconds(10));
  if (!flushed.ok()) spdlog::error("smsd: bus flush: {}", flushed.ToString());
  spdlog::info("smsd: stopped cleanly");
  return 0;
}

}  // namespace
}  // namespace sms::app

int main(int argc, char** argv) {
  // Block the stop signals before any thread starts, so only WaitForSignal receives them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  int exit_code = 0;
  auto cfg = sms::app::ParseConfig(argc, argv, &exit_code);
  if (!cfg.ok()) {
    std::fputs(cfg.status().message().c_str(), exit_code == 0 ? stdout : stderr);
    if (cfg.status().message().back() != '\n') std::fputc('\n', exit_code == 0 ? stdout : stderr);
    return exit_code;
  }
  try {
    return sms::app::Run(*cfg);
  } catch (const std::exception& e) {
    spdlog::critical("smsd: {}", e.what());
    return 1;
  }
}
