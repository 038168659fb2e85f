#pragma once
// The rules of a stored server record that every Store implementation applies, written once so
// that the stores cannot drift apart: each store only speaks its SQL. How a heartbeat changes
// a record is heartbeat_merge.h. Pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace sms::store {

// The server CreateServer and ImportServers store for `input`: off, created, changed and
// updated at `now` (id 0 until inserted).
Server NewServer(const ServerInput& input, Millis now);

// The server a heartbeat `hb` registers under `name`: on since it was received.
Server RegisteredServer(const Heartbeat& hb, std::string name);

// Registration tries "<base>", "<base>-2" … "<base>-<kNumberedNames>", then the same with
// "-<server_id>" appended (base: the hostname, the server_id when there is none); a fleet that
// has taken all of those is pathological.
inline constexpr int kNumberedNames = 10;

// The names a registration by `hb` tries, in order, each at most kMaxNameLength bytes.
std::vector<std::string> CandidateNames(const Heartbeat& hb);

// `text` cut to at most `max_bytes` without splitting a UTF-8 sequence.
std::string_view TruncateUtf8(std::string_view text, size_t max_bytes);

// Applies `patch` to `s`. True when that changes a field, and then s.last_updated is `now`;
// false when it changes nothing: last_updated stays and nothing needs writing.
bool ApplyPatch(const ServerPatch& patch, Millis now, Server& s);

// ipv4 as a number for numeric ordering (the ipv4_num column); -1 when empty or not a dotted
// quad.
int64_t Ipv4Number(std::string_view ipv4);

// The errors every store returns for a server: NotFound; Conflict naming the taken field.
Status ServerNotFound(const std::string& server_id);
Status ServerIdTaken(const std::string& server_id);
Status ServerNameTaken(const std::string& server_name);

}  // namespace sms::store
