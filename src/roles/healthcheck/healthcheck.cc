#include "roles/healthcheck/healthcheck.h"

#include <memory>
#include <optional>
#include <string_view>

#include "core/heartbeat.h"

namespace sms::healthcheck {
namespace {

constexpr const char* kRejected = "sms_heartbeats_rejected_total";
constexpr const char* kRejectedHelp = "Heartbeats refused at ingest, by reason.";

// JSON, or no Content-Type at all (some agents omit it); anything else is refused.
bool IsJsonContentType(std::string_view type) {
  if (type.empty()) return true;
  std::string_view t = type.substr(0, type.find(';'));
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  constexpr std::string_view kJson = "application/json";
  if (t.size() != kJson.size()) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i] >= 'A' && t[i] <= 'Z' ? static_cast<char>(t[i] - 'A' + 'a') : t[i];
    if (c != kJson[i]) return false;
  }
  return true;
}

}  // namespace

Healthcheck::Healthcheck(bus::BusPtr bus, ClockPtr clock, std::shared_ptr<metrics::Metrics> metrics,
                         AgentTokens tokens)
    : bus_(std::move(bus)),
      clock_(std::move(clock)),
      metrics_(metrics),
      tokens_(std::move(tokens)),
      unauthorized_(metrics->GetCounter(kRejected, kRejectedHelp, "reason=\"unauthorized\"")),
      accepted_(metrics->GetCounter("sms_heartbeats_accepted_total",
                                    "Heartbeats accepted: durable on the bus, answered 202.")),
      invalid_(metrics->GetCounter(kRejected, kRejectedHelp, "reason=\"invalid\"")),
      unsupported_(metrics->GetCounter(kRejected, kRejectedHelp, "reason=\"not_json\"")),
      unavailable_(metrics->GetCounter(kRejected, kRejectedHelp, "reason=\"bus_unavailable\"")) {}

void Healthcheck::Register(http::Router& router) {
  router.AddDeferred(
      "POST", "/healthcheck", http::kAgent,
      [this](http::Request& req, http::Reply reply) { Accept(req, std::move(reply)); },
      kMaxHeartbeatBody);
}

http::Response Healthcheck::Unavailable(metrics::Counter& counter, const Status& status) {
  counter.Inc();
  http::Response r = http::ErrorResponse(status);
  r.status = 503;
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

void Healthcheck::Accept(const http::Request& req, http::Reply reply) {
  Heartbeat hb;
  if (std::optional<http::Response> refused = Check(req, &hb)) return reply(std::move(*refused));
  // The bus may answer after this role is gone (a shutdown purging Kafka's queue): the
  // callback holds the metrics its counters live in, not `this`.
  Status published = bus_->Publish(
      bus::kHeartbeatTopic, hb.server_id, EncodeHeartbeat(hb),
      [metrics = metrics_, accepted = &accepted_, unavailable = &unavailable_,
       reply](const Status& durable) {
        if (!durable.ok()) return reply(Unavailable(*unavailable, durable));
        accepted->Inc();
        reply(http::JsonResponse(202, R"({"status":"accepted"})"));
      });
  if (!published.ok()) reply(Unavailable(unavailable_, published));
}

http::Response Healthcheck::Accept(const http::Request& req) {
  return http::AwaitReply([&](http::Reply reply) { Accept(req, std::move(reply)); });
}

std::optional<http::Response> Healthcheck::Check(const http::Request& req, Heartbeat* out) {
  if (!tokens_.Check(req.Header("authorization"))) {
    unauthorized_.Inc();
    http::Response r = http::ErrorResponse(401, "unauthenticated",
                                           "a valid agent token is required (Authorization: "
                                           "Bearer <token>)");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  if (!IsJsonContentType(req.Header("content-type"))) {
    unsupported_.Inc();
    return http::ErrorResponse(415, "unsupported_media_type",
                               "heartbeats must be sent as application/json", "content-type");
  }
  Result<Heartbeat> hb = ParseHeartbeat(req.body);
  if (!hb.ok()) {
    invalid_.Inc();
    return http::ErrorResponse(hb.status());
  }
  *out = std::move(hb).value();
  out->id = NewHeartbeatId();
  out->received_at = clock_->Now();
  return std::nullopt;
}

}  // namespace sms::healthcheck
