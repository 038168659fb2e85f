#include "metrics/metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

namespace sms::metrics {
namespace {

// A minimal parser of the text format: sample lines `name{labels} value` keyed by everything
// before the value; comment lines collected apart. Fails the test on a line it cannot read.
struct Exposition {
  std::map<std::string, double> samples;
  std::vector<std::string> comments;
};

Exposition Parse(const std::string& text) {
  Exposition out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      out.comments.push_back(line);
      continue;
    }
    auto space = line.rfind(' ');
    EXPECT_NE(space, std::string::npos) << line;
    if (space == std::string::npos) continue;
    std::string value = line.substr(space + 1);
    double v = value == "+Inf" ? INFINITY : std::stod(value);
    EXPECT_TRUE(out.samples.emplace(line.substr(0, space), v).second) << "duplicate: " << line;
  }
  return out;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(MetricsTest, CountersRenderWithHelpTypeAndLabels) {
  Metrics m;
  Counter& a = m.GetCounter("sms_heartbeats_total", "Heartbeats accepted");
  Counter& b = m.GetCounter("sms_rejected_total", "Rejected", Metrics::Label("reason", "x"));
  EXPECT_EQ(&a, &m.GetCounter("sms_heartbeats_total", "Heartbeats accepted"));
  a.Inc();
  a.Inc(4);
  b.Inc();
  auto e = Parse(m.Render());
  EXPECT_EQ(e.samples.at("sms_heartbeats_total"), 5);
  EXPECT_EQ(e.samples.at("sms_rejected_total{reason=\"x\"}"), 1);
  EXPECT_TRUE(Contains(e.comments, "# HELP sms_heartbeats_total Heartbeats accepted"));
  EXPECT_TRUE(Contains(e.comments, "# TYPE sms_heartbeats_total counter"));
  EXPECT_TRUE(Contains(e.comments, "# TYPE sms_rejected_total counter"));
}

TEST(MetricsTest, GaugesAreReadAtRenderTime) {
  Metrics m;
  double level = 1.5;
  m.AddGauge("sms_queue_depth", "Messages waiting", [&] { return level; });
  m.AddGauge(
      "sms_up", "Up", [] { return 1.0; }, Metrics::Label("role", "worker"));
  EXPECT_EQ(Parse(m.Render()).samples.at("sms_queue_depth"), 1.5);
  level = 42;
  auto e = Parse(m.Render());
  EXPECT_EQ(e.samples.at("sms_queue_depth"), 42);
  EXPECT_EQ(e.samples.at("sms_up{role=\"worker\"}"), 1);
  EXPECT_TRUE(Contains(e.comments, "# TYPE sms_queue_depth gauge"));
}

// A count a backend keeps (a bus's deliveries) is a counter, read when /metrics renders.
TEST(MetricsTest, CountersKeptByABackendAreReadAtRenderTime) {
  Metrics m;
  uint64_t delivered = 0;
  m.AddCounter("sms_bus_messages_delivered_total", "Delivered", [&] { return delivered; });
  m.AddCounter(
      "sms_sent_total", "Sent", [] { return uint64_t{7}; }, Metrics::Label("topic", "mail"));
  EXPECT_EQ(Parse(m.Render()).samples.at("sms_bus_messages_delivered_total"), 0);
  delivered = 12345678901234;
  auto e = Parse(m.Render());
  EXPECT_EQ(e.samples.at("sms_bus_messages_delivered_total"), 12345678901234.0);
  EXPECT_EQ(e.samples.at("sms_sent_total{topic=\"mail\"}"), 7);
  EXPECT_TRUE(Contains(e.comments, "# HELP sms_bus_messages_delivered_total Delivered"));
  EXPECT_TRUE(Contains(e.comments, "# TYPE sms_bus_messages_delivered_total counter"));
  EXPECT_TRUE(Contains(e.comments, "# TYPE sms_sent_total counter"));
  EXPECT_NE(m.Render().find("\nsms_bus_messages_delivered_total 12345678901234\n"),
            std::string::npos);
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  EXPECT_EQ(Metrics::Label("route", "a\"b\\c\nd"), "route=\"a\\\"b\\\\c\\nd\"");
  Metrics m;
  m.ObserveRequest("/odd\"route", "GET", 200, 0.001);
  std::string text = m.Render();
  EXPECT_NE(text.find("route=\"/odd\\\"route\""), std::string::npos) << text;
}

TEST(MetricsTest, RequestHistogramBucketsAreCumulative) {
  Metrics m;
  m.ObserveRequest("/healthcheck", "POST", 202, 0.0003);  // first bucket
  m.ObserveRequest("/healthcheck", "POST", 202, 0.003);   // le 0.005
  m.ObserveRequest("/healthcheck", "POST", 400, 0.2);     // le 0.25
  m.ObserveRequest("/healthcheck", "POST", 202, 30);      // only +Inf
  m.ObserveRequest("/api/v1/servers", "GET", 200, 0.01);  // another route: own histogram
  auto e = Parse(m.Render());
  const std::string b = "sms_http_request_duration_seconds_bucket{route=\"/healthcheck\",le=";
  EXPECT_EQ(e.samples.at(b + "\"0.0005\"}"), 1);
  EXPECT_EQ(e.samples.at(b + "\"0.001\"}"), 1);
  EXPECT_EQ(e.samples.at(b + "\"0.005\"}"), 2);
  EXPECT_EQ(e.samples.at(b + "\"0.1\"}"), 2);
  EXPECT_EQ(e.samples.at(b + "\"0.25\"}"), 3);
  EXPECT_EQ(e.samples.at(b + "\"10\"}"), 3);
  EXPECT_EQ(e.samples.at(b + "\"+Inf\"}"), 4);
  EXPECT_EQ(e.samples.at("sms_http_request_duration_seconds_count{route=\"/healthcheck\"}"), 4);
  EXPECT_NEAR(e.samples.at("sms_http_request_duration_seconds_sum{route=\"/healthcheck\"}"),
              30.2033, 1e-6);
  EXPECT_EQ(e.samples.at("sms_http_request_duration_seconds_count{route=\"/api/v1/servers\"}"), 1);
  // Every bucket is at least the one before it, in the order of the bounds.
  double previous = 0;
  for (const char* le : {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
                         "0.25", "0.5", "1", "2", "2.5", "5", "10", "+Inf"}) {
    double v = e.samples.at(b + "\"" + le + "\"}");
    EXPECT_GE(v, previous) << le;
    previous = v;
  }
  EXPECT_TRUE(Contains(e.comments, "# TYPE sms_http_request_duration_seconds histogram"));
}

TEST(MetricsTest, NamedHistogramWithoutLabels) {
  Metrics m;
  Metrics::Histogram& h = m.GetHistogram("sms_heartbeat_lag_seconds", "Lag.");
  EXPECT_EQ(&h, &m.GetHistogram("sms_heartbeat_lag_seconds", "Lag."));
  Metrics::Observe(h, 0.3);
  Metrics::Observe(h, 1.7);
  Metrics::Observe(h, 4);
  auto e = Parse(m.Render());
  EXPECT_EQ(e.samples.at("sms_heartbeat_lag_seconds_bucket{le=\"0.5\"}"), 1);
  EXPECT_EQ(e.samples.at("sms_heartbeat_lag_seconds_bucket{le=\"1\"}"), 1);
  EXPECT_EQ(e.samples.at("sms_heartbeat_lag_seconds_bucket{le=\"2\"}"), 2);  // the lag target
  EXPECT_EQ(e.samples.at("sms_heartbeat_lag_seconds_bucket{le=\"2.5\"}"), 2);
  EXPECT_EQ(e.samples.at("sms_heartbeat_lag_seconds_bucket{le=\"+Inf\"}"), 3);
  EXPECT_EQ(e.samples.at("sms_heartbeat_lag_seconds_count"), 3);
  EXPECT_TRUE(Contains(e.comments, "# TYPE sms_heartbeat_lag_seconds histogram"));
}

TEST(MetricsTest, RequestCounterHasRouteMethodCode) {
  Metrics m;
  m.ObserveRequest("/healthcheck", "POST", 202, 0.001);
  m.ObserveRequest("/healthcheck", "POST", 202, 0.001);
  m.ObserveRequest("/healthcheck", "POST", 413, 0.001);
  auto e = Parse(m.Render());
  EXPECT_EQ(
      e.samples.at("sms_http_requests_total{route=\"/healthcheck\",method=\"POST\",code=\"202\"}"),
      2);
  EXPECT_EQ(
      e.samples.at("sms_http_requests_total{route=\"/healthcheck\",method=\"POST\",code=\"413\"}"),
      1);
  EXPECT_TRUE(Contains(e.comments, "# TYPE sms_http_requests_total counter"));
}

TEST(MetricsTest, KeptSeriesCountsLikeObserveRequest) {
  Metrics m;
  const Metrics::RequestSeries& s = m.Series("/healthcheck", "POST", 202);
  EXPECT_EQ(&m.Series("/healthcheck", "POST", 202), &s);
  EXPECT_NE(&m.Series("/healthcheck", "POST", 400), &s);
  Metrics::Observe(s, 0.001);
  Metrics::Observe(s, 0.3);
  m.ObserveRequest("/healthcheck", "POST", 202, 0.001);
  auto e = Parse(m.Render());
  EXPECT_EQ(
      e.samples.at("sms_http_requests_total{route=\"/healthcheck\",method=\"POST\",code=\"202\"}"),
      3);
  EXPECT_EQ(e.samples.at("sms_http_request_duration_seconds_count{route=\"/healthcheck\"}"), 3);
  EXPECT_EQ(
      e.samples.at("sms_http_request_duration_seconds_bucket{route=\"/healthcheck\",le=\"0.25\"}"),
      2);
}

TEST(MetricsTest, ConcurrentObservationsAreAllCounted) {
  Metrics m;
  constexpr int kThreads = 4;
  constexpr int kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&m, t] {
      for (int i = 0; i < kEach; ++i) {
        m.ObserveRequest("/r" + std::to_string(i % 3), "GET", 200 + (t % 2), 0.001);
      }
    });
  }
  for (auto& t : threads) t.join();
  auto e = Parse(m.Render());
  double total = 0;
  for (const auto& [key, value] : e.samples) {
    if (key.rfind("sms_http_requests_total{", 0) == 0) total += value;
  }
  EXPECT_EQ(total, kThreads * kEach);
}

TEST(MetricsTest, ManySeriesBeyondTheFastTableStillCount) {
  Metrics m;
  for (int i = 0; i < 2000; ++i) m.ObserveRequest("/r" + std::to_string(i), "GET", 200, 0.001);
  for (int i = 0; i < 2000; ++i) m.ObserveRequest("/r" + std::to_string(i), "GET", 200, 0.001);
  auto e = Parse(m.Render());
  EXPECT_EQ(e.samples.at("sms_http_requests_total{route=\"/r0\",method=\"GET\",code=\"200\"}"), 2);
  EXPECT_EQ(e.samples.at("sms_http_requests_total{route=\"/r1999\",method=\"GET\",code=\"200\"}"),
            2);
}

}  // namespace
}  // namespace sms::metrics
