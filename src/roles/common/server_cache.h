#pragma once
// The cache key of a server record, shared by the roles that read or invalidate it.

#include <string>

namespace sms::roles {

inline std::string ServerCacheKey(const std::string& server_id) {
  return "sms:server:" + server_id;
}

}  // namespace sms::roles
