#pragma once
// Whether a registry's exposition (what /metrics serves) holds one sample line, for tests of
// what a module adds to /metrics.

#include <string>

#include "metrics/metrics.h"

namespace sms::testing {

// True when Render() has the sample line `sample` ("name value", or "name{labels} value").
inline bool Serves(const metrics::Metrics& registry, const std::string& sample) {
  return ("\n" + registry.Render()).find("\n" + sample + "\n") != std::string::npos;
}

}  // namespace sms::testing
