// The AlertStore contract, against every implementation in StoreFactories: channels and rules,
// the outbox filled in the transition's transaction, one notification per key whatever the
// number of dispatchers, claims under a lease, acknowledgements.

#include <thread>

#include "store/alert_store.h"
#include "store/store_test_util.h"

namespace sms::store::testing {
namespace {

template <typename Factory>
class AlertStoreContractTest : public StoreTest<Factory> {
 public:
  void SetUp() override {
    StoreTest<Factory>::SetUp();
    if (this->IsSkipped() || this->store_ == nullptr) return;
    // Tests only: the stores hand out this view through OpenStores.
    alerts_ = std::dynamic_pointer_cast<AlertStore>(this->store_);
    ASSERT_NE(alerts_, nullptr);
  }

  // Runs Dispatch with a planner that marks every transition done and, per transition, inserts
  // a notification keyed by its event id; returns the transitions seen.
  std::vector<TransitionRecord> Drain(AlertStore& alerts, Millis now) {
    std::vector<TransitionRecord> seen;
    auto taken = alerts.Dispatch(now, 100, [&](const DispatchInput& in) {
      DispatchWrites w;
      for (const TransitionRecord& t : in.transitions) {
        seen.push_back(t);
        w.outbox_done.push_back(t.outbox_id);
        w.notifications.push_back(Note("dlv-" + std::to_string(t.outbox_id) + "-" +
                                           std::to_string(reinterpret_cast<uintptr_t>(&alerts)),
                                       "ev:" + std::to_string(t.event_id), now));
      }
      return Result<DispatchWrites>(std::move(w));
    });
    EXPECT_TRUE(taken.ok()) << taken.status().ToString();
    return seen;
  }

  static NotificationRecord Note(const std::string& id, const std::string& key, Millis now) {
    NotificationRecord n;
    n.id = id;
    n.key = key;
    n.channel_id = "chn-1";
    n.event = "off";
    n.payload = "{}";
    n.state = "pending";
    n.next_at = now;
    n.created_at = now;
    return n;
  }

  std::shared_ptr<AlertStore> alerts_;
};
TYPED_TEST_SUITE(AlertStoreContractTest, StoreFactories, FactoryNames);

TYPED_TEST(AlertStoreContractTest, ChannelsReadBackAndNamesAreUnique) {
  ChannelRecord c{"chn-1", "ops hook", "webhook", R"({"url":"http://x"})", kT0, kT0};
  ASSERT_TRUE(this->alerts_->CreateChannel(c).ok());
  auto got = this->alerts_->GetChannel("chn-1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "ops hook");
  EXPECT_EQ(got->config, R"({"url":"http://x"})");
  Status dup = this->alerts_->CreateChannel({"chn-2", "ops hook", "email", "{}", kT0, kT0});
  EXPECT_EQ(dup.code(), Code::kConflict);
  EXPECT_EQ(dup.field(), "name");
  c.name = "renamed";
  ASSERT_TRUE(this->alerts_->UpdateChannel(c).ok());
  EXPECT_EQ(this->alerts_->ListChannels()->front().name, "renamed");
  c.id = "chn-none";
  EXPECT_EQ(this->alerts_->UpdateChannel(c).code(), Code::kNotFound);
  EXPECT_EQ(this->alerts_->GetChannel("chn-none").status().code(), Code::kNotFound);
}

TYPED_TEST(AlertStoreContractTest, RulesReadBackAndHoldTheirChannels) {
  ASSERT_TRUE(this->alerts_->CreateChannel({"chn-1", "a", "webhook", "{}", kT0, kT0}).ok());
  RuleRecord r;
  r.id = "rul-1";
  r.name = "all";
  r.channels = {"chn-1"};
  r.tags = {"db", "eu"};
  r.events = {"off"};
  r.after_seconds = 30;
  r.repeat_minutes = 5;
  ASSERT_TRUE(this->alerts_->CreateRule(r).ok());
  auto got = this->alerts_->GetRule("rul-1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->channels, std::vector<std::string>({"chn-1"}));
  EXPECT_EQ(got->tags, std::vector<std::string>({"db", "eu"}));
  EXPECT_TRUE(got->server_ids.empty());
  EXPECT_EQ(got->after_seconds, 30);
  EXPECT_EQ(got->repeat_minutes, 5);
  Status used = this->alerts_->DeleteChannel("chn-1");
  EXPECT_EQ(used.code(), Code::kConflict);
  EXPECT_EQ(used.field(), "channel_id");
  ASSERT_TRUE(this->alerts_->DeleteRule("rul-1").ok());
  EXPECT_TRUE(this->alerts_->DeleteChannel("chn-1").ok());
  EXPECT_EQ(this->alerts_->DeleteRule("rul-1").code(), Code::kNotFound);
}

TYPED_TEST(AlertStoreContractTest, TransitionsReachTheOutboxButCreationsDoNot) {
  this->Create(Input("a", "a"), kT0);  // cause "created": not an alert
  this->Apply({Beat("a", kT0 + 1000, "a", "10.0.0.1", 1)});
  this->Sweep(kT0 + 10'000, 0);
  auto seen = this->Drain(*this->alerts_, kT0 + 10'000);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].status, ServerStatus::kOn);
  EXPECT_EQ(seen[0].server_id, "a");
  EXPECT_EQ(seen[0].ipv4, "10.0.0.1");
  EXPECT_EQ(seen[1].status, ServerStatus::kOff);
  EXPECT_EQ(seen[1].at, kT0 + 2000);                               // last_seen + interval
  EXPECT_TRUE(this->Drain(*this->alerts_, kT0 + 11'000).empty());  // taken once
}

TYPED_TEST(AlertStoreContractTest, ATransitionCarriesItsServersTags) {
  ServerInput in = Input("t", "t");
  in.tags = {"prod", "rack:b7"};
  this->Create(in, kT0);
  this->Apply({Beat("t", kT0 + 1000, "t", "10.0.0.2", 1)});
  auto seen = this->Drain(*this->alerts_, kT0 + 1000);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].tags, std::vector<std::string>({"prod", "rack:b7"}));  // rules match on them
}

TYPED_TEST(AlertStoreContractTest, APlanThatFailsWritesNothing) {
  this->Create(Input("a", "a"), kT0);
  this->Apply({Beat("a", kT0, "a", "", 1)});
  auto failed = this->alerts_->Dispatch(kT0, 100, [](const DispatchInput&) {
    return Result<DispatchWrites>(Status::Internal("boom"));
  });
  EXPECT_EQ(failed.status().code(), Code::kInternal);
  EXPECT_EQ(this->Drain(*this->alerts_, kT0).size(), 1u);  // still there
}

TYPED_TEST(AlertStoreContractTest, TwoDispatchersMakeOneNotificationPerKey) {
  for (int i = 0; i < 50; ++i) {
    this->Create(Input("s" + std::to_string(i), "s" + std::to_string(i)), kT0);
    this->Apply({Beat("s" + std::to_string(i), kT0, "", "", 1)});
  }
  StorePtr other = this->factory_.Another();
  auto other_alerts = std::dynamic_pointer_cast<AlertStore>(other);
  std::thread t([&] { this->Drain(*other_alerts, kT0); });
  this->Drain(*this->alerts_, kT0);
  t.join();
  auto all = this->alerts_->ListDeliveries({"", "", 1000});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 50u);
  // The key is what makes it one: the same key again is refused.
  NotificationRecord again = this->Note("dlv-x", all->front().key, kT0);
  EXPECT_EQ(this->alerts_->EnqueueNotification(again).code(), Code::kConflict);
}

TYPED_TEST(AlertStoreContractTest, AClaimHoldsUntilItsLeaseRunsOut) {
  ASSERT_TRUE(this->alerts_->EnqueueNotification(this->Note("dlv-1", "k1", kT0)).ok());
  auto first = this->alerts_->ClaimDeliveries(kT0, 5000, 10);
  ASSERT_EQ(first->size(), 1u);
  EXPECT_TRUE(this->alerts_->ClaimDeliveries(kT0 + 4999, 5000, 10)->empty());
  auto again = this->alerts_->ClaimDeliveries(kT0 + 5000, 5000, 10);  // the claimant died
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ(again->front().id, "dlv-1");
  ASSERT_TRUE(
      this->alerts_->FinishDelivery("dlv-1", {"pending", 1, kT0 + 8000, "HTTP 500", kT0 + 5000})
          .ok());
  EXPECT_TRUE(this->alerts_->ClaimDeliveries(kT0 + 7999, 5000, 10)->empty());
  auto retry = this->alerts_->ClaimDeliveries(kT0 + 8000, 5000, 10);
  ASSERT_EQ(retry->size(), 1u);
  EXPECT_EQ(retry->front().attempts, 1);
  ASSERT_TRUE(this->alerts_->FinishDelivery("dlv-1", {"dead", 2, 0, "HTTP 500", kT0 + 9000}).ok());
  auto dead = this->alerts_->ListDeliveries({"dead", "", 10});
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ(dead->front().error, "HTTP 500");
  EXPECT_EQ(dead->front().done_at, kT0 + 9000);
  EXPECT_EQ(this->alerts_->FinishDelivery("dlv-none", {"sent", 1, 0, "", kT0}).code(),
            Code::kNotFound);
}

TYPED_TEST(AlertStoreContractTest, AnAckMovesOnlyAnOpenAlert) {
  auto write = [&](const AlertRecord& a) {
    auto r = this->alerts_->Dispatch(kT0, 10, [&](const DispatchInput&) {
      DispatchWrites w;
      w.alerts.push_back(a);
      return Result<DispatchWrites>(std::move(w));
    });
    ASSERT_TRUE(r.ok());
  };
  AlertRecord a;
  a.id = "alr-1";
  a.rule_id = "rul-1";
  a.server_id = "web-01";
  a.event = "off";
  a.state = "pending";
  a.server = "{}";
  write(a);
  EXPECT_EQ(this->alerts_->GetAlert("alr-1").status().code(), Code::kNotFound);  // not shown
  EXPECT_TRUE(this->alerts_->ListAlerts({})->empty());
  a.state = "open";
  a.since = kT0;
  a.next_repeat_at = kT0 + 60'000;
  write(a);
  auto acked = this->alerts_->AckAlert("alr-1", "ops", kT0 + 5);
  ASSERT_TRUE(acked.ok());
  EXPECT_EQ(acked->state, "acknowledged");
  EXPECT_EQ(acked->acked_by, "ops");
  EXPECT_EQ(acked->next_repeat_at, 0);
  a.state = "resolved";
  write(a);
  EXPECT_EQ(this->alerts_->AckAlert("alr-1", "ops", kT0 + 9)->state, "resolved");
  EXPECT_EQ(this->alerts_->ListAlerts({"web-01", "resolved", 0, 0, 10})->size(), 1u);
  EXPECT_TRUE(this->alerts_->ListAlerts({"web-02", "", 0, 0, 10})->empty());
  EXPECT_TRUE(this->alerts_->ListAlerts({"", "", kT0 + 1, 0, 10})->empty());
}

}  // namespace
}  // namespace sms::store::testing
