// The healthcheck role's ingest path on its own, for the ingest benchmark: the HTTP server
// (pinned loops, as `smsd healthcheck` runs), heartbeat validation and publish to the
// in-process bus, whose messages a consumer commits and drops. It is `smsd healthcheck`
// minus the Kafka producer, which needs a broker. Usage: ingest_server <port> [<journal-dir>];
// with a journal directory every 202 waits until the journal synced the heartbeat (as `smsd
// all` answers), and the consumer's commits trim it. SIGTERM stops; the journal's counters
// are printed then ("journal: syncs N records N failures N"). SMS_THREADS sets the I/O
// threads (default: one per core).
//
// The consumer stands in for that producer, which sends in batches after a short linger
// (librdkafka's linger.ms, 5 ms by default): it takes what has queued every few milliseconds
// instead of blocking in Poll, where every publish would wake it (a futex wake per request,
// which a producer's batching does not cost).

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "bus/bus.h"
#include "bus/memory_bus.h"
#include "core/clock.h"
#include "http/server.h"
#include "roles/healthcheck/healthcheck.h"

int main(int argc, char** argv) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::string port = argc > 1 ? argv[1] : "0";
  sms::bus::BusConfig config;
  if (argc > 2) config.journal_dir = argv[2];
  if (const char* lanes = std::getenv("SMS_JOURNAL_LANES")) config.journal_lanes = std::atoi(lanes);

  auto made = sms::bus::MakeBus(config);
  if (!made.ok()) {
    std::fprintf(stderr, "ingest_server: %s\n", made.status().ToString().c_str());
    return 1;
  }
  auto bus = std::move(made).value();
  auto metrics = std::make_shared<sms::metrics::Metrics>();
  auto router = std::make_shared<sms::http::Router>();
  sms::healthcheck::Healthcheck hc(bus, std::make_shared<sms::SystemClock>(), metrics);
  hc.Register(*router);

  std::atomic<bool> stop{false};
  auto consumer = std::move(bus->Subscribe(sms::bus::kHeartbeatTopic, "drain")).value();
  std::thread drain([&] {
    constexpr size_t kBatch = 10000;
    while (!stop) {
      auto polled = consumer->Poll(kBatch, std::chrono::milliseconds(0));
      if (polled.ok() && !polled->empty()) (void)consumer->Commit();
      if (!polled.ok() || polled->size() < kBatch) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
  });

  sms::http::ServerOptions options;
  options.listen = "127.0.0.1:" + port;
  options.pinned = true;
  if (const char* threads = std::getenv("SMS_THREADS")) options.threads = std::atoi(threads);
  sms::http::Server server(options, router, metrics);
  if (!server.Start().ok()) return 1;
  std::printf("listening on http://127.0.0.1:%d\n", server.port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  server.Stop();
  stop = true;
  drain.join();
  if (auto* memory = dynamic_cast<sms::bus::MemoryBus*>(bus.get())) {
    sms::bus::Journal::Stats j = memory->journal_stats();
    std::printf("journal: syncs %llu records %llu failures %llu\n",
                static_cast<unsigned long long>(j.syncs), static_cast<unsigned long long>(j.records),
                static_cast<unsigned long long>(j.failures));
  }
  return 0;
}
