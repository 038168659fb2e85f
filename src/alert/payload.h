#pragma once
// What a notification says: the webhook JSON body (stored with the notification, so every
// attempt sends the same bytes), and its rendering for the other channel types. Stateless;
// thread-safe.
//
//   {"event": "off"|"on"|"flapping"|"digest"|"test", "alert_id", "at", "since",
//    "server": {"server_id", "server_name", "ipv4", "tags"}}
//   digest: {"event": "digest", "at", "rule": {"id", "name"}, "count", "alerts": [body, …]}

#include <string>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace sms::alert {

// {"server_id","server_name","ipv4","tags"} as JSON text.
std::string ServerJson(const std::string& server_id, const std::string& server_name,
                       const std::string& ipv4, const std::vector<std::string>& tags);

// The body of an off/on/flapping notification; `server` is ServerJson text.
std::string EventBody(const std::string& event, const std::string& alert_id, Millis at,
                      const std::string& server, Millis since);

// A digest of `bodies` (EventBody texts), listing at most `max_items` of them.
std::string DigestBody(const std::string& rule_id, const std::string& rule_name, Millis at,
                       const std::vector<std::string>& bodies, size_t max_items);

// The body of POST /api/v1/channels/{id}/test.
std::string TestBody(const std::string& channel_id, const std::string& channel_name, Millis at);

// One line a person reads: "OFF web-01 (10.0.0.5) since 2026-12-06T02:00:00Z", "Digest: 120
// alerts of rule …".
std::string Summary(const std::string& body);

// The request body for a channel of `type` (webhook: `body` itself; slack/discord/teams/
// telegram: their incoming-webhook JSON with the Summary as text; `chat_id` for telegram).
std::string Render(const std::string& type, const std::string& body, const std::string& chat_id);

}  // namespace sms::alert
