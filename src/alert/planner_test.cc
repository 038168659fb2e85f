// The alerting rules over time: a ManualClock-style `now` drives PlanDispatch through the
// in-memory SQLite store, so the windows, flapping, repeats and storms are exercised as the
// notifier runs them.

#include "alert/planner.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "store/sqlite_store.h"

namespace sms::alert {
namespace {

constexpr Millis kT0 = 1'800'000'000'000;

class PlannerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::SqliteOptions o;
    o.memory = true;
    db_ = *store::SqliteStore::Open(o);
    ASSERT_TRUE(db_->CreateChannel({"chn-1", "hook", "webhook", "{}", kT0, kT0}).ok());
    settings_.group_ms = 0;  // no grouping unless a test asks for it
  }

  store::RuleRecord Rule(const std::string& id) {
    store::RuleRecord r;
    r.id = id;
    r.name = id;
    r.channels = {"chn-1"};
    r.events = {"off", "on"};
    return r;
  }

  void AddServer(const std::string& id) {
    ServerInput in;
    in.server_id = id;
    in.server_name = id;
    ASSERT_TRUE(db_->CreateServer(in, now_).ok());
  }

  // A heartbeat (server on) and, with `off`, the sweep turning it off at `now_`.
  void Beat(const std::string& id) {
    Heartbeat hb;
    hb.server_id = id;
    hb.hostname = id;
    hb.interval = 1;
    hb.received_at = now_;
    ASSERT_TRUE(db_->ApplyHeartbeats({hb}, {}).ok());
  }
  void Sweep() { ASSERT_TRUE(db_->SweepOffline(now_, 0).ok()); }

  int Dispatch() {
    auto taken = db_->Dispatch(now_, 1000, [&](const store::DispatchInput& in) {
      return Result<store::DispatchWrites>(PlanDispatch(in, settings_, maintenance_));
    });
    EXPECT_TRUE(taken.ok()) << taken.status().ToString();
    return taken.ok() ? *taken : -1;
  }

  // Events of the notifications sendable now, oldest first (claimed, then marked sent).
  std::vector<std::string> Sent() {
    auto claimed = db_->ClaimDeliveries(now_, 1000, 1000);
    EXPECT_TRUE(claimed.ok());
    std::vector<std::string> events;
    for (const auto& n : *claimed) {
      events.push_back(n.event);
      EXPECT_TRUE(db_->FinishDelivery(n.id, {"sent", 1, 0, "", now_}).ok());
    }
    return events;
  }

  std::shared_ptr<store::SqliteStore> db_;
  AlertSettings settings_;
  const Maintenance* maintenance_ = nullptr;
  Millis now_ = kT0;
};

using Events = std::vector<std::string>;

TEST_F(PlannerTest, OffThenOnSendsOneOfEach) {
  ASSERT_TRUE(db_->CreateRule(Rule("rul-1")).ok());
  Beat("a");
  now_ += 5000;
  Sweep();
  EXPECT_EQ(Dispatch(), 1);  // the off (a registration is no transition to alert on)
  EXPECT_EQ(Sent(), Events({"off"}));
  EXPECT_EQ(Dispatch(), 0);
  EXPECT_EQ(Sent(), Events{});  // nothing twice
  auto alerts = db_->ListAlerts({});
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_EQ(alerts->front().state, "open");
  now_ += 1000;
  Beat("a");
  Dispatch();
  EXPECT_EQ(Sent(), Events({"on"}));
  EXPECT_EQ(db_->ListAlerts({})->front().state, "resolved");
}

TEST_F(PlannerTest, AfterSecondsWaitsAndARecoveryInTimeSendsNothing) {
  store::RuleRecord r = Rule("rul-1");
  r.after_seconds = 60;
  ASSERT_TRUE(db_->CreateRule(r).ok());
  Beat("a");
  now_ += 5000;
  Sweep();
  Dispatch();
  EXPECT_EQ(Sent(), Events{});
  now_ += 30'000;
  Beat("a");  // back before the minute: no off, no on
  Dispatch();
  now_ += 60'000;
  Dispatch();
  EXPECT_EQ(Sent(), Events{});
  EXPECT_TRUE(db_->ListAlerts({})->empty());
  Beat("a");
  now_ += 5000;
  Sweep();
  Dispatch();
  now_ += 55'000;  // the off transition is stamped at last_seen + interval: 59 s old
  Dispatch();
  EXPECT_EQ(Sent(), Events{});
  now_ += 1000;  // 60 s old now
  Dispatch();
  EXPECT_EQ(Sent(), Events({"off"}));
}

TEST_F(PlannerTest, RemindersUntilAcknowledged) {
  store::RuleRecord r = Rule("rul-1");
  r.repeat_minutes = 5;
  ASSERT_TRUE(db_->CreateRule(r).ok());
  Beat("a");
  now_ += 5000;
  Sweep();
  Dispatch();
  EXPECT_EQ(Sent(), Events({"off"}));
  now_ += 4 * 60'000;
  Dispatch();
  EXPECT_EQ(Sent(), Events{});
  now_ += 60'000;
  Dispatch();
  EXPECT_EQ(Sent(), Events({"off"}));  // the first reminder
  auto alert = db_->ListAlerts({})->front();
  EXPECT_EQ(alert.repeats, 1);
  ASSERT_EQ(db_->AckAlert(alert.id, "ops", now_)->state, "acknowledged");
  now_ += 10 * 60'000;
  Dispatch();
  EXPECT_EQ(Sent(), Events{});
  now_ += 1000;
  Beat("a");
  Dispatch();
  EXPECT_EQ(Sent(), Events({"on"}));
  // An ack after recovery changes nothing.
  EXPECT_EQ(db_->AckAlert(alert.id, "ops", now_)->state, "resolved");
}

TEST_F(PlannerTest, FlappingSendsOneAlertThenSilenceUntilStable) {
  ASSERT_TRUE(db_->CreateRule(Rule("rul-1")).ok());
  Events sent;
  auto flap = [&] {
    Beat("a");
    now_ += 5000;
    Sweep();
    Dispatch();
    for (auto& e : Sent()) sent.push_back(e);
    now_ += 1000;
  };
  for (int i = 0; i < 4; ++i) flap();  // 7 transitions within a minute
  // off, on, off, then the 4th transition (on) flaps and the rest are silent.
  EXPECT_EQ(sent, Events({"off", "on", "off", "flapping"}));
  sent.clear();
  now_ += 9 * 60'000;
  flap();
  EXPECT_EQ(sent, Events{});
  now_ += 11 * 60'000;  // stable for ten minutes: alerts again (the open off resolves)
  flap();
  EXPECT_EQ(sent, Events({"on", "off"}));
}

TEST_F(PlannerTest, AStormInOneWindowIsOneDigest) {
  settings_.group_ms = 10'000;
  settings_.storm_threshold = 20;
  ASSERT_TRUE(db_->CreateRule(Rule("rul-1")).ok());
  for (int i = 0; i < 30; ++i) Beat("s" + std::to_string(i));
  Dispatch();
  now_ += 10'000;
  Dispatch();  // the (empty) window of the registrations closes
  now_ += 5000;
  Sweep();
  Dispatch();
  EXPECT_EQ(Sent(), Events{});  // held in the window
  now_ += 9999;
  Dispatch();
  EXPECT_EQ(Sent(), Events{});
  now_ += 1;
  Dispatch();
  auto claimed = db_->ClaimDeliveries(now_, 1000, 1000);
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ(claimed->front().event, "digest");
  auto body = boost::json::parse(claimed->front().payload).as_object();
  EXPECT_EQ(body["count"].as_int64(), 30);
  EXPECT_EQ(body["alerts"].as_array().size(), 30u);
  EXPECT_EQ(db_->ListDeliveries({"digested", "", 100})->size(), 30u);
}

TEST_F(PlannerTest, AFewInOneWindowGoOutOneByOne) {
  settings_.group_ms = 10'000;
  ASSERT_TRUE(db_->CreateRule(Rule("rul-1")).ok());
  for (int i = 0; i < 3; ++i) Beat("s" + std::to_string(i));
  now_ += 5000;
  Sweep();
  Dispatch();
  now_ += 10'000;
  Dispatch();
  EXPECT_EQ(Sent(), Events({"off", "off", "off"}));
}

class Always : public Maintenance {
 public:
  bool Covers(const std::string&, const std::vector<std::string>&, Millis) const override {
    return true;
  }
};

TEST_F(PlannerTest, MaintenanceSendsNothing) {
  Always always;
  maintenance_ = &always;
  ASSERT_TRUE(db_->CreateRule(Rule("rul-1")).ok());
  Beat("a");
  now_ += 5000;
  Sweep();
  Dispatch();
  now_ += 1000;
  Beat("a");
  Dispatch();
  EXPECT_EQ(Sent(), Events{});
}

TEST_F(PlannerTest, RulesSelectByServerIdOrEveryTag) {
  store::RuleRecord r = Rule("r");
  EXPECT_TRUE(RuleSelects(r, "a", {}));
  r.server_ids = {"b"};
  EXPECT_FALSE(RuleSelects(r, "a", {"x"}));
  EXPECT_TRUE(RuleSelects(r, "b", {}));
  r.tags = {"x", "y"};
  EXPECT_FALSE(RuleSelects(r, "a", {"x"}));
  EXPECT_TRUE(RuleSelects(r, "a", {"y", "x", "z"}));
}

}  // namespace
}  // namespace sms::alert
