#pragma once
// Heartbeat payloads: the HTTP body agents send, and the bus encoding.

#include <string>
#include <string_view>

#include "core/status.h"
#include "core/types.h"

namespace sms {

inline constexpr size_t kMaxHeartbeatBody = 64 * 1024;

// Parses and validates an agent's JSON body. Accepts
//   {"server_id","hostname","ipv4","interval","agent_version","sent_at"} and the original
//   agents' {"ip","time"(epoch ms),"duration"} (server_id = ip, interval = duration).
// Leaves id and received_at unset. InvalidArgument names the offending field.
Result<Heartbeat> ParseHeartbeat(std::string_view body);

// Bus encoding (compact JSON, every field). Decode(Encode(h)) == h.
std::string EncodeHeartbeat(const Heartbeat& h);
Result<Heartbeat> DecodeHeartbeat(std::string_view payload);

// A process-unique, globally unlikely-to-collide heartbeat id ("<16 hex>-<counter>").
std::string NewHeartbeatId();

}  // namespace sms
