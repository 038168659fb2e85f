#pragma once
// The healthcheck role: POST /healthcheck validates a heartbeat, stamps received_at and an id,
// and publishes it to the bus topic "healthcheck" keyed by server_id. It never waits on a
// consumer: a full or unreachable bus answers 503 at once. With agent tokens set, a request
// without a valid "Authorization: Bearer <token>" is refused before anything else. Thread-safe.

#include <memory>

#include "bus/bus.h"
#include "core/clock.h"
#include "http/message.h"
#include "http/metrics.h"
#include "http/router.h"
#include "roles/healthcheck/agent_tokens.h"

namespace sms::healthcheck {

class Healthcheck {
 public:
  // `tokens` empty: the endpoint is open.
  Healthcheck(bus::BusPtr bus, ClockPtr clock, std::shared_ptr<http::Metrics> metrics,
              AgentTokens tokens = {});

  // Adds POST /healthcheck (body limit 64 KiB).
  void Register(http::Router& router);

  // 202 {"status":"accepted"}; 401 {"error":{"code":"unauthenticated"}} with WWW-Authenticate:
  // Bearer when tokens are set and none matches; 400 invalid (field named), 415 not JSON, 503
  // bus refused.
  http::Response Accept(const http::Request& req);

 private:
  bus::BusPtr bus_;
  ClockPtr clock_;
  AgentTokens tokens_;
  http::Counter& unauthorized_;
  http::Counter& accepted_;
  http::Counter& invalid_;
  http::Counter& unsupported_;
  http::Counter& unavailable_;
};

}  // namespace sms::healthcheck
