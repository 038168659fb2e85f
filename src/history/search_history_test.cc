// SearchHistory: against a real OpenSearch/Elasticsearch node named by SMS_SEARCH_URL (skipped
// when unset), plus what needs no node (options, index names, a down or hung backend).

#include "history/search_history.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <thread>

#include "core/time.h"
#include "history/history_test_util.h"
#include "history/search_test_util.h"
#include "history/sql_history.h"
#include "store/store.h"
#include "support/assert_ok.h"
#include "support/local_port.h"

namespace sms::history {
namespace {

namespace json = boost::json;

constexpr Millis kT0 = 1'800'000'000'000;  // 2027-01-15T08:00:00Z
constexpr Millis kS = 1000;

Heartbeat Beat(const std::string& server_id, Millis received_at, int interval = 30) {
  Heartbeat hb;
  hb.id = server_id + "@" + std::to_string(received_at);
  hb.server_id = server_id;
  hb.hostname = server_id + ".example";
  hb.ipv4 = "10.0.0.7";
  hb.interval = interval;
  hb.agent_version = "1.0.0";
  hb.sent_at = received_at - 5;
  hb.received_at = received_at;
  return hb;
}

// Beats every `every` over [from, to), from kT0 on.
void Every(std::vector<Heartbeat>& out, const std::string& id, Millis from, Millis to, Millis every,
           int interval = 30) {
  for (Millis t = from; t < to; t += every) out.push_back(Beat(id, kT0 + t, interval));
}

// The instant `rfc3339` names (a constant of the test, so it parses).
Millis At(std::string_view rfc3339) {
  return sms::testing::ValueOrThrow(ParseTime(rfc3339, "t"), rfc3339);
}

Server NamedServer(const std::string& id, Millis created_time) {
  Server s;
  s.server_id = id;
  s.created_time = created_time;
  return s;
}

TEST(SearchHistoryOptionsTest, MakeChecksTheOptionsWithoutContactingTheBackend) {
  SearchHistoryOptions o;
  o.url = "ftp://127.0.0.1:9200";
  Result<std::shared_ptr<SearchHistory>> h = SearchHistory::Make(o);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(h.status().field(), "search_url");
  o.url = "http://127.0.0.1:1";
  o.index_prefix = "Heartbeats*";
  EXPECT_EQ(SearchHistory::Make(o).status().field(), "index_prefix");
  o.index_prefix = "sms-heartbeats";
  o.page_size = 0;
  EXPECT_EQ(SearchHistory::Make(o).status().field(), "page_size");
  o.page_size = 100;
  EXPECT_TRUE(SearchHistory::Make(o).ok());  // nothing listens on port 1: not asked yet
  HistoryConfig config{
      .search_url = "http://127.0.0.1:1", .grace = 45'000, .search_index_prefix = "fleet-beats"};
  Result<HistoryPtr> made = MakeHistory(config, nullptr);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  auto* search = dynamic_cast<SearchHistory*>(made->get());
  ASSERT_NE(search, nullptr);
  EXPECT_EQ(search->options().grace, std::chrono::milliseconds(45'000));
  EXPECT_EQ(search->options().index_prefix, "fleet-beats");
  EXPECT_EQ(MakeHistory({"ftp://127.0.0.1:1"}, nullptr).status().field(), "search_url");
}

TEST(SearchHistoryOptionsTest, DailyIndexIsTheUtcDayOfReceivedAt) {
  auto h = SearchHistory::Make({.url = "http://127.0.0.1:1", .index_prefix = "hb"});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ((*h)->IndexFor(At("2026-11-28T23:59:59.999Z")), "hb-2026.11.28");
  EXPECT_EQ((*h)->IndexFor(At("2026-11-29T00:00:00Z")), "hb-2026.11.29");
  // 06:30 in Ho Chi Minh City is still the previous day in UTC.
  EXPECT_EQ((*h)->IndexFor(At("2026-12-01T06:30:00+07:00")), "hb-2026.11.30");
  EXPECT_EQ((*h)->IndexFor(At("2028-02-29T12:00:00Z")), "hb-2028.02.29");
}

TEST(SearchHistoryDownTest, AnUnreachableBackendIsUnavailableQuicklyAndHidesThePassword) {
  sms::testing::LocalPort port;
  port.Close();  // connection refused from now on
  SearchHistoryOptions o;
  o.url = "http://sms:s3cret@127.0.0.1:" + std::to_string(port.port());
  auto h = SearchHistory::Make(o);
  ASSERT_TRUE(h.ok());
  auto start = std::chrono::steady_clock::now();
  Status recorded = (*h)->Record({Beat("a", kT0)});
  Status ping = (*h)->Ping();
  EXPECT_EQ(ping.code(), Code::kUnavailable) << ping.ToString();
  EXPECT_EQ(ping.message().find("s3cret"), std::string::npos) << ping.message();
  Result<UptimeResult> one = (*h)->Uptime(NamedServer("a", kT0), kT0, kT0 + 60 * kS, kT0 + 60 * kS);
  auto all = (*h)->UptimeAll(kT0, kT0 + 60 * kS, kT0 + 60 * kS);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(recorded.code(), Code::kUnavailable) << recorded.ToString();
  EXPECT_EQ(one.status().code(), Code::kUnavailable);
  EXPECT_EQ(all.status().code(), Code::kUnavailable);
  for (const Status& s : {recorded, one.status(), all.status()}) {
    EXPECT_NE(s.message().find("127.0.0.1"), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find("s3cret"), std::string::npos) << s.message();
  }
}

TEST(SearchHistoryDownTest, ABackendThatNeverAnswersTimesOutAsUnavailable) {
  sms::testing::LocalPort silent;  // accepts connections into its backlog and never replies
  SearchHistoryOptions o;
  o.url = "http://127.0.0.1:" + std::to_string(silent.port());
  o.bulk_timeout = std::chrono::milliseconds(300);
  o.search_timeout = std::chrono::milliseconds(300);
  auto h = SearchHistory::Make(o);
  ASSERT_TRUE(h.ok());
  auto start = std::chrono::steady_clock::now();
  Status recorded = (*h)->Record({Beat("a", kT0)});
  Status ping = (*h)->Ping();
  EXPECT_EQ(ping.code(), Code::kUnavailable) << ping.ToString();
  Result<UptimeResult> one = (*h)->Uptime(NamedServer("a", kT0), kT0, kT0 + 60 * kS, kT0 + 60 * kS);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(recorded.code(), Code::kUnavailable) << recorded.ToString();
  EXPECT_EQ(one.status().code(), Code::kUnavailable) << one.status().ToString();
}

TEST(SearchHistoryDownTest, CredentialsInTheUrlGoAsBasicAuthAndThePathPrefixesRequests) {
  sms::testing::LocalPort node;
  std::string head;
  std::thread answer([&] {
    head = node.AnswerOnce("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
  });
  // %40 is '@' in the password.
  auto client = SearchClient::Make(
      "http://sms:s3cr%40t@127.0.0.1:" + std::to_string(node.port()) + "/search/",
      std::chrono::seconds(1));
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->display_url(),
            "http://127.0.0.1:" + std::to_string(node.port()) + "/search");
  auto reply = (*client)->Json("GET", "/_cluster/health", json::value(), std::chrono::seconds(5));
  answer.join();
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(head.rfind("GET /search/_cluster/health HTTP/1.1\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Authorization: Basic c21zOnMzY3JAdA==\r\n"), std::string::npos) << head;
}

// The tests below need a node.
class SearchHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::SearchUrl();
    if (url_.empty()) GTEST_SKIP() << testing::kNoSearchUrl;
    prefix_ = testing::UniquePrefix();
    history_ = Open(30 * kS);
    ASSERT_NE(history_, nullptr);
  }

  void TearDown() override {
    if (history_ == nullptr) return;
    EXPECT_TRUE(testing::DropIndices(history_->client(), prefix_));
  }

  // A SearchHistory on this test's indices; small pages and bulks so paging is exercised.
  std::shared_ptr<SearchHistory> Open(Millis grace) {
    SearchHistoryOptions o;
    o.url = url_;
    o.index_prefix = prefix_;
    o.page_size = 7;
    o.bulk_max_docs = 50;
    o.grace = std::chrono::milliseconds(grace);
    auto h = SearchHistory::Make(o);
    EXPECT_TRUE(h.ok()) << h.status().ToString();
    return h.ok() ? *h : nullptr;
  }

  void Record(const std::vector<Heartbeat>& batch) {
    Status s = history_->Record(batch);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_TRUE(history_->Refresh().ok());
  }

  int64_t Count(const std::string& indices) {
    auto r = history_->client().Json("GET", "/" + indices + "/_count", json::value(),
                                     std::chrono::seconds(10));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->at("count").as_int64() : -1;
  }

  // How many searches (query phases) `index` has served.
  int64_t Searches(const std::string& index) {
    auto r = history_->client().Json("GET", "/" + index + "/_stats/search", json::value(),
                                     std::chrono::seconds(10));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return -1;
    return r->at("_all").at("primaries").at("search").at("query_total").to_number<int64_t>();
  }

  UptimeResult Up(SearchHistory& h, const Server& s, Millis from, Millis to, Millis now) {
    Result<UptimeResult> u = h.Uptime(s, from, to, now);
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    return u.ok() ? *u : UptimeResult{};
  }

  std::string url_;
  std::string prefix_;
  std::shared_ptr<SearchHistory> history_;
};

TEST_F(SearchHistoryTest, OneDocumentPerHeartbeatAndARedeliveryOverwritesIt) {
  std::vector<Heartbeat> batch;
  Every(batch, "a", 0, 60 * 60 * kS, 30 * kS);  // 120 beats: three _bulk requests of <= 50
  Every(batch, "b", 0, 10 * 60 * kS, 60 * kS);  // 10 beats
  Status ping = history_->Ping();               // what /readyz asks
  EXPECT_TRUE(ping.ok()) << ping.ToString();
  Record(batch);
  EXPECT_EQ(Count(prefix_ + "-*"), 130);

  // The same heartbeats again (a redelivered bus batch) plus one new one.
  std::vector<Heartbeat> again(batch.begin() + 100, batch.end());
  again.push_back(Beat("b", kT0 + 3600 * kS));
  Record(again);
  EXPECT_EQ(Count(prefix_ + "-*"), 131);

  // The document keeps the heartbeat's fields, with the heartbeat id as _id.
  const Heartbeat& hb = batch.front();
  auto doc =
      history_->client().Json("GET", "/" + history_->IndexFor(hb.received_at) + "/_doc/" + hb.id,
                              json::value(), std::chrono::seconds(10));
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  const json::object& src = doc->at("_source").as_object();
  EXPECT_EQ(src.at("server_id").as_string(), "a");
  EXPECT_EQ(src.at("received_at").as_int64(), hb.received_at);
  EXPECT_EQ(src.at("interval").as_int64(), 30);
  EXPECT_EQ(src.at("ipv4").as_string(), "10.0.0.7");
  EXPECT_EQ(src.at("hostname").as_string(), "a.example");
}

TEST_F(SearchHistoryTest, HeartbeatsAcrossMidnightUtcLandInTwoDailyIndicesOfTheTemplate) {
  Millis midnight = At("2026-11-29T00:00:00Z");
  Record({Beat("a", midnight - 30 * kS), Beat("a", midnight - 1), Beat("a", midnight),
          Beat("a", midnight + 30 * kS), Beat("a", midnight + 60 * kS)});
  EXPECT_EQ(Count(prefix_ + "-2026.11.28"), 2);
  EXPECT_EQ(Count(prefix_ + "-2026.11.29"), 3);

  std::string index = prefix_ + "-2026.11.29";
  auto mapping = history_->client().Json("GET", "/" + index + "/_mapping", json::value(),
                                         std::chrono::seconds(10));
  ASSERT_TRUE(mapping.ok());
  const json::value& props = mapping->at(index).at("mappings").at("properties");
  EXPECT_EQ(props.at("server_id").at("type").as_string(), "keyword");
  EXPECT_EQ(props.at("hostname").at("type").as_string(), "keyword");
  EXPECT_EQ(props.at("received_at").at("type").as_string(), "date");
  EXPECT_EQ(props.at("received_at").at("format").as_string(), "epoch_millis");
  EXPECT_EQ(props.at("ipv4").at("type").as_string(), "ip");
  auto settings = history_->client().Json("GET", "/" + index + "/_settings", json::value(),
                                          std::chrono::seconds(10));
  ASSERT_TRUE(settings.ok());
  const json::value& s = settings->at(index).at("settings").at("index");
  EXPECT_EQ(s.at("number_of_shards").as_string(), "1");
  EXPECT_EQ(s.at("number_of_replicas").as_string(), "0");
  // Unset, so that an index nobody searches stops refreshing (see the header comment).
  EXPECT_FALSE(s.as_object().contains("refresh_interval"));
}

TEST_F(SearchHistoryTest, RejectedItemsAreRetryableOnlyWhenTheNodeSaysSo) {
  Millis day1 = kT0;
  Millis day2 = kT0 + 24 * 3600 * kS;
  Record({Beat("a", day1), Beat("a", day2)});
  auto block = [&](Millis day, const std::string& setting, bool on) {
    json::object body{{setting, on}};
    auto r = history_->client().Json("PUT", "/" + history_->IndexFor(day) + "/_settings", body,
                                     std::chrono::seconds(10));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  };
  // A full disk (flood-stage block) answers 429 per item: retry later.
  block(day1, "index.blocks.read_only_allow_delete", true);
  Status s = history_->Record({Beat("a", day1 + 30 * kS), Beat("a", day2 + 30 * kS)});
  EXPECT_EQ(s.code(), Code::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("1 of 2"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("flood-stage"), std::string::npos) << s.message();
  ASSERT_TRUE(history_->Refresh().ok());
  EXPECT_EQ(Count(history_->IndexFor(day2)), 2);  // the other item was written

  // A write block is permanent, and wins over a retryable failure in the same request.
  block(day2, "index.blocks.write", true);
  s = history_->Record({Beat("a", day1 + 60 * kS), Beat("a", day2 + 60 * kS)});
  EXPECT_EQ(s.code(), Code::kInternal) << s.ToString();
  EXPECT_NE(s.message().find("2 of 2"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("index write"), std::string::npos) << s.message();
  block(day1, "index.blocks.read_only_allow_delete", false);
  block(day2, "index.blocks.write", false);

  // A request the node refuses whole (an id over 512 bytes) is permanent too.
  Heartbeat bad = Beat("a", kT0);
  bad.id = std::string(600, 'x');
  s = history_->Record({bad});
  EXPECT_EQ(s.code(), Code::kInternal) << s.ToString();
  EXPECT_NE(s.message().find("512 bytes"), std::string::npos) << s.message();
}

RunUpdate Extend(const std::string& id, Millis start_s, Millis end_s) {
  return {id, kT0 + start_s * kS, kT0 + end_s * kS, 30, false};
}
RunUpdate Close(const std::string& id, Millis start_s, Millis end_s) {
  return {id, kT0 + start_s * kS, kT0 + end_s * kS, 0, true};
}

TEST_F(SearchHistoryTest, RunUpdatesAreOrderFreeAndIdempotentOneDocumentPerRun) {
  auto at = [](Millis s) { return kT0 + s * kS; };
  // a: [0, 600] closed (the close first, then late extensions, then the close again), and an
  // open run from 900. b: a run from 0 whose close was lost, then a run from 1000.
  ASSERT_TRUE(history_->RecordRuns({Close("a", 0, 600), Extend("b", 0, 300)}).ok());
  ASSERT_TRUE(history_->RecordRuns({Extend("a", 0, 300), Extend("a", 0, 630)}).ok());
  ASSERT_TRUE(history_->RecordRuns({Close("a", 0, 600), Extend("a", 900, 930)}).ok());
  ASSERT_TRUE(history_->RecordRuns({Extend("a", 900, 960), Extend("a", 900, 950)}).ok());
  ASSERT_TRUE(history_->RecordRuns({Extend("b", 1000, 1030)}).ok());
  ASSERT_TRUE(history_->Refresh().ok());
  EXPECT_EQ(Count(history_->RunsIndex()), 4);
  // No heartbeat document: uptime comes from the runs alone.
  EXPECT_EQ(Count(prefix_ + "-*"), 0);

  Server a = NamedServer("a", kT0);
  UptimeResult u = Up(*history_, a, at(0), at(2000), at(2000));
  EXPECT_EQ(u.up_seconds, 600 + 1100);  // the open run is on through now
  EXPECT_EQ(u.window_seconds, 2000);
  EXPECT_EQ(u.source, UptimeSource::kSearch);
  EXPECT_EQ(Up(*history_, a, at(500), at(1000), at(2000)).up_seconds, 100 + 100);
  EXPECT_EQ(Up(*history_, a, at(650), at(850), at(2000)).up_seconds, 0);
  // Clipped to created_time and now.
  u = Up(*history_, NamedServer("a", at(100)), at(-100), at(5000), at(1000));
  EXPECT_EQ(u.from, at(100));
  EXPECT_EQ(u.to, at(1000));
  EXPECT_EQ(u.up_seconds, 500 + 100);
  // b's first run ends where its heartbeats put the off.
  EXPECT_EQ(Up(*history_, NamedServer("b", kT0), at(0), at(2000), at(2000)).up_seconds, 300 + 1000);
  u = Up(*history_, NamedServer("nobody", kT0), at(0), at(600), at(2000));
  EXPECT_EQ(u.window_seconds, 600);
  EXPECT_EQ(u.uptime, 0);
  u = Up(*history_, a, at(500), at(400), at(2000));
  EXPECT_EQ(u.window_seconds, 0);
}

// What a worker asks for to find runs whose close was lost: open, ended before a time, oldest
// end first, bounded; neither a closed run nor one still being extended.
TEST_F(SearchHistoryTest, OpenRunsEndedBeforeATimeAreTheOnlyOnesListedOldestFirst) {
  auto at = [](Millis s) { return kT0 + s * kS; };
  auto listed = history_->OpenRunsEndedBefore(at(10'000), 10);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();  // no runs index yet
  EXPECT_TRUE(listed->empty());
  ASSERT_TRUE(history_
                  ->RecordRuns({Extend("a", 0, 300), Close("b", 0, 200), Extend("c", 0, 100),
                                Extend("d", 0, 900), Extend("c", 500, 530)})
                  .ok());
  ASSERT_TRUE(history_->Refresh().ok());
  listed = history_->OpenRunsEndedBefore(at(600), 10);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::vector<std::string> runs;
  for (const RunUpdate& r : *listed) {
    runs.push_back(r.server_id + "@" + std::to_string((r.start - kT0) / kS) + ".." +
                   std::to_string((r.end - kT0) / kS) + (r.closes ? " closes" : ""));
  }
  EXPECT_EQ(runs, (std::vector<std::string>{"c@0..100", "a@0..300", "c@500..530"}));
  listed = history_->OpenRunsEndedBefore(at(600), 1);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].server_id, "c");
  // Closed at the off the Store holds: listed no more, and measured to that off.
  ASSERT_TRUE(history_->RecordRuns({Close("a", 0, 320)}).ok());
  ASSERT_TRUE(history_->Refresh().ok());
  listed = history_->OpenRunsEndedBefore(at(600), 10);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->size(), 2u);
  EXPECT_EQ(Up(*history_, NamedServer("a", kT0), at(0), at(2000), at(2000)).up_seconds, 320);
}

TEST_F(SearchHistoryTest, UptimeAllMatchesUptimeForEveryServer) {
  std::vector<RunUpdate> runs{Close("a", 0, 600),   Close("a", 900, 1200), Extend("a", 1500, 1530),
                              Close("b", 100, 400), Close("c", -600, 60),  Close("d", 5000, 5100)};
  for (int i = 0; i < 12; ++i) runs.push_back(Close("e" + std::to_string(i), 250, 280));
  ASSERT_TRUE(history_->RecordRuns(runs).ok());
  ASSERT_TRUE(history_->Refresh().ok());
  Millis from = kT0 + 200 * kS;
  Millis to = kT0 + 1600 * kS;
  Millis now = kT0 + 3000 * kS;
  auto all = history_->UptimeAll(from, to, now);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 16u);  // more than two pages of composite buckets
  std::map<std::string, Millis> first{
      {"a", kT0}, {"b", kT0 + 100 * kS}, {"c", kT0 - 600 * kS}, {"d", kT0 + 5000 * kS}};
  for (int i = 0; i < 12; ++i) first["e" + std::to_string(i)] = kT0 + 250 * kS;
  std::string previous;
  for (const auto& [id, got] : *all) {
    EXPECT_LT(previous, id);
    previous = id;
    ASSERT_EQ(first.count(id), 1u) << id;
    UptimeResult one = Up(*history_, NamedServer(id, first[id]), from, to, now);
    EXPECT_EQ(got.from, one.from) << id;
    EXPECT_EQ(got.to, one.to) << id;
    EXPECT_EQ(got.up_seconds, one.up_seconds) << id;
    EXPECT_EQ(got.window_seconds, one.window_seconds) << id;
  }
  EXPECT_EQ((*all)[0].second.up_seconds, 400 + 300 + 100);  // a: 200..600, 900..1200, 1500..
  EXPECT_EQ((*all)[1].second.up_seconds, 200);              // b: 200..400
  EXPECT_EQ((*all)[2].second.up_seconds, 0);                // c
  EXPECT_EQ((*all)[2].second.window_seconds, 1400);
  EXPECT_EQ((*all)[3].second.window_seconds, 0);  // d: first on after the window
  EXPECT_EQ((*all)[4].second.up_seconds, 30);     // e0: 250..280 of 250..1600
  EXPECT_EQ((*all)[4].second.window_seconds, 1350);
}

// As MakeHistory builds it for smsd: with the Store, whose servers and created_time UptimeAll
// measures.
TEST_F(SearchHistoryTest, UptimeAllWithAStoreMeasuresItsServersFromCreatedTimeOverTheWindow) {
  constexpr Millis kDay = 86'400 * kS;
  Result<store::StorePtr> store = store::MakeStore({"sqlite::memory:"});
  ASSERT_TRUE(store.ok());
  auto with_store = SearchHistory::Make(history_->options(), *store);
  ASSERT_TRUE(with_store.ok());
  SearchHistory& h = **with_store;
  // "a" registered two days before, off since, then on from 300 s into the window to 600 s.
  ASSERT_TRUE(testing::Deliver(**store, h, {Beat("a", kT0 - 2 * kDay)}).ok());
  ASSERT_TRUE(testing::Sweep(**store, h, kT0 - kDay, 30 * kS).ok());
  std::vector<Heartbeat> beats;
  Every(beats, "a", 300 * kS, 600 * kS, 30 * kS);
  ASSERT_TRUE(testing::Deliver(**store, h, beats).ok());
  ASSERT_TRUE(testing::Sweep(**store, h, kT0 + 700 * kS, 30 * kS).ok());
  // Runs of a server no longer in the Store.
  ASSERT_TRUE(h.RecordRuns({Close("gone", 0, 900)}).ok());
  ServerInput never;
  never.server_id = "never";
  never.server_name = "never";
  ASSERT_TRUE((*store)->CreateServer(never, kT0 + 500 * kS).ok());  // never heard from
  ASSERT_TRUE(h.Refresh().ok());

  Millis from = kT0;
  Millis to = kT0 + 1000 * kS;
  Millis now = kT0 + 2000 * kS;
  auto all = h.UptimeAll(from, to, now);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].first, "a");  // from the window's start, not its first beat in it
  EXPECT_EQ((*all)[0].second.from, from);
  EXPECT_EQ((*all)[0].second.up_seconds, 300);
  EXPECT_EQ((*all)[0].second.window_seconds, 1000);
  EXPECT_EQ((*all)[1].first, "never");  // from its creation, down throughout
  EXPECT_EQ((*all)[1].second.from, kT0 + 500 * kS);
  EXPECT_EQ((*all)[1].second.up_seconds, 0);
  EXPECT_EQ((*all)[1].second.window_seconds, 500);
  for (const auto& [id, got] : *all) {
    Result<Server> server = (*store)->GetServer(id);
    ASSERT_TRUE(server.ok());
    UptimeResult one = Up(h, *server, from, to, now);
    EXPECT_EQ(got.up_seconds, one.up_seconds) << id;
    EXPECT_EQ(got.window_seconds, one.window_seconds) << id;
  }
}

// An agent on a jittered schedule (±10 %, as sms-agent sends) with outages.
struct Agent {
  std::string id;
  int interval = 30;
  Millis start = 0;  // offsets from kT0
  Millis end = 0;
  std::vector<std::pair<Millis, Millis>> outages;  // [from, to): nothing is sent
  Millis late_at = -1;                             // the first beat after this comes late
  Millis late_by = 0;
};

std::vector<Heartbeat> Schedule(const Agent& a, std::mt19937& rng) {
  std::vector<Heartbeat> out;
  Millis period = Millis(a.interval) * kS;
  bool delayed = false;
  for (Millis t = a.start; t < a.end;
       t += period + Millis(rng() % (period / 5 + 1)) - period / 10) {
    bool silent = false;
    for (const auto& [from, to] : a.outages) silent = silent || (t >= from && t < to);
    if (silent) continue;
    Millis at = t;
    if (!delayed && a.late_at >= 0 && t >= a.late_at) {
      at += a.late_by;
      delayed = true;
    }
    out.push_back(Beat(a.id, kT0 + at, a.interval));
  }
  return out;
}

TEST_F(SearchHistoryTest, AgreesExactlyWithTheSqlStatusHistory) {
  constexpr Millis kMin = 60 * kS;
  std::vector<Agent> agents{
      {"s1", 30, 0, 120 * kMin, {{30 * kMin, 50 * kMin}, {80 * kMin, 83 * kMin}}},
      {"s2", 60, 5 * kMin, 120 * kMin, {{60 * kMin, 75 * kMin}}},
      // 25 s late once (within grace: on in both), then stopped for good at 100 min.
      {"s3", 30, 20 * kMin, 100 * kMin, {}, 40 * kMin, 25 * kS},
  };
  std::mt19937 rng(20261128);
  std::vector<Heartbeat> beats;
  for (const Agent& a : agents) {
    std::vector<Heartbeat> b = Schedule(a, rng);
    beats.insert(beats.end(), b.begin(), b.end());
  }
  std::sort(beats.begin(), beats.end(),
            [](const Heartbeat& x, const Heartbeat& y) { return x.received_at < y.received_at; });

  // As the worker feeds both: heartbeats applied as they arrive, each batch with a redelivery
  // of an earlier one (newest first), a sweep a second.
  Result<store::StorePtr> store = store::MakeStore({"sqlite::memory:"});
  ASSERT_TRUE(store.ok());
  SqlHistory sql(*store);
  Millis end = kT0 + 130 * kMin;
  size_t next = 0;
  std::vector<Heartbeat> previous;
  for (Millis now = kT0; now <= end; now += kS) {
    std::vector<Heartbeat> due;
    while (next < beats.size() && beats[next].received_at <= now) due.push_back(beats[next++]);
    if (!due.empty()) {
      std::vector<Heartbeat> batch(previous.rbegin(), previous.rend());
      batch.insert(batch.end(), due.begin(), due.end());
      ASSERT_TRUE(testing::Deliver(**store, *history_, batch).ok());
      previous = due;
    }
    ASSERT_TRUE(testing::Sweep(**store, *history_, now, 30 * kS).ok());
  }
  ASSERT_TRUE(history_->Refresh().ok());

  std::vector<std::pair<Millis, Millis>> windows{
      {kT0, end}, {kT0 + 25 * kMin, kT0 + 95 * kMin}, {kT0 + 82 * kMin, end}};
  for (const auto& [from, to] : windows) {
    auto all = history_->UptimeAll(from, to, end);
    auto sql_all = sql.UptimeAll(from, to, end);
    ASSERT_TRUE(all.ok() && sql_all.ok());
    ASSERT_EQ(all->size(), sql_all->size());
    for (size_t i = 0; i < all->size(); ++i) {
      const auto& [id, search_up] = (*all)[i];
      Result<Server> server = (*store)->GetServer(id);
      ASSERT_TRUE(server.ok());
      ASSERT_OK_AND_ASSIGN(UptimeResult sql_up, sql.Uptime(*server, from, to, end));
      UptimeResult one = Up(*history_, *server, from, to, end);
      EXPECT_EQ((*sql_all)[i].first, id);
      EXPECT_EQ(search_up.window_seconds, sql_up.window_seconds) << id;
      EXPECT_EQ(search_up.up_seconds, sql_up.up_seconds) << id;
      EXPECT_EQ(one.up_seconds, sql_up.up_seconds) << id;
      EXPECT_GT(sql_up.up_seconds, 0) << id;
    }
  }
}

}  // namespace
}  // namespace sms::history
