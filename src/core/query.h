#pragma once
// Parsing of list/export query parameters into a validated ServerQuery.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace sms {

inline constexpr int kMaxPageLimit = 1000;

// The sortable columns (the whitelist). Anything else is rejected.
const std::vector<std::string>& SortableFields();
bool IsSortableField(std::string_view field);

// Builds a ServerQuery from query parameters: server_id, server_name, ipv4, status (on|off),
// q, sort, order (asc|desc), offset (>= 0), limit (1..1000). Unknown parameters are rejected.
Result<ServerQuery> ParseServerQuery(const std::map<std::string, std::string>& params);

// The page bounds a Store re-checks before it runs a query: limit 1..1000, offset >= 0.
Status CheckPageBounds(const ServerQuery& query);

}  // namespace sms
