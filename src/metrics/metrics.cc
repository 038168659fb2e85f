#include "metrics/metrics.h"

#include <array>
#include <charconv>
#include <cmath>

namespace sms::metrics {
namespace {

// 2 s is a bound because the end-to-end lag target is p99 <= 2 s.
constexpr std::array<double, 15> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                             0.25,   0.5,   1,      2,     2.5,  5,     10};
constexpr std::array<const char*, 15> kBucketLabels = {
    "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
    "0.25",   "0.5",   "1",      "2",     "2.5",  "5",     "10"};
constexpr const char* kRequestsName = "sms_http_requests_total";
constexpr const char* kDurationName = "sms_http_request_duration_seconds";

void AppendDouble(std::string* out, double v) {
  if (std::isnan(v)) {
    *out += "NaN";
  } else if (std::isinf(v)) {
    *out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out->append(buf, ec == std::errc() ? end : buf);
  }
}

void AppendUint(std::string* out, uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, end);
}

// `name{labels}` or `name` when there are no labels; `extra` is one more label, e.g. le="1".
void AppendSeries(std::string* out, const std::string& name, const char* suffix,
                  const std::string& labels, const std::string& extra = {}) {
  *out += name;
  *out += suffix;
  if (labels.empty() && extra.empty()) return;
  *out += '{';
  *out += labels;
  if (!labels.empty() && !extra.empty()) *out += ',';
  *out += extra;
  *out += '}';
}

std::string EscapeHelp(const std::string& help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

size_t SeriesHash(std::string_view route, std::string_view method, int code) {
  size_t h = std::hash<std::string_view>{}(route);
  h ^= std::hash<std::string_view>{}(method) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h ^= static_cast<size_t>(code) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

}  // namespace

struct Metrics::Histogram {
  std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};  // not cumulative; last +Inf
  std::atomic<uint64_t> sum_ns{0};

  void Observe(double seconds) {
    if (!(seconds >= 0)) seconds = 0;  // also maps NaN to 0
    size_t i = 0;
    while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
    buckets[i].fetch_add(1, std::memory_order_relaxed);
    sum_ns.fetch_add(static_cast<uint64_t>(std::llround(seconds * 1e9)), std::memory_order_relaxed);
  }

  // Buckets (cumulative, as the format wants), _sum and _count.
  void Render(std::string* out, const std::string& name, const std::string& labels) const {
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= kBuckets.size(); ++i) {
      cumulative += buckets[i].load(std::memory_order_relaxed);
      std::string le = "le=\"";
      le += i < kBuckets.size() ? kBucketLabels[i] : "+Inf";
      le += '"';
      AppendSeries(out, name, "_bucket", labels, le);
      *out += ' ';
      AppendUint(out, cumulative);
      *out += '\n';
    }
    AppendSeries(out, name, "_sum", labels);
    *out += ' ';
    AppendDouble(out, static_cast<double>(sum_ns.load(std::memory_order_relaxed)) / 1e9);
    *out += '\n';
    AppendSeries(out, name, "_count", labels);
    *out += ' ';
    AppendUint(out, cumulative);
    *out += '\n';
  }
};

// The counter and histogram of one (route, method, code); immutable once published.
struct Metrics::RequestSeries {
  size_t hash;
  std::string route;
  std::string method;
  int code;
  Counter* counter;
  Histogram* histogram;
};

Metrics::Metrics() : slots_(new std::atomic<const RequestSeries*>[kSlots]) {
  for (size_t i = 0; i < kSlots; ++i) slots_[i].store(nullptr, std::memory_order_relaxed);
}

Metrics::~Metrics() = default;

std::string Metrics::Label(std::string_view name, std::string_view value) {
  std::string out(name);
  out += "=\"";
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

Metrics::Family& Metrics::GetFamily(const std::string& name, const std::string& help,
                                    const char* type) {
  Family& f = families_[name];
  if (f.type.empty()) {
    f.type = type;
    f.help = help;
  }
  return f;
}

Counter& Metrics::GetCounter(const std::string& name, const std::string& help,
                             const std::string& labels) {
  std::lock_guard lock(mu_);
  auto& slot = GetFamily(name, help, "counter").counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

void Metrics::AddGauge(const std::string& name, const std::string& help,
                       std::function<double()> read, const std::string& labels) {
  std::lock_guard lock(mu_);
  GetFamily(name, help, "gauge").gauges[labels] = std::move(read);
}

void Metrics::AddCounter(const std::string& name, const std::string& help,
                         std::function<uint64_t()> read, const std::string& labels) {
  std::lock_guard lock(mu_);
  GetFamily(name, help, "counter").read_counters[labels] = std::move(read);
}

Metrics::Histogram& Metrics::GetRequestHistogram(const std::string& labels) {
  auto& slot =
      GetFamily(kDurationName, "HTTP request latency by route", "histogram").histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>();
  return *slot;
}

Metrics::Histogram& Metrics::GetHistogram(const std::string& name, const std::string& help,
                                          const std::string& labels) {
  std::lock_guard lock(mu_);
  auto& slot = GetFamily(name, help, "histogram").histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>();
  return *slot;
}

void Metrics::Observe(Histogram& histogram, double seconds) { histogram.Observe(seconds); }

const Metrics::RequestSeries* Metrics::FindSeries(size_t hash, std::string_view route,
                                                  std::string_view method, int code) const {
  // Linear probing ends at an empty slot; the table never fills past 3/4, so one exists.
  for (size_t i = 0; i < kSlots; ++i) {
    const RequestSeries* s = slots_[(hash + i) & (kSlots - 1)].load(std::memory_order_acquire);
    if (s == nullptr) return nullptr;
    if (s->hash == hash && s->code == code && s->route == route && s->method == method) return s;
  }
  return nullptr;
}

const Metrics::RequestSeries* Metrics::AddSeries(size_t hash, const std::string& route,
                                                 const std::string& method, int code) {
  std::lock_guard lock(mu_);
  if (const RequestSeries* s = FindSeries(hash, route, method, code)) return s;
  // The table is full: a linear search under the lock (only with runaway label cardinality).
  for (const auto& s : series_) {
    if (s->code == code && s->route == route && s->method == method) return s.get();
  }
  std::string labels = Label("route", route) + "," + Label("method", method) + "," +
                       Label("code", std::to_string(code));
  auto& counter = GetFamily(kRequestsName, "HTTP requests by route, method and status", "counter")
                      .counters[labels];
  if (!counter) counter = std::make_unique<Counter>();
  Histogram& histogram = GetRequestHistogram(Label("route", route));
  series_.push_back(std::make_unique<RequestSeries>(
      RequestSeries{hash, route, method, code, counter.get(), &histogram}));
  const RequestSeries* s = series_.back().get();
  if (used_slots_ < kSlots / 4 * 3) {
    size_t i = hash;
    while (slots_[i & (kSlots - 1)].load(std::memory_order_relaxed) != nullptr) ++i;
    slots_[i & (kSlots - 1)].store(s, std::memory_order_release);
    ++used_slots_;
  }
  return s;
}

const Metrics::RequestSeries& Metrics::Series(const std::string& route, const std::string& method,
                                              int code) {
  size_t hash = SeriesHash(route, method, code);
  const RequestSeries* s = FindSeries(hash, route, method, code);
  return s != nullptr ? *s : *AddSeries(hash, route, method, code);
}

void Metrics::Observe(const RequestSeries& series, double seconds) {
  series.counter->Inc();
  series.histogram->Observe(seconds);
}

void Metrics::ObserveRequest(const std::string& route, const std::string& method, int code,
                             double seconds) {
  Observe(Series(route, method, code), seconds);
}

std::string Metrics::Render() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + EscapeHelp(f.help) + "\n";
    out += "# TYPE " + name + " " + f.type + "\n";
    for (const auto& [labels, c] : f.counters) {
      AppendSeries(&out, name, "", labels);
      out += ' ';
      AppendUint(&out, c->Value());
      out += '\n';
    }
    for (const auto& [labels, read] : f.read_counters) {
      AppendSeries(&out, name, "", labels);
      out += ' ';
      AppendUint(&out, read());
      out += '\n';
    }
    for (const auto& [labels, read] : f.gauges) {
      AppendSeries(&out, name, "", labels);
      out += ' ';
      AppendDouble(&out, read());
      out += '\n';
    }
    for (const auto& [labels, h] : f.histograms) h->Render(&out, name, labels);
  }
  return out;
}

}  // namespace sms::metrics
