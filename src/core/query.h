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
// q, tag, sort, order (asc|desc), offset (>= 0), limit (1..1000). Unknown parameters are
// rejected. `tag` may repeat (every one must match): `tags` holds each value given, in order
// (when empty, the one in `params` counts); at most 16, each a valid tag (field "tag").
Result<ServerQuery> ParseServerQuery(const std::map<std::string, std::string>& params,
                                     const std::vector<std::string>& tags = {});

// The page bounds a Store re-checks before it runs a query: limit 1..1000, offset >= 0.
Status CheckPageBounds(const ServerQuery& query);

}  // namespace sms
