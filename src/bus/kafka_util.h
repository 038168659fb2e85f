#pragma once
// Helpers shared by KafkaBus and KafkaConsumer (internal to the bus module): librdkafka
// configuration with errors as Status, librdkafka's log lines into spdlog, timeouts in ms.

#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace sms::bus {

using KafkaSettings = std::vector<std::pair<std::string, std::string>>;

// Sets every name=value on `conf`; InvalidArgument naming the first one refused.
Status SetKafkaConf(RdKafka::Conf& conf, const KafkaSettings& settings);

// Registers a librdkafka callback object ("dr_cb", "event_cb", "rebalance_cb").
template <typename Callback>
Status SetKafkaCallback(RdKafka::Conf& conf, const std::string& name, Callback* cb) {
  std::string err;
  if (conf.set(name, cb, err) != RdKafka::Conf::CONF_OK) return Status::Internal(err);
  return Status::Ok();
}

// Writes librdkafka's own log line (an EVENT_LOG) at the matching spdlog level.
void LogKafkaEvent(const RdKafka::Event& e);

// Milliseconds of the steady clock (for intervals, not wall time).
Millis SteadyNowMs();
// `ms` clamped to librdkafka's int timeouts, never negative.
int ClampMs(Millis ms);
// Milliseconds left until `deadline`, clamped as above.
int RemainingMs(std::chrono::steady_clock::time_point deadline);

}  // namespace sms::bus
