#pragma once
// Domain types shared by every module. Times are milliseconds since the Unix epoch (UTC);
// 0 means "never" / "not set".

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sms {

using Millis = int64_t;

enum class ServerStatus { kOff, kOn };
const char* StatusName(ServerStatus s);  // "on" / "off"

struct Server {
  int64_t id = 0;                // store-internal row id; never exposed in the API
  std::string server_id;         // immutable, unique
  std::string server_name;       // unique
  std::string ipv4;              // empty when unknown
  std::string hostname;          // empty when unknown
  ServerStatus status = ServerStatus::kOff;
  int interval = 30;             // seconds between heartbeats, from the last heartbeat
  Millis created_time = 0;
  Millis last_updated = 0;
  Millis last_seen = 0;          // received_at of the newest heartbeat; 0 = never
  Millis status_changed_at = 0;
  std::vector<std::string> tags;  // normalised and valid (core/tags.h), in the order given
};

// One heartbeat as it travels on the bus. received_at is stamped by the receiving node.
struct Heartbeat {
  std::string id;                // unique per accepted heartbeat
  std::string server_id;
  std::string hostname;
  std::string ipv4;
  int interval = 30;
  std::string agent_version;
  Millis sent_at = 0;            // the agent's clock; informational only
  Millis received_at = 0;
};

// A status transition.
struct StatusEvent {
  std::string server_id;
  ServerStatus status = ServerStatus::kOff;
  Millis at = 0;
  std::string cause;             // "heartbeat", "timeout", "created"
};

// Fields a client may set when creating a server.
struct ServerInput {
  std::string server_id;
  std::string server_name;
  std::string ipv4;
  std::string hostname;
  std::vector<std::string> tags;
};

// Fields a client may change; unset means "leave as is".
struct ServerPatch {
  std::optional<std::string> server_name;
  std::optional<std::string> ipv4;
  std::optional<std::string> hostname;
  std::optional<std::vector<std::string>> tags;  // replaces the whole list
};

enum class SortOrder { kAsc, kDesc };

// A validated list query (see core/query.h for parsing and the sort whitelist).
struct ServerQuery {
  std::string server_id;         // exact
  std::string server_name;       // substring
  std::string ipv4;              // exact
  std::optional<ServerStatus> status;
  std::string q;                 // substring of server_id, server_name, hostname or ipv4
  std::vector<std::string> tags;  // servers carrying every one of these tags
  std::string sort = "server_id";
  SortOrder order = SortOrder::kAsc;
  int64_t offset = 0;
  int limit = 50;
};

struct ServerPage {
  int64_t total = 0;
  std::vector<Server> items;
};

struct FleetStats {
  int64_t total = 0;
  int64_t on = 0;
  int64_t off = 0;
};

}  // namespace sms
