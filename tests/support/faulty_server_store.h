#pragma once
// FaultyServers: the layer of a faulty store (faulty_store.h) that forwards ServerStore, failing
// calls as the switches say (fault_switches.h), and records what ApplyHeartbeats was asked.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/server_store.h"
#include "support/fault_switches.h"

namespace sms::testing {

template <class Base>
class FaultyServers : public Base {
 public:
  template <class Inner>
  explicit FaultyServers(const std::shared_ptr<Inner>& inner) : Base(inner), servers_(inner) {}

  // The next `n` ApplyHeartbeats calls fail with Unavailable and write nothing.
  void FailNextApplies(int n) { fail_applies_ = n; }
  int apply_calls() const { return apply_calls_; }
  // known_on sizes seen by each ApplyHeartbeats call.
  std::vector<size_t> known_on_sizes() const {
    std::lock_guard<std::mutex> l(mu_);
    return known_on_sizes_;
  }

  Result<Server> CreateServer(const ServerInput& in, Millis now) override {
    return this->Write([&] { return servers_->CreateServer(in, now); });
  }
  Result<Server> GetServer(const std::string& id) override {
    return this->Read([&] { return servers_->GetServer(id); });
  }
  Result<Server> UpdateServer(const std::string& id, const ServerPatch& p, Millis now) override {
    return this->Write([&] { return servers_->UpdateServer(id, p, now); });
  }
  Status DeleteServer(const std::string& id) override {
    return this->Write([&] { return servers_->DeleteServer(id); });
  }
  Result<ServerPage> ListServers(const ServerQuery& q) override {
    return this->Read([&] { return servers_->ListServers(q); });
  }
  Result<FleetStats> Stats() override {
    return this->Read([&] { return servers_->Stats(); });
  }
  Result<store::ImportResult> ImportServers(const std::vector<ServerInput>& rows,
                                            Millis now) override {
    return this->Write([&] { return servers_->ImportServers(rows, now); });
  }
  Status ScanServers(const ServerQuery& q,
                     const std::function<Status(const Server&)>& each) override {
    return this->Read([&] { return servers_->ScanServers(q, each); });
  }
  Result<store::ApplyResult> ApplyHeartbeats(const std::vector<Heartbeat>& batch,
                                             const store::ApplyOptions& options) override {
    ++apply_calls_;
    {
      std::lock_guard<std::mutex> l(mu_);
      known_on_sizes_.push_back(options.known_on.size());
    }
    return this->Write([&]() -> Result<store::ApplyResult> {
      if (fail_applies_ > 0) {
        --fail_applies_;
        return Status::Unavailable("injected failure");
      }
      return servers_->ApplyHeartbeats(batch, options);
    });
  }
  Result<store::SweepResult> SweepOffline(Millis now, Millis grace) override {
    return this->Write([&] { return servers_->SweepOffline(now, grace); });
  }
  Result<std::vector<StatusEvent>> ListEvents(const std::string& id, Millis from,
                                              Millis to) override {
    return this->Read([&] { return servers_->ListEvents(id, from, to); });
  }
  Result<std::vector<store::ServerTimeline>> Timelines(Millis from, Millis to) override {
    return this->Read([&] { return servers_->Timelines(from, to); });
  }

 private:
  store::ServerStorePtr servers_;
  std::atomic<int> fail_applies_{0};
  std::atomic<int> apply_calls_{0};
  mutable std::mutex mu_;
  std::vector<size_t> known_on_sizes_;
};

}  // namespace sms::testing
