// The healthcheck role's ingest path on its own, for the ingest benchmark: the HTTP server
// (pinned loops, as `smsd healthcheck` runs), heartbeat validation and publish to the
// in-process bus, whose messages a consumer commits and drops. It is `smsd healthcheck`
// minus the Kafka producer, which needs a broker. Usage: ingest_server <port>; SIGTERM stops.
//
// The consumer stands in for that producer, which sends in batches after a short linger
// (librdkafka's linger.ms, 5 ms by default): it takes what has queued every few milliseconds
// instead of blocking in Poll, where every publish would wake it (a futex wake per request,
// which a producer's batching does not cost).

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "bus/bus.h"
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

  auto bus = std::move(sms::bus::MakeBus({})).value();
  auto metrics = std::make_shared<sms::http::Metrics>();
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
  sms::http::Server server(options, router, metrics);
  if (!server.Start().ok()) return 1;
  std::printf("listening on http://127.0.0.1:%d\n", server.port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  server.Stop();
  stop = true;
  drain.join();
  return 0;
}
