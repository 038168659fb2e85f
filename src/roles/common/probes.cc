#include "roles/common/probes.h"

#include <boost/json.hpp>

namespace sms::roles {

void RegisterProbes(http::Router& router, std::shared_ptr<metrics::Metrics> metrics,
                    std::vector<ReadinessCheck> checks) {
  router.Add("GET", "/healthz", http::kPublic,
             [](http::Request&) { return http::JsonResponse(200, R"({"status":"ok"})"); });
  router.Add("GET", "/readyz", http::kPublic, [checks = std::move(checks)](http::Request&) {
    boost::json::object results;
    bool ready = true;
    for (const auto& [name, check] : checks) {
      Status s = check();
      ready = ready && s.ok();
      results[name] = s.ok() ? std::string("ok") : s.ToString();
    }
    boost::json::object body{{"status", ready ? "ready" : "not_ready"},
                             {"checks", std::move(results)}};
    return http::JsonResponse(ready ? 200 : 503, boost::json::serialize(body));
  });
  router.Add("GET", "/metrics", http::kPublic, [metrics](http::Request&) {
    return http::Response{200, "text/plain; version=0.0.4; charset=utf-8", metrics->Render(), {}};
  });
}

}  // namespace sms::roles
