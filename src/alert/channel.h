#pragma once
// Channels and rules as the API takes and shows them: parsing with errors that name the field,
// and JSON with secrets left out. Stateless; thread-safe.
//
// Channel: {"name", "type", "url", "secret", "emails", "chat_id"}; type webhook (url, optional
// secret), email (emails), slack, teams, discord (url), telegram (url, chat_id). Shown with the
// webhook URL whole, the chat URLs (they carry tokens) as scheme://host/…, and the secret only
// as "secret_set": true.
// Rule: {"name", "channels": [ids], "servers": {"tags": [], "server_ids": []},
// "events": ["off", "on"], "after_seconds", "repeat_minutes"}.

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/alert_store.h"

namespace sms::alert {

// The members of ChannelRecord::config.
struct ChannelConfig {
  std::string url;
  std::string secret;
  std::vector<std::string> emails;
  std::string chat_id;
};

// Reads a stored config (a bad one reads as empty).
ChannelConfig ReadChannelConfig(const std::string& config);

// Applies the JSON body `body` to `channel` (empty for a create: name and type required; a
// PATCH changes the members present). InvalidArgument naming the field: unknown member or type,
// a URL that is not http(s), no emails, a bad address, no chat_id for telegram, a URL whose
// host resolves to a private address unless `allow_private`.
Status ApplyChannel(const boost::json::object& body, bool create, bool allow_private,
                    store::ChannelRecord& channel);

boost::json::object ChannelJson(const store::ChannelRecord& channel);

// Applies the JSON body to `rule` (create: name and channels required; PATCH: the members
// present). InvalidArgument naming the field: empty name, no channels, an unknown event, no
// events, after_seconds outside 0..86400, repeat_minutes outside 0..10080. Channel ids are
// checked against the store by the caller.
Status ApplyRule(const boost::json::object& body, bool create, store::RuleRecord& rule);

boost::json::object RuleJson(const store::RuleRecord& rule);
boost::json::object AlertJson(const store::AlertRecord& alert);
boost::json::object DeliveryJson(const store::NotificationRecord& n);

}  // namespace sms::alert
