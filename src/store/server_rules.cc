#include "store/server_rules.h"

#include <charconv>
#include <utility>

#include "core/validation.h"

namespace sms::store {

Server NewServer(const ServerInput& input, Millis now) {
  Server s;
  s.server_id = input.server_id;
  s.server_name = input.server_name;
  s.ipv4 = input.ipv4;
  s.hostname = input.hostname;
  s.tags = input.tags;
  s.status = ServerStatus::kOff;
  s.created_time = s.last_updated = s.status_changed_at = now;
  return s;
}

Server RegisteredServer(const Heartbeat& hb, std::string name) {
  Server s;
  s.server_id = hb.server_id;
  s.server_name = std::move(name);
  s.ipv4 = hb.ipv4;
  s.hostname = hb.hostname;
  s.status = ServerStatus::kOn;
  s.interval = hb.interval;
  s.created_time = s.last_updated = s.last_seen = s.status_changed_at = hb.received_at;
  return s;
}

std::vector<std::string> CandidateNames(const Heartbeat& hb) {
  std::string_view base = hb.hostname.empty() ? hb.server_id : hb.hostname;
  std::vector<std::string> names;
  for (const std::string& tail : {std::string(), "-" + hb.server_id}) {
    for (int n = 1; n <= kNumberedNames; ++n) {
      std::string suffix = n == 1 ? tail : tail + "-" + std::to_string(n);
      names.push_back(std::string(TruncateUtf8(base, kMaxNameLength - suffix.size())) + suffix);
    }
  }
  return names;
}

std::string_view TruncateUtf8(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

bool ApplyPatch(const ServerPatch& patch, Millis now, Server& s) {
  const Server before = s;
  if (patch.server_name) s.server_name = *patch.server_name;
  if (patch.ipv4) s.ipv4 = *patch.ipv4;
  if (patch.hostname) s.hostname = *patch.hostname;
  if (patch.tags) s.tags = *patch.tags;
  if (s.server_name == before.server_name && s.ipv4 == before.ipv4 &&
      s.hostname == before.hostname && s.tags == before.tags) {
    return false;
  }
  s.last_updated = now;
  return true;
}

int64_t Ipv4Number(std::string_view ipv4) {
  int64_t value = 0;
  const char* p = ipv4.data();
  const char* end = ipv4.data() + ipv4.size();
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (p == end || *p != '.') return -1;
      ++p;
    }
    unsigned octet = 0;
    auto [next, ec] = std::from_chars(p, end, octet);
    if (ec != std::errc() || next == p || octet > 255) return -1;
    value = value * 256 + octet;
    p = next;
  }
  return p == end ? value : -1;
}

Status ServerNotFound(const std::string& server_id) {
  return Status::NotFound("no server with server_id \"" + server_id + "\"");
}

Status ServerIdTaken(const std::string& server_id) {
  return Status::Conflict("server_id \"" + server_id + "\" is taken", "server_id");
}

Status ServerNameTaken(const std::string& server_name) {
  return Status::Conflict("server_name \"" + server_name + "\" is taken", "server_name");
}

}  // namespace sms::store
