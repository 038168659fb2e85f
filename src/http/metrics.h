#pragma once
// Metrics: counters, gauges and latency histograms rendered in the Prometheus text format.
// Thread-safe; the hot paths (Inc on a counter obtained once) are lock-free.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sms::http {

class Counter {
 public:
  void Inc(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Metrics {
 public:
  // A counter `name{labels}`; the same object for the same name and labels.
  // `labels` is preformatted: `route="/x",code="200"` (may be empty).
  Counter& GetCounter(const std::string& name, const std::string& help,
                      const std::string& labels = {});
  // A gauge read at render time.
  void AddGauge(const std::string& name, const std::string& help, std::function<double()> read,
                const std::string& labels = {});
  // Records a request: sms_http_requests_total{route,method,code} and the latency histogram
  // sms_http_request_duration_seconds{route}.
  void ObserveRequest(const std::string& route, const std::string& method, int code,
                      double seconds);
  std::string Render() const;

 private:
  struct Histogram;
  struct Family {
    std::string help;
    std::string type;
    std::map<std::string, std::unique_ptr<Counter>> counters;
    std::map<std::string, std::function<double()>> gauges;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
  };
  Histogram& GetHistogram(const std::string& labels);
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

}  // namespace sms::http
