#include "roles/healthcheck/healthcheck.h"

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

Healthcheck::Healthcheck(bus::BusPtr bus, ClockPtr clock, std::shared_ptr<http::Metrics> metrics,
                         AgentTokens tokens)
    : bus_(std::move(bus)),
      clock_(std::move(clock)),
      tokens_(std::move(tokens)),
      unauthorized_(metrics->GetCounter(kRejected, kRejectedHelp, "reason=\"unauthorized\"")),
      accepted_(metrics->GetCounter("sms_heartbeats_accepted_total",
                                    "Heartbeats accepted and published to the bus.")),
      invalid_(metrics->GetCounter(kRejected, kRejectedHelp, "reason=\"invalid\"")),
      unsupported_(metrics->GetCounter(kRejected, kRejectedHelp, "reason=\"not_json\"")),
      unavailable_(metrics->GetCounter(kRejected, kRejectedHelp, "reason=\"bus_unavailable\"")) {}

void Healthcheck::Register(http::Router& router) {
  router.Add(
      "POST", "/healthcheck", http::kAgent, [this](http::Request& req) { return Accept(req); },
      kMaxHeartbeatBody);
}

http::Response Healthcheck::Accept(const http::Request& req) {
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
  hb->id = NewHeartbeatId();
  hb->received_at = clock_->Now();
  Status published = bus_->Publish(bus::kHeartbeatTopic, hb->server_id, EncodeHeartbeat(*hb));
  if (!published.ok()) {
    unavailable_.Inc();
    http::Response r = http::ErrorResponse(published);
    r.status = 503;
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  accepted_.Inc();
  return http::JsonResponse(202, R"({"status":"accepted"})");
}

}  // namespace sms::healthcheck
