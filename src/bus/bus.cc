#include "bus/bus.h"

#include "bus/memory_bus.h"

namespace sms::bus {

Result<BusPtr> MakeBus(const BusConfig& config) {
  if (config.queue_capacity == 0) {
    return Status::InvalidArgument("bus queue capacity must be positive", "bus_queue_capacity");
  }
  if (!config.brokers.empty()) {
    return Status::InvalidArgument("unsupported bus brokers \"" + config.brokers +
                                       "\": this build has only the in-process bus",
                                   "kafka_brokers");
  }
  return BusPtr(std::make_shared<MemoryBus>(config.queue_capacity));
}

}  // namespace sms::bus
