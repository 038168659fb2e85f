#include "bus/bus.h"

#include "bus/kafka_bus.h"
#include "bus/memory_bus.h"

namespace sms::bus {

Result<BusPtr> MakeBus(const BusConfig& config) {
  if (config.queue_capacity == 0) {
    return Status::InvalidArgument("bus queue capacity must be positive", "bus_queue_capacity");
  }
  if (!config.brokers.empty()) {
    auto kafka = KafkaBus::Open(config);
    if (!kafka.ok()) return kafka.status();
    return BusPtr(std::move(kafka).value());
  }
  return BusPtr(std::make_shared<MemoryBus>(config.queue_capacity));
}

}  // namespace sms::bus
