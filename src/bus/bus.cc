#include "bus/bus.h"

#include <limits>

#include "bus/kafka_bus.h"
#include "bus/memory_bus.h"
#include "metrics/metrics.h"

namespace sms::bus {
namespace {

// Names every topic and group with a prefix, whatever the bus underneath.
class PrefixedBus final : public Bus {
 public:
  PrefixedBus(BusPtr inner, std::string prefix)
      : inner_(std::move(inner)), prefix_(std::move(prefix)) {}

  using Bus::Publish;
  Status Publish(const std::string& topic, const std::string& key, const std::string& payload,
                 Delivered delivered) override {
    return inner_->Publish(prefix_ + topic, key, payload, std::move(delivered));
  }
  bool durable() const override { return inner_->durable(); }
  bool shared() const override { return inner_->shared(); }
  Result<std::unique_ptr<Consumer>> Subscribe(const std::string& topic,
                                              const std::string& group) override {
    return inner_->Subscribe(prefix_ + topic, prefix_ + group);
  }
  Result<int64_t> Depth(const std::string& topic) override {
    return inner_->Depth(prefix_ + topic);
  }
  Result<std::optional<Millis>> ConsumedThrough(const std::string& topic,
                                                const std::string& group) override {
    return inner_->ConsumedThrough(prefix_ + topic, prefix_ + group);
  }
  Status Flush(std::chrono::milliseconds timeout) override { return inner_->Flush(timeout); }
  Status Ping() override { return inner_->Ping(); }
  void RegisterMetrics(metrics::Metrics& registry) override { inner_->RegisterMetrics(registry); }

 private:
  BusPtr inner_;
  std::string prefix_;
};

bool ValidPrefix(const std::string& prefix) {
  if (prefix.size() > 100) return false;
  for (char c : prefix) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<BusPtr> MakeUnprefixed(const BusConfig& config) {
  if (!config.brokers.empty()) {
    auto kafka = KafkaBus::Open(config);
    if (!kafka.ok()) return kafka.status();
    return BusPtr(std::move(kafka).value());
  }
  if (config.journal_dir.empty()) return BusPtr(std::make_shared<MemoryBus>(config.queue_capacity));
  // The dead-letter topic has no reader in one process; what lands there is recorded in the
  // store's mail outcomes, so it needs no journal.
  auto bus = MemoryBus::Open(config.queue_capacity,
                             JournalOptions{.dir = config.journal_dir, .lanes = config.journal_lanes},
                             {config.topic_prefix + kHeartbeatTopic,
                              config.topic_prefix + kMailTopic});
  if (!bus.ok()) return bus.status();
  return BusPtr(std::move(bus).value());
}

}  // namespace

Result<BusPtr> MakeBus(const BusConfig& config) {
  if (config.queue_capacity == 0) {
    return Status::InvalidArgument("bus queue capacity must be positive", "bus_queue_capacity");
  }
  if (config.topic_prefix.empty()) return MakeUnprefixed(config);
  if (!ValidPrefix(config.topic_prefix)) {
    return Status::InvalidArgument(
        "the topic prefix may hold at most 100 of the characters [A-Za-z0-9._-]",
        "kafka_topic_prefix");
  }
  BusConfig inner = config;
  inner.depth_group = config.topic_prefix + config.depth_group;
  auto bus = MakeUnprefixed(inner);
  if (!bus.ok()) return bus.status();
  return BusPtr(std::make_shared<PrefixedBus>(std::move(bus).value(), config.topic_prefix));
}

void AddDepthGauge(metrics::Metrics& registry, BusPtr bus, const std::string& topic) {
  registry.AddGauge(
      "sms_bus_queue_depth", "Messages published and not yet committed (NaN: unknown).",
      [bus = std::move(bus), topic] {
        Result<int64_t> depth = bus->Depth(topic);
        return depth.ok() ? double(*depth) : std::numeric_limits<double>::quiet_NaN();
      },
      "topic=\"" + topic + "\"");
}

}  // namespace sms::bus
