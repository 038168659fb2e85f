#pragma once
// AlertStore: alert channels, rules, alerts and their notifications (the delivery outbox), kept
// in the same database as the servers. A narrow interface beside Store: the alerting code sees
// only this. Implemented by SqliteStore and PostgresStore (OpenStores hands out both views of
// one database). Every method is thread-safe.
//
// The outbox: every status transition a heartbeat ("on", cause "heartbeat") or the sweep
// ("off", cause "timeout") writes is copied into alert_outbox by a trigger, inside the
// transaction that writes the transition; nothing can commit one without the other. Dispatch
// turns outbox rows into alerts and notifications, again in one transaction, and each
// notification has a unique key, so a transition makes one notification per (rule, channel)
// whatever the number of replicas, restarts or redeliveries.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace sms::store {

struct ChannelRecord {
  std::string id;      // "chn-…"
  std::string name;    // unique
  std::string type;    // webhook, email, slack, teams, discord, telegram
  std::string config;  // JSON object: url, secret, emails, chat_id (as the type needs)
  Millis created_at = 0;
  Millis updated_at = 0;
};

struct RuleRecord {
  std::string id;  // "rul-…"
  std::string name;
  std::vector<std::string> channels;    // channel ids
  std::vector<std::string> tags;        // servers carrying every one of these tags …
  std::vector<std::string> server_ids;  // … or one of these; both empty: every server
  std::vector<std::string> events;      // "off", "on"
  int after_seconds = 0;
  int repeat_minutes = 0;
  Millis created_at = 0;
  Millis updated_at = 0;
};

// One alert of one rule about one server. state: "pending" (off, waiting for after_seconds;
// not shown by the API), "open", "acknowledged", "resolved".
struct AlertRecord {
  std::string id;  // "alr-<transition>-<rule>"
  std::string rule_id;
  std::string server_id;
  std::string event;  // "off", "flapping"
  std::string state;
  Millis since = 0;   // the transition's time
  Millis due_at = 0;  // pending: when it opens
  Millis opened_at = 0;
  Millis acked_at = 0;
  std::string acked_by;
  Millis resolved_at = 0;
  Millis next_repeat_at = 0;  // open with repeats: the next reminder (0: none)
  int repeats = 0;            // reminders sent
  std::string server;         // JSON object of the server as the payload shows it
};

// One message to one channel. state: "held" (in its rule's grouping window), "pending" (to
// send at next_at), "sent", "dead" (given up: the dead-letter list), "digested" (sent as part
// of a digest instead).
struct NotificationRecord {
  std::string id;   // "dlv-…": the X-SMS-Delivery header, the same on every attempt
  std::string key;  // unique: what the notification is for (transition, rule, channel)
  std::string channel_id;
  std::string rule_id;
  std::string alert_id;
  std::string event;    // off, on, flapping, digest, test
  std::string payload;  // the webhook JSON body
  std::string state;
  std::string group;  // held: the window ("<rule>:<opened_at>")
  int attempts = 0;
  Millis next_at = 0;
  Millis lease_until = 0;
  std::string error;  // the last delivery error
  Millis created_at = 0;
  Millis done_at = 0;  // sent or dead
};

// A transition taken from the outbox, with what the payload says of its server.
struct TransitionRecord {
  int64_t outbox_id = 0;
  int64_t event_id = 0;
  std::string server_id;
  std::string server_name;
  std::string ipv4;
  std::vector<std::string> tags;
  ServerStatus status = ServerStatus::kOff;
  Millis at = 0;
};

// Flapping state of one server (shared by replicas).
struct FlapRecord {
  std::string server_id;
  std::vector<Millis> times;  // its recent transitions
  Millis flapping_since = 0;  // 0: not flapping
};

// A rule's grouping window.
struct WindowRecord {
  std::string rule_id;
  Millis opened_at = 0;
  Millis closes_at = 0;
};

// What one Dispatch call reads, in one transaction.
struct DispatchInput {
  Millis now = 0;
  std::vector<TransitionRecord> transitions;  // oldest first
  std::vector<RuleRecord> rules;
  std::vector<FlapRecord> flaps;         // of the transitions' servers, when stored
  std::vector<AlertRecord> alerts;       // not resolved, of the transitions' servers, plus due ones
  std::vector<WindowRecord> windows;     // every open window
  std::vector<NotificationRecord> held;  // the held notifications of windows closing by now
};

// What one Dispatch call writes, in the same transaction.
struct DispatchWrites {
  std::vector<int64_t> outbox_done;
  std::vector<FlapRecord> flaps;                  // upserted
  std::vector<AlertRecord> alerts;                // upserted (by id)
  std::vector<std::string> alerts_deleted;        // pending alerts that never opened
  std::vector<NotificationRecord> notifications;  // inserted; a taken key is left as it is
  std::vector<std::pair<std::string, std::string>> states;  // notification id -> new state
  std::vector<WindowRecord> windows;                        // upserted (by rule)
  std::vector<std::string> windows_closed;                  // by rule
};

struct AlertQuery {
  std::string server_id;  // empty: any
  std::string state;      // empty: open, acknowledged and resolved
  Millis from = 0;        // since >= from
  Millis to = 0;          // since < to (0: no bound)
  int limit = 100;
};

struct DeliveryQuery {
  std::string state;     // empty: any
  std::string alert_id;  // empty: any
  int limit = 100;
};

// How one delivery attempt ended.
struct DeliveryOutcome {
  std::string state;  // "sent", "pending" (retry at next_at), "dead"
  int attempts = 0;
  Millis next_at = 0;
  std::string error;
  Millis at = 0;
};

class AlertStore {
 public:
  virtual ~AlertStore() = default;

  // ---- Channels: Conflict (field "name") on a taken name; NotFound when absent -------------
  virtual Status CreateChannel(const ChannelRecord& channel) = 0;
  virtual Result<ChannelRecord> GetChannel(const std::string& id) = 0;
  // Every channel, by name.
  virtual Result<std::vector<ChannelRecord>> ListChannels() = 0;
  // Replaces name, type, config and updated_at of channel `channel.id`.
  virtual Status UpdateChannel(const ChannelRecord& channel) = 0;
  // Conflict (field "channel_id") while a rule names it.
  virtual Status DeleteChannel(const std::string& id) = 0;

  // ---- Rules: NotFound when absent. REQUIRES: every channel id exists (checked by caller) ---
  virtual Status CreateRule(const RuleRecord& rule) = 0;
  virtual Result<RuleRecord> GetRule(const std::string& id) = 0;
  // Every rule, by creation.
  virtual Result<std::vector<RuleRecord>> ListRules() = 0;
  // Replaces every field of rule `rule.id` but created_at.
  virtual Status UpdateRule(const RuleRecord& rule) = 0;
  // Deletes the rule; its alerts stay (resolved ones as they are).
  virtual Status DeleteRule(const std::string& id) = 0;

  // ---- Alerts -------------------------------------------------------------------------------
  // Alerts matching `query` (never "pending"), newest first.
  virtual Result<std::vector<AlertRecord>> ListAlerts(const AlertQuery& query) = 0;
  // NotFound when absent (or pending).
  virtual Result<AlertRecord> GetAlert(const std::string& id) = 0;
  // open -> acknowledged (acked_at = now, acked_by = by; reminders stop). Any other state is
  // left as it is (an ack after recovery changes nothing). Returns the alert as stored.
  // NotFound when absent or pending.
  virtual Result<AlertRecord> AckAlert(const std::string& id, const std::string& by,
                                       Millis now) = 0;

  // ---- Dispatch ------------------------------------------------------------------------------
  // In one transaction, serialised with every other Dispatch on the database (all replicas):
  // reads DispatchInput (at most `limit` outbox rows, oldest first; alerts due by `now`:
  // pending with due_at <= now, open with 0 < next_repeat_at <= now), calls `plan`, and writes
  // what it returns. Nothing is written when `plan` fails. Returns how many transitions were
  // taken from the outbox (call again while it equals `limit`).
  using Planner = std::function<Result<DispatchWrites>(const DispatchInput&)>;
  virtual Result<int> Dispatch(Millis now, int limit, const Planner& plan) = 0;

  // ---- Delivery ------------------------------------------------------------------------------
  // Inserts one notification (a test message). Conflict (field "key") when the key exists.
  virtual Status EnqueueNotification(const NotificationRecord& n) = 0;
  // Claims up to `limit` pending notifications with next_at <= now whose lease has expired:
  // sets lease_until = now + lease_ms and returns them, oldest first. A conditional update: a
  // notification is claimed by one caller per lease. A claimant that dies leaves the lease to
  // expire, and the notification is claimed again (at-least-once).
  virtual Result<std::vector<NotificationRecord>> ClaimDeliveries(Millis now, Millis lease_ms,
                                                                  int limit) = 0;
  // Records how an attempt of notification `id` ended (and clears its lease). NotFound when
  // absent.
  virtual Status FinishDelivery(const std::string& id, const DeliveryOutcome& outcome) = 0;
  // Notifications matching `query`, newest first.
  virtual Result<std::vector<NotificationRecord>> ListDeliveries(const DeliveryQuery& query) = 0;
};

using AlertStorePtr = std::shared_ptr<AlertStore>;

}  // namespace sms::store
