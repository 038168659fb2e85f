#pragma once
// /healthz (the process answers), /readyz (every dependency answers) and /metrics, which every
// role serves.

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "http/router.h"
#include "metrics/metrics.h"

namespace sms::roles {

// A named readiness check, e.g. {"store", [store] { return store->Ping(); }}.
using ReadinessCheck = std::pair<std::string, std::function<Status()>>;

// GET /healthz -> 200 {"status":"ok"}; GET /readyz -> 200 {"status":"ready","checks":{…}} or
// 503 {"status":"not_ready","checks":{name: "ok" | error}}; GET /metrics -> Prometheus text.
void RegisterProbes(http::Router& router, std::shared_ptr<metrics::Metrics> metrics,
                    std::vector<ReadinessCheck> checks);

}  // namespace sms::roles
