#pragma once
// Test support shared by the History tests.

#include <string>

#include "core/types.h"

namespace sms::history::testing {

// A heartbeat of `server_id` received at `received_at`, interval 30 s, its id made of both
// (so delivering it again is a redelivery).
inline Heartbeat Beat(const std::string& server_id, Millis received_at) {
  Heartbeat hb;
  hb.id = server_id + "@" + std::to_string(received_at);
  hb.server_id = server_id;
  hb.hostname = server_id;
  hb.interval = 30;
  hb.received_at = received_at;
  return hb;
}

}  // namespace sms::history::testing
