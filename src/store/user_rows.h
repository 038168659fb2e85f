#pragma once
// What both SQL stores need to know of users and API tokens.

#include "store/list_column.h"

namespace sms::store {

inline constexpr const char* kAdminRole = "admin";
inline constexpr char kScopeSeparator = ' ';  // scopes share one column (no scope holds a space)

}  // namespace sms::store
