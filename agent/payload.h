#pragma once
// The heartbeat body sms-agent sends (DESIGN.md §4). Pure functions.

#include <string>

#include "core/types.h"

namespace sms::agent {

// What the agent says about its server in every heartbeat.
struct HeartbeatInfo {
  std::string server_id;
  std::string hostname;
  std::string ipv4;  // empty: the field is left out
  int interval = 30;
  std::string agent_version;
};

// Returns the compact JSON object
//   {"server_id","hostname","ipv4","interval","agent_version","sent_at"}
// with strings escaped as JSON requires, "ipv4" omitted when empty, and sent_at formatted as
// RFC 3339 UTC truncated to the second ("2026-11-28T06:00:00Z").
std::string BuildPayload(const HeartbeatInfo& info, Millis sent_at);

// Appends `s` to `out` as a quoted JSON string (", \ and control characters escaped; other
// bytes, including UTF-8, copied as they are).
void AppendJsonString(std::string& out, const std::string& s);

}  // namespace sms::agent
