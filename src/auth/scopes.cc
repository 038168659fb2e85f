#include "auth/scopes.h"

#include <algorithm>
#include <map>

namespace sms::auth {
namespace {

struct RoleScopes {
  std::string_view role;
  std::vector<std::string> scopes;
};

// viewer reads; operator also writes, imports, exports, sends reports and manages alerting
// (channels, rules, alerts, maintenance windows); admin has all. Every role manages its own
// API tokens.
const std::vector<RoleScopes>& Table() {
  auto list = [](std::initializer_list<std::string_view> scopes) {
    return std::vector<std::string>(scopes.begin(), scopes.end());
  };
  static const std::vector<RoleScopes> table = {
      {"viewer", list({kServersRead, kReportsRead, kTokensManage, kAlertsRead})},
      {"operator", list({kServersRead, kServersWrite, kServersImport, kServersExport, kReportsRead,
                         kReportsSend, kTokensManage, kAlertsRead, kAlertsWrite})},
      {"admin", list({kServersRead, kServersWrite, kServersImport, kServersExport, kReportsRead,
                      kReportsSend, kTokensManage, kUsersAdmin, kAlertsRead, kAlertsWrite})},
  };
  return table;
}

}  // namespace

const std::vector<std::string>& AllScopes() { return Table().back().scopes; }

std::optional<std::vector<std::string>> ScopesOf(std::string_view role) {
  for (const RoleScopes& r : Table()) {
    if (r.role == role) return r.scopes;
  }
  return std::nullopt;
}

bool HasScope(const std::vector<std::string>& granted, std::string_view wanted) {
  return std::find(granted.begin(), granted.end(), wanted) != granted.end();
}

}  // namespace sms::auth
