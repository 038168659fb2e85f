#pragma once
// Roles and scopes: one scope per API, and which scopes each role holds. The mapping is this
// one table (scopes.cc), not conditions spread over the handlers. Stateless; thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sms::auth {

// Every scope, in a stable order.
const std::vector<std::string>& AllScopes();

// The scopes of `role` ("admin", "operator", "viewer"); nullopt for an unknown role.
std::optional<std::vector<std::string>> ScopesOf(std::string_view role);

// True when `granted` holds `wanted`.
bool HasScope(const std::vector<std::string>& granted, std::string_view wanted);

}  // namespace sms::auth
