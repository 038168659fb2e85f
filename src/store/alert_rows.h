#pragma once
// Column lists and row readers of the alert tables, shared by SqliteStore and PostgresStore
// (internal to src/store). A reader takes any row type with Int(column) and Text(column).

#include <string>
#include <string_view>
#include <vector>

#include "store/alert_store.h"
#include "store/list_column.h"

namespace sms::store {

inline constexpr std::string_view kChannelColumns =
    "id, name, type, config, created_at, updated_at";
inline constexpr std::string_view kRuleColumns =
    "id, name, channels, tags, server_ids, events, after_seconds, repeat_minutes, created_at, "
    "updated_at";
inline constexpr std::string_view kAlertColumns =
    "id, rule_id, server_id, event, state, since, due_at, opened_at, acked_at, acked_by, "
    "resolved_at, next_repeat_at, repeats, server";
inline constexpr std::string_view kNotificationColumns =
    "id, key, channel_id, rule_id, alert_id, event, payload, state, grp, attempts, next_at, "
    "lease_until, error, created_at, done_at";

// Lists in one column: items joined by '\n' (no channel id, tag or server_id holds one).
inline std::string JoinLines(const std::vector<std::string>& items) {
  return JoinColumn(items, '\n');
}
inline std::vector<std::string> SplitLines(std::string_view text) {
  return SplitColumn(text, '\n');
}

// Flap times as decimal milliseconds joined by ','.
std::string JoinTimes(const std::vector<Millis>& times);
std::vector<Millis> SplitTimes(std::string_view text);

template <typename Row>
ChannelRecord ReadChannel(const Row& r) {
  return {r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Int(4), r.Int(5)};
}

template <typename Row>
RuleRecord ReadRule(const Row& r) {
  RuleRecord rule;
  rule.id = r.Text(0);
  rule.name = r.Text(1);
  rule.channels = SplitLines(r.Text(2));
  rule.tags = SplitLines(r.Text(3));
  rule.server_ids = SplitLines(r.Text(4));
  rule.events = SplitLines(r.Text(5));
  rule.after_seconds = static_cast<int>(r.Int(6));
  rule.repeat_minutes = static_cast<int>(r.Int(7));
  rule.created_at = r.Int(8);
  rule.updated_at = r.Int(9);
  return rule;
}

template <typename Row>
AlertRecord ReadAlert(const Row& r) {
  AlertRecord a;
  a.id = r.Text(0);
  a.rule_id = r.Text(1);
  a.server_id = r.Text(2);
  a.event = r.Text(3);
  a.state = r.Text(4);
  a.since = r.Int(5);
  a.due_at = r.Int(6);
  a.opened_at = r.Int(7);
  a.acked_at = r.Int(8);
  a.acked_by = r.Text(9);
  a.resolved_at = r.Int(10);
  a.next_repeat_at = r.Int(11);
  a.repeats = static_cast<int>(r.Int(12));
  a.server = r.Text(13);
  return a;
}

template <typename Row>
NotificationRecord ReadNotification(const Row& r) {
  NotificationRecord n;
  n.id = r.Text(0);
  n.key = r.Text(1);
  n.channel_id = r.Text(2);
  n.rule_id = r.Text(3);
  n.alert_id = r.Text(4);
  n.event = r.Text(5);
  n.payload = r.Text(6);
  n.state = r.Text(7);
  n.group = r.Text(8);
  n.attempts = static_cast<int>(r.Int(9));
  n.next_at = r.Int(10);
  n.lease_until = r.Int(11);
  n.error = r.Text(12);
  n.created_at = r.Int(13);
  n.done_at = r.Int(14);
  return n;
}

// Where ListAlerts and ListDeliveries are filtered: one statement shape per backend, the unset
// filters written as always-true comparisons.
inline constexpr std::string_view kVisibleAlertStates = "('open', 'acknowledged', 'resolved')";

}  // namespace sms::store
