#pragma once
// Roles and scopes: one scope per API, and which scopes each role holds. The mapping is this
// one table (scopes.cc), not conditions spread over the handlers. Stateless; thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sms::auth {

// One scope per API.
inline constexpr std::string_view kServersRead = "servers:read";
inline constexpr std::string_view kServersWrite = "servers:write";
inline constexpr std::string_view kServersImport = "servers:import";
inline constexpr std::string_view kServersExport = "servers:export";
inline constexpr std::string_view kReportsRead = "reports:read";
inline constexpr std::string_view kReportsSend = "reports:send";
inline constexpr std::string_view kTokensManage = "tokens:manage";  // one's own API tokens
inline constexpr std::string_view kUsersAdmin = "users:admin";
// Alerting: channels, rules, alerts, deliveries and maintenance windows; changing them and
// acknowledging alerts.
inline constexpr std::string_view kAlertsRead = "alerts:read";
inline constexpr std::string_view kAlertsWrite = "alerts:write";

// Every scope, in a stable order.
const std::vector<std::string>& AllScopes();

// The scopes of `role` ("admin", "operator", "viewer"); nullopt for an unknown role.
std::optional<std::vector<std::string>> ScopesOf(std::string_view role);

// True when `granted` holds `wanted`.
bool HasScope(const std::vector<std::string>& granted, std::string_view wanted);

}  // namespace sms::auth
