#pragma once
// FaultyBus: a Bus wrapper for tests that injects the failures a real broker has, like
// leveldb's fault_injection_test wraps Env. It can fail the Nth Publish, fail Commits, and
// "crash" consumers: drop their inner consumer without committing, as a killed worker would,
// so tests can prove that delivery is at-least-once. Everything else goes to the inner bus.
//
// Thread-safe. The fault settings apply to every consumer this bus handed out.

#include <cstdint>
#include <memory>
#include <string>

#include "bus/bus.h"

namespace sms::bus {

class FaultyBus final : public Bus {
 public:
  // REQUIRES: inner != nullptr.
  explicit FaultyBus(BusPtr inner);
  ~FaultyBus() override;

  // The nth Publish from now (1 = the next) answers Unavailable and does not reach the inner
  // bus; the others go through. Replaces an earlier FailPublishAt; n <= 0 cancels it.
  void FailPublishAt(int64_t n);
  // The next `count` Commit calls (on any consumer) answer Unavailable and commit nothing:
  // the messages stay in flight for that consumer.
  void FailNextCommits(int count);
  // The nth Commit from now (1 = the next, on any consumer) crashes its consumer instead of
  // committing (see CrashConsumers) and answers Unavailable. n <= 0 cancels it.
  void CrashOnCommitAt(int64_t n);
  // Crashes every live consumer now: each drops its inner consumer without committing, so its
  // in-flight messages go back to its group; from then on its Poll and Commit answer
  // Unavailable "consumer crashed". Waits for a Poll in progress to end. Returns how many
  // consumers crashed.
  int CrashConsumers();

  // While set, Ping answers Unavailable, as a bus whose brokers are down would (the rest
  // goes on working, so tests can tell what reacts to reachability).
  void SetUnreachable(bool unreachable);
  // While set, the bus cannot tell how far its groups have read, as a Kafka too busy to answer
  // offset requests in time: Depth answers 0 (its "unknown") and ConsumedThrough Unavailable.
  void SetOffsetsUnknown(bool unknown);

  // While set, the durability of published messages is not reported: their Delivered
  // callbacks wait (the messages themselves reach the inner bus), as behind a slow disk or
  // broker. Clearing it reports every held one.
  void HoldDeliveries(bool hold);
  // Delivered callbacks held now.
  size_t held_deliveries() const;
  // Tells every held Delivered that its message was lost (Unavailable), as a broker that
  // never acknowledges or a disk that fails would; later ones are held as before.
  void LoseHeldDeliveries();

  int64_t publish_calls() const;     // Publish calls seen, failed ones included
  int64_t failed_publishes() const;  // Publish calls answered with an injected failure

  using Bus::Publish;
  Status Publish(const std::string& topic, const std::string& key, const std::string& payload,
                 Delivered delivered) override;
  bool durable() const override { return inner_->durable(); }
  bool shared() const override { return inner_->shared(); }
  // The consumer it returns obeys the faults above.
  Result<std::unique_ptr<Consumer>> Subscribe(const std::string& topic,
                                              const std::string& group) override;
  Result<int64_t> Depth(const std::string& topic) override;
  Result<std::optional<Millis>> ConsumedThrough(const std::string& topic,
                                                const std::string& group) override;
  Status Flush(std::chrono::milliseconds timeout) override;
  Status Ping() override;
  void RegisterMetrics(metrics::Metrics& registry) override { inner_->RegisterMetrics(registry); }

 private:
  struct Faults;         // the settings and counters, shared with the consumers
  class FaultyConsumer;  // the Consumer handed out by Subscribe

  const BusPtr inner_;
  const std::shared_ptr<Faults> faults_;
};

}  // namespace sms::bus
