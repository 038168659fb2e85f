#pragma once
// Metrics: counters, gauges and latency histograms rendered in the Prometheus text format.
// Thread-safe; the hot paths (Inc on a counter obtained once, ObserveRequest for a series seen
// before) are lock-free.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace sms::metrics {

class Counter {
 public:
  void Inc(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // A counter `name{labels}`; the same object for the same name and labels, valid as long as
  // this Metrics. `labels` is preformatted: `route="/x",code="200"` (may be empty); build
  // values from outside data with Label().
  Counter& GetCounter(const std::string& name, const std::string& help,
                      const std::string& labels = {});
  // A gauge read at render time (under the registry lock: `read` must not call into this
  // Metrics). Adding the same name and labels again replaces the reader.
  void AddGauge(const std::string& name, const std::string& help, std::function<double()> read,
                const std::string& labels = {});
  // A counter whose value a backend keeps itself (a count since start that only grows), read
  // at render time as AddGauge's reader is; rendered with `# TYPE name counter`. `name` ends
  // in `_total`. Adding the same name and labels again replaces the reader.
  void AddCounter(const std::string& name, const std::string& help, std::function<uint64_t()> read,
                  const std::string& labels = {});
  // Records a request: sms_http_requests_total{route,method,code} and the latency histogram
  // sms_http_request_duration_seconds{route}. Callers keep `route` and `method` bounded
  // (a route pattern, a known method), since every distinct value is a new series.
  void ObserveRequest(const std::string& route, const std::string& method, int code,
                      double seconds);
  // The series ObserveRequest(route, method, code, …) records into: the same object for the
  // same arguments, valid as long as this Metrics. A caller that sees the same series again
  // (a keep-alive connection) keeps it and records with Observe, skipping the lookup.
  struct RequestSeries;
  const RequestSeries& Series(const std::string& route, const std::string& method, int code);
  static void Observe(const RequestSeries& series, double seconds);
  // A histogram of seconds `name{labels}` with the request-latency buckets (0.5 ms … 10 s, with 2 s);
  // the same object for the same name and labels. Record with Observe (lock-free).
  struct Histogram;
  Histogram& GetHistogram(const std::string& name, const std::string& help,
                          const std::string& labels = {});
  static void Observe(Histogram& histogram, double seconds);

  // The text exposition format 0.0.4: # HELP and # TYPE per family, families sorted by name.
  std::string Render() const;

  // `name="value"` with the value escaped for the text format (backslash, quote, newline).
  static std::string Label(std::string_view name, std::string_view value);

 private:
  struct Family {
    std::string help;
    std::string type;
    std::map<std::string, std::unique_ptr<Counter>> counters;
    std::map<std::string, std::function<uint64_t()>> read_counters;
    std::map<std::string, std::function<double()>> gauges;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
  };
  static constexpr size_t kSlots = 1024;  // power of two; filled to at most 3/4

  Family& GetFamily(const std::string& name, const std::string& help, const char* type);
  Histogram& GetRequestHistogram(const std::string& labels);  // REQUIRES: mu_ held
  const RequestSeries* FindSeries(size_t hash, std::string_view route, std::string_view method,
                                  int code) const;
  const RequestSeries* AddSeries(size_t hash, const std::string& route, const std::string& method,
                                 int code);

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
  // Open-addressing table read without the lock; slots are written once, under mu_.
  std::unique_ptr<std::atomic<const RequestSeries*>[]> slots_;
  size_t used_slots_ = 0;                               // guarded by mu_
  std::vector<std::unique_ptr<RequestSeries>> series_;  // guarded by mu_; owns slot targets
};

}  // namespace sms::metrics
