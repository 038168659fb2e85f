#pragma once
// JSON shapes of the management API (DESIGN.md §4).

#include <boost/json/fwd.hpp>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/types.h"
#include "core/uptime.h"

namespace sms {

boost::json::object ServerToJson(const Server& s);
boost::json::object EventToJson(const StatusEvent& e);
boost::json::object UptimeToJson(const UptimeResult& u);

// Parses a create body; rejects unknown fields and server_id in the wrong type.
Result<ServerInput> ParseServerInput(std::string_view body);
// Parses a patch body; a server_id that differs from `server_id` is rejected as immutable.
Result<ServerPatch> ParseServerPatch(std::string_view body, const std::string& server_id);

}  // namespace sms
