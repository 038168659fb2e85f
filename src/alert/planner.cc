#include "alert/planner.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>

#include "alert/payload.h"
#include "core/heartbeat.h"

namespace sms::alert {
namespace {

using store::AlertRecord;
using store::NotificationRecord;
using store::RuleRecord;
using store::TransitionRecord;

bool Has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

class Planner {
 public:
  Planner(const store::DispatchInput& in, const AlertSettings& s, const Maintenance* m)
      : in_(in), s_(s), maintenance_(m), now_(in.now) {
    for (const RuleRecord& r : in.rules) rules_[r.id] = &r;
    for (const store::FlapRecord& f : in.flaps) flaps_[f.server_id] = f;
    for (const AlertRecord& a : in.alerts) {
      alerts_[a.id] = a;
      by_server_[a.server_id].insert(a.id);
    }
    for (const store::WindowRecord& w : in.windows) windows_[w.rule_id] = w;
  }

  store::DispatchWrites Run() {
    CloseWindows();
    for (const TransitionRecord& t : in_.transitions) Transition(t);
    FireDue();
    for (const std::string& id : changed_) {
      if (deleted_.contains(id)) {
        out_.alerts_deleted.push_back(id);
      } else {
        out_.alerts.push_back(alerts_.at(id));
      }
    }
    for (const std::string& server : flaps_changed_) out_.flaps.push_back(flaps_.at(server));
    return std::move(out_);
  }

 private:
  // Held notifications of windows closing by now: released one by one, or as a digest.
  void CloseWindows() {
    std::map<std::string, std::vector<const NotificationRecord*>> by_channel;  // group|channel
    for (const NotificationRecord& n : in_.held)
      by_channel[n.group + "|" + n.channel_id].push_back(&n);
    for (auto& [key, notes] : by_channel) {
      if (notes.size() <= static_cast<size_t>(s_.storm_threshold)) {
        for (const NotificationRecord* n : notes) out_.states.emplace_back(n->id, "pending");
        continue;
      }
      for (const NotificationRecord* n : notes) out_.states.emplace_back(n->id, "digested");
      const NotificationRecord& first = *notes.front();
      auto rule = rules_.find(first.rule_id);
      std::string rule_name = rule == rules_.end() ? "" : rule->second->name;
      std::vector<std::string> bodies;
      for (const NotificationRecord* n : notes) bodies.push_back(n->payload);
      NotificationRecord d =
          Note(first.rule_id, first.channel_id, "", "digest",
               "dig:" + first.group + ":" + first.channel_id,
               DigestBody(first.rule_id, rule_name, now_, bodies, s_.digest_items));
      d.state = "pending";
      out_.notifications.push_back(std::move(d));
    }
    for (const auto& [rule, w] : windows_) {
      if (w.closes_at <= now_) out_.windows_closed.push_back(rule);
    }
    std::erase_if(windows_, [&](const auto& kv) { return kv.second.closes_at <= now_; });
  }

  void Transition(const TransitionRecord& t) {
    out_.outbox_done.push_back(t.outbox_id);
    if (t.server_id.empty()) return;  // the server was deleted since
    if (Flapping(t)) return;
    bool quiet = maintenance_ != nullptr && maintenance_->Covers(t.server_id, t.tags, t.at);
    std::string server = ServerJson(t.server_id, t.server_name, t.ipv4, t.tags);
    for (const RuleRecord& rule : in_.rules) {
      if (!RuleSelects(rule, t.server_id, t.tags)) continue;
      if (t.status == ServerStatus::kOff) {
        if (!quiet && Has(rule.events, "off")) Off(rule, t, server);
      } else {
        On(rule, t, server, quiet);
      }
    }
  }

  // Updates the server's flapping state; true when the transition is to send nothing.
  bool Flapping(const TransitionRecord& t) {
    auto [it, fresh] = flaps_.try_emplace(t.server_id, store::FlapRecord{t.server_id, {}, 0});
    store::FlapRecord& f = it->second;
    flaps_changed_.insert(t.server_id);
    if (f.flapping_since != 0 && !f.times.empty() && t.at - f.times.back() >= s_.flap_stable_ms) {
      f.flapping_since = 0;  // stable long enough: this transition counts again
      f.times.clear();
      ResolveAll(t.server_id, "flapping", t.at);
    }
    std::erase_if(f.times, [&](Millis at) { return at <= t.at - s_.flap_window_ms; });
    f.times.push_back(t.at);
    if (f.flapping_since != 0) return true;
    if (static_cast<int>(f.times.size()) < s_.flap_transitions) return false;
    f.flapping_since = t.at;
    std::string server = ServerJson(t.server_id, t.server_name, t.ipv4, t.tags);
    for (const RuleRecord& rule : in_.rules) {
      if (!RuleSelects(rule, t.server_id, t.tags)) continue;
      AlertRecord a = NewAlert(rule, t, server, "flapping");
      Open(a, rule, "flapping");
    }
    return true;
  }

  void Off(const RuleRecord& rule, const TransitionRecord& t, const std::string& server) {
    AlertRecord a = NewAlert(rule, t, server, "off");
    a.state = "pending";
    a.due_at = t.at + Millis(rule.after_seconds) * 1000;
    if (a.due_at <= now_) {
      Open(a, rule, "off");
    } else {
      Put(a);
    }
  }

  void On(const RuleRecord& rule, const TransitionRecord& t, const std::string& server,
          bool quiet) {
    const AlertRecord* resolved = nullptr;
    for (const std::string& id : by_server_[t.server_id]) {
      AlertRecord& a = alerts_.at(id);
      if (a.rule_id != rule.id || a.event != "off") continue;
      if (deleted_.contains(id) || a.state == "resolved") continue;
      if (a.state == "pending") {
        deleted_.insert(id);
        changed_.insert(id);
        continue;
      }
      a.state = "resolved";
      a.resolved_at = t.at;
      a.next_repeat_at = 0;
      changed_.insert(id);
      resolved = &a;
    }
    if (quiet || !Has(rule.events, "on")) return;
    if (resolved == nullptr && Has(rule.events, "off")) return;  // the off was never sent
    std::string alert_id = resolved ? resolved->id : AlertId(t, rule);
    Millis since = resolved ? resolved->since : t.at;
    Notify(rule, alert_id, "on", alert_id + ":on", EventBody("on", alert_id, t.at, server, since));
  }

  void FireDue() {
    for (auto& [id, a] : alerts_) {
      if (deleted_.contains(id)) continue;
      auto rule = rules_.find(a.rule_id);
      if (rule == rules_.end()) continue;
      if (a.state == "pending" && a.due_at <= now_) {
        Open(a, *rule->second, a.event);
      } else if (a.state == "open" && a.next_repeat_at > 0 && a.next_repeat_at <= now_) {
        ++a.repeats;
        a.next_repeat_at = now_ + Millis(rule->second->repeat_minutes) * 60'000;
        changed_.insert(id);
        Notify(*rule->second, a.id, a.event, a.id + ":repeat" + std::to_string(a.repeats),
               EventBody(a.event, a.id, now_, a.server, a.since));
      }
    }
  }

  void Open(AlertRecord a, const RuleRecord& rule, const std::string& event) {
    a.state = "open";
    a.opened_at = now_;
    a.next_repeat_at = rule.repeat_minutes > 0 ? now_ + Millis(rule.repeat_minutes) * 60'000 : 0;
    Notify(rule, a.id, event, a.id + ":" + event,
           EventBody(event, a.id, a.since, a.server, a.since));
    Put(std::move(a));
  }

  void ResolveAll(const std::string& server_id, const std::string& event, Millis at) {
    for (const std::string& id : by_server_[server_id]) {
      AlertRecord& a = alerts_.at(id);
      if (a.event != event) continue;
      if (a.state != "open" && a.state != "acknowledged") continue;
      a.state = "resolved";
      a.resolved_at = at;
      a.next_repeat_at = 0;
      changed_.insert(id);
    }
  }

  AlertRecord NewAlert(const RuleRecord& rule, const TransitionRecord& t, const std::string& server,
                       const std::string& event) {
    AlertRecord a;
    a.id = AlertId(t, rule);
    a.rule_id = rule.id;
    a.server_id = t.server_id;
    a.event = event;
    a.since = t.at;
    a.server = server;
    return a;
  }

  static std::string AlertId(const TransitionRecord& t, const RuleRecord& rule) {
    return "alr-" + std::to_string(t.event_id) + "-" + rule.id;
  }

  void Put(AlertRecord a) {
    std::string id = a.id;
    deleted_.erase(id);
    by_server_[a.server_id].insert(id);
    alerts_[id] = std::move(a);
    changed_.insert(id);
  }

  // One notification per channel of `rule`, held in the rule's window (see the header).
  void Notify(const RuleRecord& rule, const std::string& alert_id, const std::string& event,
              const std::string& key, const std::string& body) {
    std::string group;
    if (s_.group_ms > 0) {
      auto [it, opened] =
          windows_.try_emplace(rule.id, store::WindowRecord{rule.id, now_, now_ + s_.group_ms});
      if (opened) out_.windows.push_back(it->second);
      group = rule.id + ":" + std::to_string(it->second.opened_at);
    }
    for (const std::string& channel : rule.channels) {
      NotificationRecord n = Note(rule.id, channel, alert_id, event, key + ":" + channel, body);
      n.state = group.empty() ? "pending" : "held";
      n.group = group;
      out_.notifications.push_back(std::move(n));
    }
  }

  NotificationRecord Note(const std::string& rule, const std::string& channel,
                          const std::string& alert_id, const std::string& event,
                          const std::string& key, std::string body) const {
    NotificationRecord n;
    n.id = "dlv-" + NewHeartbeatId();
    n.key = key;
    n.channel_id = channel;
    n.rule_id = rule;
    n.alert_id = alert_id;
    n.event = event;
    n.payload = std::move(body);
    n.next_at = now_;
    n.created_at = now_;
    return n;
  }

  const store::DispatchInput& in_;
  const AlertSettings& s_;
  const Maintenance* maintenance_;
  const Millis now_;
  std::map<std::string, const RuleRecord*> rules_;
  std::map<std::string, store::FlapRecord> flaps_;
  std::set<std::string> flaps_changed_;
  std::map<std::string, AlertRecord> alerts_;
  std::map<std::string, std::set<std::string>> by_server_;  // server_id -> alert ids
  std::set<std::string> changed_;
  std::set<std::string> deleted_;
  std::map<std::string, store::WindowRecord> windows_;
  store::DispatchWrites out_;
};

}  // namespace

bool RuleSelects(const store::RuleRecord& rule, const std::string& server_id,
                 const std::vector<std::string>& tags) {
  if (rule.tags.empty() && rule.server_ids.empty()) return true;
  if (Has(rule.server_ids, server_id)) return true;
  if (rule.tags.empty()) return false;
  return std::all_of(rule.tags.begin(), rule.tags.end(),
                     [&](const std::string& tag) { return Has(tags, tag); });
}

store::DispatchWrites PlanDispatch(const store::DispatchInput& in, const AlertSettings& settings,
                                   const Maintenance* maintenance) {
  return Planner(in, settings, maintenance).Run();
}

}  // namespace sms::alert
