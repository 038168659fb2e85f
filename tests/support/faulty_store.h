#pragma once
// FaultyStore: wraps a Store and fails chosen calls, to prove that callers retry and lose
// nothing. Also records what ApplyHeartbeats was asked, for tests of the cheap path.
// Thread-safe.
//
// Built of one layer per interface of Store (FaultyServers, FaultyReports, …), each forwarding
// the methods of its interface: a method added to an interface is forwarded in its layer only.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/store.h"
#include "support/faulty_identity_store.h"
#include "support/faulty_server_store.h"

namespace sms::testing {

template <class Base>
class FaultyReports : public Base {
 public:
  template <class Inner>
  explicit FaultyReports(const std::shared_ptr<Inner>& inner) : Base(inner), reports_(inner) {}

  Status InsertReport(const store::ReportRecord& report) override {
    return this->Write([&] { return reports_->InsertReport(report); });
  }
  Result<store::ReportRecord> GetReport(const std::string& id) override {
    return this->Read([&] { return reports_->GetReport(id); });
  }
  Status MarkReportQueued(const std::string& id, Millis at) override {
    return this->Write([&] { return reports_->MarkReportQueued(id, at); });
  }
  Result<std::vector<store::ReportRecord>> UnqueuedReports(Millis before, int limit) override {
    return this->Read([&] { return reports_->UnqueuedReports(before, limit); });
  }
  Result<std::vector<store::ReportRecord>> UnsentReports(Millis since, int limit) override {
    return this->Read([&] { return reports_->UnsentReports(since, limit); });
  }
  Result<std::optional<store::MailOutcome>> GetMailOutcome(const std::string& id) override {
    return this->Read([&] { return reports_->GetMailOutcome(id); });
  }
  Status PutMailOutcome(const std::string& id, const store::MailOutcome& outcome) override {
    return this->Write([&] { return reports_->PutMailOutcome(id, outcome); });
  }

 private:
  store::ReportStorePtr reports_;
};

template <class Base>
class FaultyDashboard : public Base {
 public:
  template <class Inner>
  explicit FaultyDashboard(const std::shared_ptr<Inner>& inner) : Base(inner), dash_(inner) {}

  Result<std::vector<store::FeedEvent>> EventsAfter(int64_t after, int limit) override {
    return this->Read([&] { return dash_->EventsAfter(after, limit); });
  }
  Result<int64_t> LastEventSeq() override {
    return this->Read([&] { return dash_->LastEventSeq(); });
  }
  Status RecordFleetMinute(const store::FleetMinute& m) override {
    return this->Write([&] { return dash_->RecordFleetMinute(m); });
  }
  Result<std::vector<store::FleetMinute>> FleetSeries(Millis from, Millis to,
                                                      Millis step) override {
    return this->Read([&] { return dash_->FleetSeries(from, to, step); });
  }
  Status RecordUptimeDay(const store::UptimeDay& d) override {
    return this->Write([&] { return dash_->RecordUptimeDay(d); });
  }
  Result<std::vector<store::UptimeDay>> UptimeDays(Millis from, Millis to) override {
    return this->Read([&] { return dash_->UptimeDays(from, to); });
  }

 private:
  store::DashboardStorePtr dash_;
};

// Prune fails while the store is down, not on a full disk.
template <class Base>
class FaultyRetention : public Base {
 public:
  template <class Inner>
  explicit FaultyRetention(const std::shared_ptr<Inner>& inner) : Base(inner), retention_(inner) {}

  Result<store::PruneCounts> Prune(const store::PruneRequest& request) override {
    return this->Read([&] { return retention_->Prune(request); });
  }

 private:
  store::RetentionStorePtr retention_;
};

// ClaimRun fails while the store is down, not on a full disk.
template <class Base>
class FaultySchedule : public Base {
 public:
  template <class Inner>
  explicit FaultySchedule(const std::shared_ptr<Inner>& inner) : Base(inner), schedule_(inner) {}

  Result<bool> ClaimRun(const std::string& job, Millis now, Millis next) override {
    return this->Read([&] { return schedule_->ClaimRun(job, now, next); });
  }

 private:
  store::ScheduleStorePtr schedule_;
};

using FaultyStoreLayers = FaultyServers<FaultyReports<
    FaultyIdentity<FaultyDashboard<FaultyRetention<FaultySchedule<FaultSwitches<store::Store>>>>>>>;

class FaultyStore final : public FaultyStoreLayers {
 public:
  explicit FaultyStore(store::StorePtr inner) : FaultyStoreLayers(inner), inner_(inner) {}

  Status Ping() override {
    return this->Read([&] { return inner_->Ping(); });
  }

 private:
  store::StorePtr inner_;
};

}  // namespace sms::testing
