#pragma once
// FaultyStore: wraps a Store and fails chosen calls, to prove that callers retry and lose
// nothing. Also records what ApplyHeartbeats was asked, for tests of the cheap path.
// Thread-safe.

#include <atomic>
#include <mutex>
#include <vector>

#include "store/store.h"

namespace sms::testing {

class FaultyStore final : public store::Store {
 public:
  explicit FaultyStore(store::StorePtr inner) : inner_(std::move(inner)) {}

  // The next `n` ApplyHeartbeats calls fail with Unavailable and write nothing.
  void FailNextApplies(int n) { fail_applies_ = n; }
  // While set, Ping and every call fail with Unavailable (a database that is down).
  void SetDown(bool down) { down_ = down; }
  // While set, every write (ApplyHeartbeats, SweepOffline and every call that creates, updates
  // or deletes) fails with Unavailable "database or disk is full" and writes nothing; Ping and
  // reads still answer (a full disk).
  void SetWritesFail(bool fail) { writes_fail_ = fail; }
  int apply_calls() const { return apply_calls_; }
  // known_on sizes seen by each ApplyHeartbeats call.
  std::vector<size_t> known_on_sizes() const {
    std::lock_guard<std::mutex> l(mu_);
    return known_on_sizes_;
  }

  Status Ping() override { return down_ ? Down() : inner_->Ping(); }
  Result<Server> CreateServer(const ServerInput& in, Millis now) override {
    if (WritesFail()) return WriteError();
    return inner_->CreateServer(in, now);
  }
  Result<Server> GetServer(const std::string& id) override {
    if (down_) return Down();
    return inner_->GetServer(id);
  }
  Result<Server> UpdateServer(const std::string& id, const ServerPatch& p, Millis now) override {
    if (WritesFail()) return WriteError();
    return inner_->UpdateServer(id, p, now);
  }
  Status DeleteServer(const std::string& id) override {
    return WritesFail() ? WriteError() : inner_->DeleteServer(id);
  }
  Result<ServerPage> ListServers(const ServerQuery& q) override {
    if (down_) return Down();
    return inner_->ListServers(q);
  }
  Result<FleetStats> Stats() override {
    if (down_) return Down();
    return inner_->Stats();
  }
  Result<store::ImportResult> ImportServers(const std::vector<ServerInput>& rows,
                                            Millis now) override {
    if (WritesFail()) return WriteError();
    return inner_->ImportServers(rows, now);
  }
  Status ScanServers(const ServerQuery& q,
                     const std::function<Status(const Server&)>& each) override {
    return down_ ? Down() : inner_->ScanServers(q, each);
  }
  Result<store::ApplyResult> ApplyHeartbeats(const std::vector<Heartbeat>& batch,
                                             const store::ApplyOptions& options) override {
    ++apply_calls_;
    {
      std::lock_guard<std::mutex> l(mu_);
      known_on_sizes_.push_back(options.known_on.size());
    }
    if (WritesFail()) return WriteError();
    if (fail_applies_ > 0) {
      --fail_applies_;
      return Status::Unavailable("injected failure");
    }
    return inner_->ApplyHeartbeats(batch, options);
  }
  Result<store::SweepResult> SweepOffline(Millis now, Millis grace) override {
    if (WritesFail()) return WriteError();
    return inner_->SweepOffline(now, grace);
  }
  Result<std::vector<StatusEvent>> ListEvents(const std::string& id, Millis from,
                                              Millis to) override {
    if (down_) return Down();
    return inner_->ListEvents(id, from, to);
  }
  Result<std::vector<store::ServerTimeline>> Timelines(Millis from, Millis to) override {
    if (down_) return Down();
    return inner_->Timelines(from, to);
  }
  Status InsertReport(const store::ReportRecord& report) override {
    if (WritesFail()) return WriteError();
    return inner_->InsertReport(report);
  }
  Result<store::ReportRecord> GetReport(const std::string& id) override {
    if (down_) return Down();
    return inner_->GetReport(id);
  }
  Status MarkReportQueued(const std::string& id, Millis at) override {
    if (WritesFail()) return WriteError();
    return inner_->MarkReportQueued(id, at);
  }
  Result<std::vector<store::ReportRecord>> UnqueuedReports(Millis before, int limit) override {
    if (down_) return Down();
    return inner_->UnqueuedReports(before, limit);
  }
  Result<std::vector<store::ReportRecord>> UnsentReports(Millis since, int limit) override {
    if (down_) return Down();
    return inner_->UnsentReports(since, limit);
  }
  Result<std::optional<store::MailOutcome>> GetMailOutcome(const std::string& id) override {
    if (down_) return Down();
    return inner_->GetMailOutcome(id);
  }
  Status PutMailOutcome(const std::string& id, const store::MailOutcome& outcome) override {
    if (WritesFail()) return WriteError();
    return inner_->PutMailOutcome(id, outcome);
  }
  Status CreateUser(const store::UserRecord& user) override {
    return WritesFail() ? WriteError() : inner_->CreateUser(user);
  }
  Result<store::UserRecord> GetUser(const std::string& username) override {
    if (down_) return Down();
    return inner_->GetUser(username);
  }
  Result<std::vector<store::UserRecord>> ListUsers() override {
    if (down_) return Down();
    return inner_->ListUsers();
  }
  Result<int64_t> CountUsers() override {
    if (down_) return Down();
    return inner_->CountUsers();
  }
  Result<store::UserRecord> UpdateUser(const std::string& username, const store::UserPatch& patch,
                                       Millis now) override {
    if (WritesFail()) return WriteError();
    return inner_->UpdateUser(username, patch, now);
  }
  Status DeleteUser(const std::string& username) override {
    return WritesFail() ? WriteError() : inner_->DeleteUser(username);
  }
  Status InsertSession(const store::SessionRecord& session) override {
    return WritesFail() ? WriteError() : inner_->InsertSession(session);
  }
  Result<std::optional<store::UserRecord>> SessionUser(const std::string& jti,
                                                       Millis now) override {
    if (down_) return Down();
    return inner_->SessionUser(jti, now);
  }
  Status DeleteSession(const std::string& jti) override {
    return WritesFail() ? WriteError() : inner_->DeleteSession(jti);
  }
  Status InsertApiToken(const store::ApiTokenRecord& token) override {
    return WritesFail() ? WriteError() : inner_->InsertApiToken(token);
  }
  Result<std::optional<std::pair<store::ApiTokenRecord, store::UserRecord>>> ApiTokenUser(
      const std::string& token_id, Millis now) override {
    if (down_) return Down();
    return inner_->ApiTokenUser(token_id, now);
  }
  Result<std::vector<store::ApiTokenRecord>> ListApiTokens(const std::string& username) override {
    if (down_) return Down();
    return inner_->ListApiTokens(username);
  }
  Status DeleteApiToken(const std::string& token_id, const std::string& username) override {
    return WritesFail() ? WriteError() : inner_->DeleteApiToken(token_id, username);
  }
  Result<store::PruneCounts> Prune(const store::PruneRequest& request) override {
    if (down_) return Down();
    return inner_->Prune(request);
  }
  Result<bool> ClaimRun(const std::string& job, Millis now, Millis next) override {
    if (down_) return Down();
    return inner_->ClaimRun(job, now, next);
  }

 private:
  static Status Down() { return Status::Unavailable("store is down (injected)"); }
  bool WritesFail() const { return down_ || writes_fail_; }
  Status WriteError() const {
    return down_ ? Down() : Status::Unavailable("database or disk is full (injected)");
  }
  store::StorePtr inner_;
  std::atomic<int> fail_applies_{0};
  std::atomic<bool> down_{false};
  std::atomic<bool> writes_fail_{false};
  std::atomic<int> apply_calls_{0};
  mutable std::mutex mu_;
  std::vector<size_t> known_on_sizes_;
};

}  // namespace sms::testing
