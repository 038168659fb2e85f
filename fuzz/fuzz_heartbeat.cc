// Fuzzes the heartbeat parsers (core/heartbeat.h): the agent's HTTP body (ParseHeartbeat) and
// the bus payload (DecodeHeartbeat), both on every input. Properties: nothing crashes or hits
// UB; whatever either accepts survives EncodeHeartbeat -> DecodeHeartbeat unchanged; an
// accepted agent body has a server_id and an interval within 1..3600.

#include "core/heartbeat.h"
#include "fuzz_check.h"

namespace {

using sms::fuzz::Require;

bool Same(const sms::Heartbeat& a, const sms::Heartbeat& b) {
  return a.id == b.id && a.server_id == b.server_id && a.hostname == b.hostname &&
         a.ipv4 == b.ipv4 && a.interval == b.interval && a.agent_version == b.agent_version &&
         a.sent_at == b.sent_at && a.received_at == b.received_at;
}

void RequireRoundTrip(const sms::Heartbeat& h) {
  sms::Result<sms::Heartbeat> again = sms::DecodeHeartbeat(sms::EncodeHeartbeat(h));
  Require(again.ok(), "DecodeHeartbeat rejects what EncodeHeartbeat wrote");
  Require(Same(*again, h), "DecodeHeartbeat(EncodeHeartbeat(h)) != h");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = sms::fuzz::AsText(data, size);
  if (text.size() > sms::kMaxHeartbeatBody) return -1;  // the server refuses larger bodies
  sms::Result<sms::Heartbeat> agent = sms::ParseHeartbeat(text);
  if (agent.ok()) {
    Require(!agent->server_id.empty(), "an accepted heartbeat has no server_id");
    Require(agent->interval >= 1 && agent->interval <= 3600, "interval outside 1..3600");
    Require(agent->id.empty() && agent->received_at == 0, "the parser stamped id/received_at");
    RequireRoundTrip(*agent);
  } else {
    Require(agent.status().code() == sms::Code::kInvalidArgument, "rejected, not InvalidArgument");
  }
  sms::Result<sms::Heartbeat> bus = sms::DecodeHeartbeat(text);
  if (bus.ok()) RequireRoundTrip(*bus);
  return 0;
}
