#include "bus/faulty_bus.h"

#include <mutex>
#include <utility>
#include <vector>

namespace sms::bus {
namespace {

// One consumer handed out by FaultyBus. `inner` is null once the consumer crashed.
struct Slot {
  std::mutex mu;
  std::unique_ptr<Consumer> inner;

  // Drops the inner consumer without committing. False if it had crashed already.
  bool Crash() {
    std::unique_ptr<Consumer> dropped;
    std::lock_guard lock(mu);
    dropped = std::move(inner);
    return dropped != nullptr;
  }
};

Status Crashed() { return Status::Unavailable("consumer crashed"); }

enum class CommitFault { kNone, kFail, kCrash };

}  // namespace

struct FaultyBus::Faults {
  // Decides what the next Commit does, and counts it.
  CommitFault NextCommit() {
    std::lock_guard lock(mu);
    ++commit_calls;
    if (commit_calls == crash_commit_at) return CommitFault::kCrash;
    if (fail_commits > 0) {
      --fail_commits;
      return CommitFault::kFail;
    }
    return CommitFault::kNone;
  }

  std::mutex mu;
  int64_t publish_calls = 0;
  int64_t failed_publishes = 0;
  int64_t fail_publish_at = 0;  // the value of publish_calls whose call fails; 0: none
  int64_t commit_calls = 0;
  int64_t crash_commit_at = 0;  // the value of commit_calls whose call crashes; 0: none
  int fail_commits = 0;
  bool unreachable = false;
  bool offsets_unknown = false;
  bool hold_deliveries = false;
  std::vector<std::pair<Delivered, Status>> held;  // while hold_deliveries
  std::vector<std::weak_ptr<Slot>> slots;  // every consumer handed out, live or not
};

class FaultyBus::FaultyConsumer final : public Consumer {
 public:
  FaultyConsumer(std::shared_ptr<Faults> faults, std::shared_ptr<Slot> slot)
      : faults_(std::move(faults)), slot_(std::move(slot)) {}

  Result<std::vector<Message>> Poll(size_t max, std::chrono::milliseconds timeout) override {
    std::lock_guard lock(slot_->mu);
    if (slot_->inner == nullptr) return Crashed();
    return slot_->inner->Poll(max, timeout);
  }

  Status Commit(const std::vector<Millis>& times) override {
    switch (faults_->NextCommit()) {
      case CommitFault::kCrash:
        slot_->Crash();
        return Crashed();
      case CommitFault::kFail:
        return Status::Unavailable("injected commit failure");
      case CommitFault::kNone:
        break;
    }
    std::lock_guard lock(slot_->mu);
    if (slot_->inner == nullptr) return Crashed();
    return slot_->inner->Commit(times);
  }

 private:
  const std::shared_ptr<Faults> faults_;
  const std::shared_ptr<Slot> slot_;
};

FaultyBus::FaultyBus(BusPtr inner)
    : inner_(std::move(inner)), faults_(std::make_shared<Faults>()) {}

FaultyBus::~FaultyBus() = default;

void FaultyBus::FailPublishAt(int64_t n) {
  std::lock_guard lock(faults_->mu);
  faults_->fail_publish_at = n > 0 ? faults_->publish_calls + n : 0;
}

void FaultyBus::FailNextCommits(int count) {
  std::lock_guard lock(faults_->mu);
  faults_->fail_commits = count > 0 ? count : 0;
}

void FaultyBus::CrashOnCommitAt(int64_t n) {
  std::lock_guard lock(faults_->mu);
  faults_->crash_commit_at = n > 0 ? faults_->commit_calls + n : 0;
}

int FaultyBus::CrashConsumers() {
  std::vector<std::shared_ptr<Slot>> live;
  {
    std::lock_guard lock(faults_->mu);
    for (const auto& weak : faults_->slots) {
      if (auto slot = weak.lock()) live.push_back(std::move(slot));
    }
  }
  int crashed = 0;
  for (const auto& slot : live) crashed += slot->Crash() ? 1 : 0;
  return crashed;
}

void FaultyBus::SetUnreachable(bool unreachable) {
  std::lock_guard lock(faults_->mu);
  faults_->unreachable = unreachable;
}

void FaultyBus::SetOffsetsUnknown(bool unknown) {
  std::lock_guard lock(faults_->mu);
  faults_->offsets_unknown = unknown;
}

int64_t FaultyBus::publish_calls() const {
  std::lock_guard lock(faults_->mu);
  return faults_->publish_calls;
}

int64_t FaultyBus::failed_publishes() const {
  std::lock_guard lock(faults_->mu);
  return faults_->failed_publishes;
}

void FaultyBus::HoldDeliveries(bool hold) {
  std::vector<std::pair<Delivered, Status>> release;
  {
    std::lock_guard lock(faults_->mu);
    faults_->hold_deliveries = hold;
    if (!hold) release.swap(faults_->held);
  }
  for (auto& [delivered, status] : release) delivered(status);
}

void FaultyBus::LoseHeldDeliveries() {
  std::vector<std::pair<Delivered, Status>> lost;
  {
    std::lock_guard lock(faults_->mu);
    lost.swap(faults_->held);
  }
  for (auto& held : lost) held.first(Status::Unavailable("injected: message lost"));
}

size_t FaultyBus::held_deliveries() const {
  std::lock_guard lock(faults_->mu);
  return faults_->held.size();
}

Status FaultyBus::Publish(const std::string& topic, const std::string& key,
                          const std::string& payload, Delivered delivered) {
  {
    std::lock_guard lock(faults_->mu);
    if (++faults_->publish_calls == faults_->fail_publish_at) {
      ++faults_->failed_publishes;
      return Status::Unavailable("injected publish failure");
    }
  }
  if (!delivered) return inner_->Publish(topic, key, payload);
  return inner_->Publish(topic, key, payload,
                         [faults = faults_, delivered = std::move(delivered)](const Status& s) {
                           {
                             std::lock_guard lock(faults->mu);
                             if (faults->hold_deliveries) {
                               faults->held.emplace_back(delivered, s);
                               return;
                             }
                           }
                           delivered(s);
                         });
}

Result<std::unique_ptr<Consumer>> FaultyBus::Subscribe(const std::string& topic,
                                                       const std::string& group) {
  auto inner = inner_->Subscribe(topic, group);
  if (!inner.ok()) return inner.status();
  auto slot = std::make_shared<Slot>();
  slot->inner = std::move(inner).value();
  {
    std::lock_guard lock(faults_->mu);
    std::erase_if(faults_->slots, [](const std::weak_ptr<Slot>& s) { return s.expired(); });
    faults_->slots.push_back(slot);
  }
  return std::unique_ptr<Consumer>(std::make_unique<FaultyConsumer>(faults_, std::move(slot)));
}

Result<int64_t> FaultyBus::Depth(const std::string& topic) {
  {
    std::lock_guard lock(faults_->mu);
    if (faults_->offsets_unknown) return Status::Unavailable("injected: offsets unknown");
  }
  return inner_->Depth(topic);
}

Result<std::optional<Millis>> FaultyBus::ConsumedThrough(const std::string& topic,
                                                         const std::string& group) {
  {
    std::lock_guard lock(faults_->mu);
    if (faults_->offsets_unknown) return Status::Unavailable("injected: offsets unknown");
  }
  return inner_->ConsumedThrough(topic, group);
}

Status FaultyBus::Flush(std::chrono::milliseconds timeout) { return inner_->Flush(timeout); }

Status FaultyBus::Ping() {
  {
    std::lock_guard lock(faults_->mu);
    if (faults_->unreachable) return Status::Unavailable("injected: brokers unreachable");
  }
  return inner_->Ping();
}

}  // namespace sms::bus
