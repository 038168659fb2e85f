#include "bus/kafka_util.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <climits>

namespace sms::bus {

Status SetKafkaConf(RdKafka::Conf& conf, const KafkaSettings& settings) {
  for (const auto& [name, value] : settings) {
    std::string err;
    if (conf.set(name, value, err) != RdKafka::Conf::CONF_OK) {
      return Status::InvalidArgument("kafka setting " + name + "=" + value + ": " + err, name);
    }
  }
  return Status::Ok();
}

void LogKafkaEvent(const RdKafka::Event& e) {
  // Syslog severities: 0 emergency .. 7 debug.
  spdlog::level::level_enum level = spdlog::level::debug;
  if (e.severity() <= RdKafka::Event::EVENT_SEVERITY_CRITICAL) {
    level = spdlog::level::err;
  } else if (e.severity() <= RdKafka::Event::EVENT_SEVERITY_WARNING) {
    level = spdlog::level::warn;
  } else if (e.severity() == RdKafka::Event::EVENT_SEVERITY_NOTICE) {
    level = spdlog::level::info;
  }
  spdlog::log(level, "kafka [{}]: {}", e.fac(), e.str());
}

Millis SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int ClampMs(Millis ms) { return static_cast<int>(std::clamp<Millis>(ms, 0, INT_MAX)); }

int RemainingMs(std::chrono::steady_clock::time_point deadline) {
  return ClampMs(std::chrono::duration_cast<std::chrono::milliseconds>(
                     deadline - std::chrono::steady_clock::now())
                     .count());
}

}  // namespace sms::bus
