#pragma once
// The alert tables as both SQL stores keep them (internal to src/store): each table's columns
// and the record field each keeps (store/row_table.h), in the order of migration 0009, and the
// SQL text SqliteStore and PostgresStore share. Each store writes only its own dialect around
// these: placeholders, upserts, locking.

#include <string>
#include <string_view>
#include <vector>

#include "core/tags.h"
#include "store/alert_store.h"
#include "store/row_table.h"

namespace sms::store {

inline constexpr Column<ChannelRecord> kChannelTable[] = {
    {"id", &ChannelRecord::id},
    {"name", &ChannelRecord::name},
    {"type", &ChannelRecord::type},
    {"config", &ChannelRecord::config},
    {"created_at", &ChannelRecord::created_at},
    {"updated_at", &ChannelRecord::updated_at}};

inline constexpr Column<RuleRecord> kRuleTable[] = {{"id", &RuleRecord::id},
                                                    {"name", &RuleRecord::name},
                                                    {"channels", &RuleRecord::channels},
                                                    {"tags", &RuleRecord::tags},
                                                    {"server_ids", &RuleRecord::server_ids},
                                                    {"events", &RuleRecord::events},
                                                    {"after_seconds", &RuleRecord::after_seconds},
                                                    {"repeat_minutes", &RuleRecord::repeat_minutes},
                                                    {"created_at", &RuleRecord::created_at},
                                                    {"updated_at", &RuleRecord::updated_at}};

inline constexpr Column<AlertRecord> kAlertTable[] = {
    {"id", &AlertRecord::id},
    {"rule_id", &AlertRecord::rule_id},
    {"server_id", &AlertRecord::server_id},
    {"event", &AlertRecord::event},
    {"state", &AlertRecord::state},
    {"since", &AlertRecord::since},
    {"due_at", &AlertRecord::due_at},
    {"opened_at", &AlertRecord::opened_at},
    {"acked_at", &AlertRecord::acked_at},
    {"acked_by", &AlertRecord::acked_by},
    {"resolved_at", &AlertRecord::resolved_at},
    {"next_repeat_at", &AlertRecord::next_repeat_at},
    {"repeats", &AlertRecord::repeats},
    {"server", &AlertRecord::server}};

inline constexpr Column<NotificationRecord> kNotificationTable[] = {
    {"id", &NotificationRecord::id},
    {"key", &NotificationRecord::key},
    {"channel_id", &NotificationRecord::channel_id},
    {"rule_id", &NotificationRecord::rule_id},
    {"alert_id", &NotificationRecord::alert_id},
    {"event", &NotificationRecord::event},
    {"payload", &NotificationRecord::payload},
    {"state", &NotificationRecord::state},
    {"grp", &NotificationRecord::group},
    {"attempts", &NotificationRecord::attempts},
    {"next_at", &NotificationRecord::next_at},
    {"lease_until", &NotificationRecord::lease_until},
    {"error", &NotificationRecord::error},
    {"created_at", &NotificationRecord::created_at},
    {"done_at", &NotificationRecord::done_at}};

inline constexpr Column<FlapRecord> kFlapTable[] = {
    {"server_id", &FlapRecord::server_id},
    {"times", &FlapRecord::times},
    {"flapping_since", &FlapRecord::flapping_since}};

inline constexpr Column<WindowRecord> kWindowTable[] = {{"rule_id", &WindowRecord::rule_id},
                                                        {"opened_at", &WindowRecord::opened_at},
                                                        {"closes_at", &WindowRecord::closes_at}};

// "SELECT <every column> FROM <table> ": the start of a statement reading whole records.
template <typename Table>
std::string SelectFrom(std::string_view name, const Table& table) {
  return "SELECT " + ColumnList(table) + " FROM " + std::string(name) + " ";
}

// What an update writes: every column but created_at (the key, id, first).
inline const std::vector<Column<ChannelRecord>> kChannelUpdate =
    ColumnsExcept(kChannelTable, "created_at");
inline const std::vector<Column<RuleRecord>> kRuleUpdate = ColumnsExcept(kRuleTable, "created_at");

// The statements that create, update and read channels and rules, in one dialect's placeholders
// ('?' SQLite, '$' PostgreSQL); bound with RowValues() of kChannelTable, kChannelUpdate, ….
struct ChannelRuleSql {
  explicit ChannelRuleSql(char mark)
      : insert_channel(InsertSql("alert_channels", kChannelTable, mark)),
        update_channel(UpdateSql("alert_channels", kChannelUpdate, mark)),
        get_channel(SelectFrom("alert_channels", kChannelTable) + "WHERE id = " + mark + "1"),
        insert_rule(InsertSql("alert_rules", kRuleTable, mark)),
        update_rule(UpdateSql("alert_rules", kRuleUpdate, mark)),
        get_rule(SelectFrom("alert_rules", kRuleTable) + "WHERE id = " + mark + "1") {}
  std::string insert_channel, update_channel, get_channel;
  std::string insert_rule, update_rule, get_rule;
};

inline const std::string kListChannelsSql =
    SelectFrom("alert_channels", kChannelTable) + "ORDER BY name";

// Every rule, in the order they were created (ListRules, Dispatch).
inline const std::string kListRulesSql = SelectFrom("alert_rules", kRuleTable) + "ORDER BY seq";

// Where ListAlerts shows alerts: the pending ones are the planner's own.
inline constexpr std::string_view kVisibleAlertStates = "('open', 'acknowledged', 'resolved')";

// The oldest transitions in the outbox with their server (gone: empty fields), up to the LIMIT
// the store appends as its placeholder; read with ReadTransition().
inline constexpr std::string_view kOutboxSelect =
    "SELECT o.id, o.event_id, coalesce(s.server_id, ''), coalesce(s.server_name, ''), "
    "coalesce(s.ipv4, ''), o.status, o.at, coalesce(s.tags, '') FROM alert_outbox o "
    "LEFT JOIN servers s ON s.id = o.server ORDER BY o.id LIMIT ";

template <typename Row>
TransitionRecord ReadTransition(const Row& r) {
  TransitionRecord t;
  t.outbox_id = r.Int(0);
  t.event_id = r.Int(1);
  t.server_id = r.Text(2);
  t.server_name = r.Text(3);
  t.ipv4 = r.Text(4);
  t.status = r.Int(5) == 1 ? ServerStatus::kOn : ServerStatus::kOff;
  t.at = r.Int(6);
  t.tags = SplitTags(r.Text(7));
  return t;
}

// NotFound "<what> "<id>" not found" unless a write changed a row.
inline Status NotFoundUnless(bool changed, const std::string& what, const std::string& id) {
  if (changed) return Status::Ok();
  return Status::NotFound(what + " \"" + id + "\" not found");
}

// The one record a Get selected, or NotFound as above.
template <typename Record>
Result<Record> FirstOrNotFound(Result<std::vector<Record>> found, const std::string& what,
                               const std::string& id) {
  if (!found.ok()) return found.status();
  if (Status s = NotFoundUnless(!found->empty(), what, id); !s.ok()) return s;
  return std::move(found->front());
}

// A channel write's Conflict (the unique name) as the API reports it.
inline Status ChannelNameConflict(Status s, const std::string& name) {
  if (s.code() != Code::kConflict) return s;
  return Status::Conflict("a channel named \"" + name + "\" exists", "name");
}

}  // namespace sms::store
