#pragma once
// The healthcheck role: POST /healthcheck validates a heartbeat, stamps received_at and an id,
// and publishes it to the bus topic "healthcheck" keyed by server_id. It answers 202 only once
// the bus reports the heartbeat durable (the embedded journal synced it, Kafka acknowledged
// it), without holding an I/O thread meanwhile (a deferred route). It never waits on a
// consumer: a full or unreachable bus answers 503 at once, a lost one 503 when it is known. With agent tokens set, a request
// without a valid "Authorization: Bearer <token>" is refused before anything else. Thread-safe.

#include <memory>
#include <optional>

#include "bus/bus.h"
#include "core/clock.h"
#include "core/types.h"
#include "http/message.h"
#include "http/router.h"
#include "metrics/metrics.h"
#include "roles/healthcheck/agent_tokens.h"

namespace sms::healthcheck {

class Healthcheck {
 public:
  // `tokens` empty: the endpoint is open.
  Healthcheck(bus::BusPtr bus, ClockPtr clock, std::shared_ptr<metrics::Metrics> metrics,
              AgentTokens tokens = {});

  // Adds POST /healthcheck (body limit 64 KiB), a deferred route.
  void Register(http::Router& router);

  // Answers through `reply`: 202 {"status":"accepted"} once the heartbeat is durable; 401
  // {"error":{"code":"unauthenticated"}} with WWW-Authenticate: Bearer when tokens are set and
  // none matches; 400 invalid (field named), 415 not JSON, 503 (Retry-After: 1) when the bus
  // refused or lost it.
  void Accept(const http::Request& req, http::Reply reply);
  // The same, waiting for the answer (tests and tools).
  http::Response Accept(const http::Request& req);

 private:
  // A refusal, or nullopt with `out` parsed and stamped.
  std::optional<http::Response> Check(const http::Request& req, Heartbeat* out);
  static http::Response Unavailable(metrics::Counter& counter, const Status& status);

  bus::BusPtr bus_;
  ClockPtr clock_;
  std::shared_ptr<metrics::Metrics> metrics_;  // owns the counters below
  AgentTokens tokens_;
  metrics::Counter& unauthorized_;
  metrics::Counter& accepted_;
  metrics::Counter& invalid_;
  metrics::Counter& unsupported_;
  metrics::Counter& unavailable_;
};

}  // namespace sms::healthcheck
