#include "payload.h"

#include <cstdio>

#include "core/time.h"

namespace sms::agent {

void AppendJsonString(std::string& out, const std::string& s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string BuildPayload(const HeartbeatInfo& info, Millis sent_at) {
  std::string out;
  out.reserve(160 + info.server_id.size() + info.hostname.size());
  out += "{\"server_id\":";
  AppendJsonString(out, info.server_id);
  out += ",\"hostname\":";
  AppendJsonString(out, info.hostname);
  if (!info.ipv4.empty()) {
    out += ",\"ipv4\":";
    AppendJsonString(out, info.ipv4);
  }
  out += ",\"interval\":" + std::to_string(info.interval);
  out += ",\"agent_version\":";
  AppendJsonString(out, info.agent_version);
  out += ",\"sent_at\":";
  AppendJsonString(out, FormatTime(sent_at - sent_at % 1000));
  out += '}';
  return out;
}

}  // namespace sms::agent
