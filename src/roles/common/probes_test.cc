// /readyz as an operator reads it, with the roles wired as smsd wires them: a store whose disk
// is full (FaultyStore: Ping and reads answer, every write fails) makes /readyz 503 once the
// worker's and the API's writes keep failing, and 200 again after the next write that succeeds.

#include "roles/common/probes.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/heartbeat.h"
#include "roles/common/write_health.h"
#include "roles/management/management.h"
#include "roles/worker/worker.h"
#include "store/store.h"
#include "support/assert_ok.h"
#include "support/faulty_store.h"

namespace sms::roles {
namespace {

namespace json = boost::json;
constexpr Millis kT0 = 1'795'000'000'000;

Heartbeat Beat(const std::string& id, Millis at) {
  Heartbeat hb;
  hb.id = NewHeartbeatId();
  hb.server_id = id;
  hb.hostname = id;
  hb.interval = 30;
  hb.received_at = at;
  return hb;
}

class ProbesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(auto real, store::MakeStore({"sqlite::memory:"}));
    store_ = std::make_shared<testing::FaultyStore>(real);
    ASSERT_OK_AND_ASSIGN(auto bus, bus::MakeBus({}));
    ASSERT_OK_AND_ASSIGN(auto cache, cache::MakeCache({}));
    ASSERT_OK_AND_ASSIGN(auto history, history::MakeHistory({}, store_));
    auto metrics = std::make_shared<metrics::Metrics>();
    health_ = std::make_shared<WriteHealth>(clock_);
    management::ManagementBackends mb{store_, history, cache, clock_};
    mb.write_health = health_;
    mgmt_ = std::make_unique<management::Management>(mb);
    mgmt_->Register(router_);
    worker_ = std::make_unique<worker::Worker>(
        worker::WorkerOptions{},
        worker::Backends{bus, store_, store_, cache, history, clock_, metrics, health_});
    RegisterProbes(router_, metrics,
                   {{"store", [store = store_] { return store->Ping(); }},
                    {"store_writes", [health = health_] { return health->Check(); }}});
  }
  http::Response Call(const std::string& method, const std::string& path, std::string body = "") {
    http::Request req;
    req.method = method;
    req.path = req.target = path;
    req.body = std::move(body);
    std::string route;
    return router_.Handle(req, &route);
  }

  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(kT0);
  std::shared_ptr<testing::FaultyStore> store_;
  WriteHealthPtr health_;
  std::unique_ptr<management::Management> mgmt_;
  std::unique_ptr<worker::Worker> worker_;
  http::Router router_;
};

TEST_F(ProbesTest, AFullDiskMakesReadyzFailUntilAWriteSucceedsAgain) {
  http::Response ready = Call("GET", "/readyz");
  ASSERT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(json::parse(ready.body),
            json::parse(R"({"status":"ready","checks":{"store":"ok","store_writes":"ok"}})"));

  store_->SetWritesFail(true);
  EXPECT_FALSE(worker_->ProcessBatch({Beat("web-01", kT0)}).ok());  // the worker retries it
  EXPECT_FALSE(worker_->ProcessBatch({Beat("web-01", kT0)}).ok());
  EXPECT_EQ(Call("POST", "/api/v1/servers", R"({"server_id":"a","server_name":"A"})").status, 503);
  http::Response full = Call("GET", "/readyz");
  ASSERT_EQ(full.status, 503) << full.body;
  json::value body = json::parse(full.body);
  EXPECT_EQ(body.at("status"), "not_ready");
  EXPECT_EQ(body.at("checks").at("store"), "ok") << "reads still answer";
  EXPECT_EQ(body.at("checks").at("store_writes"),
            "unavailable: failing: 3 writes in a row, the latest at 2026-11-18T11:06:40Z: "
            "unavailable: database or disk is full (injected)");
  // Reads go on and are no evidence either way.
  EXPECT_EQ(Call("GET", "/api/v1/servers").status, 200);
  EXPECT_EQ(Call("GET", "/readyz").status, 503);

  store_->SetWritesFail(false);  // space was freed
  ASSERT_TRUE(worker_->ProcessBatch({Beat("web-01", kT0)}).ok());
  ready = Call("GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(json::parse(ready.body).at("checks").at("store_writes"), "ok");
}

TEST_F(ProbesTest, RefusedRequestsDoNotMakeTheStoreLookBroken) {
  ASSERT_EQ(Call("POST", "/api/v1/servers", R"({"server_id":"a","server_name":"A"})").status, 201);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Call("POST", "/api/v1/servers", R"({"server_id":"a","server_name":"B"})").status,
              409);
    EXPECT_EQ(Call("DELETE", "/api/v1/servers/nope").status, 404);
  }
  EXPECT_EQ(Call("GET", "/readyz").status, 200);
}

}  // namespace
}  // namespace sms::roles
