// smsd: config -> backends -> roles -> one HTTP listener; SIGTERM/SIGINT drain and exit 0.

#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>

#include "app/config.h"
#include "app/identity.h"
#include "app/logging.h"
#include "app/probe.h"
#include "bus/bus.h"
#include "cache/cache.h"
#include "core/clock.h"
#include "history/history.h"
#include "http/server.h"
#include "mail/mailer.h"
#include "mail/mime.h"
#include "maintenance/maintenance_history.h"
#include "report/calendar.h"
#include "report/scheduler.h"
#include "roles/common/probes.h"
#include "roles/common/write_health.h"
#include "roles/healthcheck/healthcheck.h"
#include "roles/mail/mail_service.h"
#include "roles/mail/alert_maintenance.h"
#include "roles/mail/notifier.h"
#include "roles/mail/store_sent_log.h"
#include "roles/management/docs.h"
#include "roles/management/management.h"
#include "roles/management/retention.h"
#include "roles/management/rollups.h"
#include "roles/management/web.h"
#include "roles/worker/worker.h"
#include "store/alert_store.h"
#include "store/store.h"

namespace sms::app {
namespace {

template <typename T>
T Need(Result<T> r, const char* what) {
  if (!r.ok()) throw std::runtime_error(std::string(what) + ": " + r.status().ToString());
  return std::move(r).value();
}

void Check(const Status& s, const char* what) {
  if (!s.ok()) throw std::runtime_error(std::string(what) + ": " + s.ToString());
}

bool Has(Role role, Role wanted) { return role == Role::kAll || role == wanted; }

// Waits for SIGTERM or SIGINT (blocked in every thread before any is started).
int WaitForSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

// Store::Stats for the /metrics gauges: the on and off gauges of one scrape share one call (a
// result younger than a second is reused). Thread-safe.
class RecentStats {
 public:
  RecentStats(store::ServerStorePtr store, ClockPtr clock)
      : store_(std::move(store)), clock_(std::move(clock)) {}
  Result<FleetStats> Get() {
    std::lock_guard<std::mutex> lock(mu_);
    Millis now = clock_->Now();
    if (!last_ || now - at_ >= 1000) {
      last_ = store_->Stats();
      at_ = now;
    }
    return *last_;
  }

 private:
  store::ServerStorePtr store_;
  ClockPtr clock_;
  std::mutex mu_;
  std::optional<Result<FleetStats>> last_;
  Millis at_ = 0;
};

// Everything one smsd process runs; built by the Start* functions, stopped in reverse.
struct Process {
  std::shared_ptr<Clock> clock = std::make_shared<SystemClock>();
  std::shared_ptr<metrics::Metrics> metrics = std::make_shared<metrics::Metrics>();
  std::shared_ptr<http::Router> router = std::make_shared<http::Router>();
  std::vector<roles::ReadinessCheck> checks;
  bus::BusPtr bus;
  store::StorePtr store;
  store::AlertStorePtr alerts;
  store::MaintenanceStorePtr maintenance;  // the same database as `store`
  cache::CachePtr cache;
  history::HistoryPtr history;
  roles::WriteHealthPtr write_health;  // what the worker's and the API's writes found
  std::unique_ptr<healthcheck::Healthcheck> hc;
  std::unique_ptr<management::Management> mgmt;
  std::shared_ptr<management::EventHub> events;
  std::unique_ptr<management::Rollups> rollups;
  std::unique_ptr<report::DailyReports> daily;
  std::unique_ptr<management::Retention> retention;
  std::unique_ptr<worker::Worker> wk;
  std::unique_ptr<mail::MailService> mail;
  std::unique_ptr<mail::Notifier> notifier;
};

void OpenBus(const Config& cfg, Process& p) {
  p.bus = Need(bus::MakeBus(cfg.bus), "bus");
  p.bus->RegisterMetrics(*p.metrics);
  p.checks.emplace_back("bus", [bus = p.bus] { return bus->Ping(); });
}

// The store (every role but healthcheck); the cache and the history (worker, management).
void OpenData(const Config& cfg, Process& p) {
  if (cfg.role == Role::kHealthcheck) return;
  store::Stores stores = Need(store::OpenStores({cfg.database_url}), "database");
  p.store = stores.store;
  p.alerts = stores.alerts;
  p.maintenance = stores.maintenance;
  p.checks.emplace_back("store", [store = p.store] { return store->Ping(); });
  if (cfg.role == Role::kMail) return;
  // Ping reads; a full disk or a read-only database fails only writes: the worker and the API
  // report theirs, and /readyz says "store_writes" when they keep failing.
  p.write_health = std::make_shared<roles::WriteHealth>(p.clock);
  p.checks.emplace_back("store_writes", [health = p.write_health] { return health->Check(); });
  p.cache = Need(cache::MakeCache({cfg.redis_url}), "cache");
  // Every uptime answer (API, /stats, reports, the daily mail) leaves maintenance out, whatever
  // history answers underneath; weekly windows are in --tz.
  p.history = std::make_shared<maintenance::MaintenanceHistory>(
      Need(history::MakeHistory(cfg.history, p.store), "history"),
      std::make_shared<maintenance::Maintenance>(p.maintenance,
                                                 Need(report::Calendar::Make(cfg.tz), "tz")),
      p.store);
  // Every dependency the role uses is a readiness check, the ones it can work without
  // included: /readyz tells an operator what is down. Without Redis the worker falls back to
  // SQL and goes on; without the search backend it holds its batch and retries.
  if (!cfg.redis_url.empty()) {
    p.checks.emplace_back("cache", [cache = p.cache] { return cache->Ping(); });
  }
  if (!cfg.history.search_url.empty()) {
    p.checks.emplace_back("history", [history = p.history] { return history->Ping(); });
  }
  p.cache->RegisterMetrics(*p.metrics);
  auto stats = std::make_shared<RecentStats>(p.store, p.clock);
  for (ServerStatus status : {ServerStatus::kOn, ServerStatus::kOff}) {
    p.metrics->AddGauge("sms_servers", "Servers by status.", [stats, status] {
      auto s = stats->Get();
      return s.ok() ? double(status == ServerStatus::kOn ? s->on : s->off) : -1.0;
    }, std::string("status=\"") + StatusName(status) + "\"");
  }
}

void StartManagement(const Config& cfg, Process& p) {
  auto calendar = Need(report::Calendar::Make(cfg.tz), "tz");
  report::ReportBackends rb{p.store, p.store, p.history, p.bus, p.clock};
  auto reporter = std::make_shared<report::Reporter>(rb, cfg.data_dir);
  management::ManagementBackends mb{p.store, p.history, p.cache, p.clock};
  mb.reporter = reporter;
  mb.calendar = calendar;
  mb.write_health = p.write_health;
  mb.alerts = p.alerts;
  mb.allow_private_webhooks = cfg.alerts.allow_private;
  mb.maintenance = p.maintenance;
  Check(BootstrapAdmin(cfg, *p.store, p.clock->Now()), "identity");
  mb.access = std::make_shared<management::Access>(Need(LoadJwt(cfg), "identity"), p.store, p.clock,
                                                   cfg.access);
  p.events = std::make_shared<management::EventHub>(p.store, p.clock);
  p.events->Start();
  mb.events = p.events;
  p.rollups = std::make_unique<management::Rollups>(
      management::RollupBackends{p.store, p.store, p.store, p.history, p.clock});
  p.rollups->Start();
  p.mgmt = std::make_unique<management::Management>(mb);
  p.mgmt->Register(*p.router);
  management::RegisterDocs(*p.router);
  management::RegisterWeb(*p.router);
  report::DailyOptions daily = cfg.daily;
  for (const std::string& e : daily.emails) {
    Check(mail::ValidateAddress(e, "admin_emails"), "admin-emails");
  }
  daily.requeue_unsent = !p.bus->durable();  // a bus in memory only lost its queue
  p.daily = std::make_unique<report::DailyReports>(daily, calendar, reporter, rb);
  p.daily->Start();
  p.retention = std::make_unique<management::Retention>(
      cfg.retention,
      management::RetentionBackends{p.store, p.store, p.history, p.clock, p.metrics});
  p.retention->Start();
}

void StartWorker(const Config& cfg, Process& p) {
  worker::WorkerOptions wo = cfg.worker;
  // The in-process bus dies with the process, so stopping drains it; Kafka keeps what is
  // not committed for the next worker.
  wo.drain_on_stop = !p.bus->shared();
  p.wk = std::make_unique<worker::Worker>(
      wo, worker::Backends{p.bus, p.store, p.store, p.cache, p.history, p.clock, p.metrics,
                           p.write_health});
  Check(p.wk->Start(), "worker");
}

// Alert delivery runs in the mail role: the role that sends what SMS tells people.
void StartNotifier(const Config& cfg, Process& p, mail::MailerPtr mailer) {
  p.notifier = std::make_unique<mail::Notifier>(
      cfg.alerts,
      mail::NotifierBackends{
          p.alerts, std::move(mailer), p.clock, p.metrics,
          // No alert for a server inside one of its maintenance windows (weekly ones in --tz).
          std::make_shared<mail::AlertMaintenance>(std::make_shared<maintenance::Maintenance>(
              p.maintenance, Need(report::Calendar::Make(cfg.tz), "tz")))});
  p.notifier->Start();
}

void StartMail(const Config& cfg, Process& p) {
  auto mailer = Need(mail::MakeMailer(cfg.mailer), "mail");
  p.checks.emplace_back("mailer", [mailer] { return mailer->Ping(); });
  // The outcome of each job is kept in SQL: shared by replicas, kept across restarts.
  p.mail = std::make_unique<mail::MailService>(
      cfg.mail, mail::MailBackends{p.bus, mailer, std::make_shared<mail::StoreSentLog>(p.store),
                                   p.clock, p.metrics});
  Check(p.mail->Start(), "mail");
  StartNotifier(cfg, p, mailer);
}

void StartHealthcheck(const Config& cfg, Process& p) {
  auto tokens = Need(healthcheck::AgentTokens::Load(cfg.agent_tokens), "agent-tokens");
  if (tokens.empty()) {
    spdlog::warn("healthcheck: no agent tokens set (--agent-tokens, SMS_AGENT_TOKENS): "
                 "POST /healthcheck accepts heartbeats from anyone");
  } else {
    spdlog::info("healthcheck: agents need one of {} bearer tokens", tokens.size());
  }
  p.hc = std::make_unique<healthcheck::Healthcheck>(p.bus, p.clock, p.metrics, std::move(tokens));
  p.hc->Register(*p.router);
}

// `smsd routes`: every route `smsd all` serves, one "METHOD PATTERN ACCESS" line each.
int PrintRoutes() {
  Process p;
  auto jwt = Need(auth::Jwt::Make(std::string(auth::kMinSecretBytes, 'x')), "jwt");
  healthcheck::Healthcheck hc(nullptr, p.clock, p.metrics, {});
  hc.Register(*p.router);
  management::ManagementBackends mb{nullptr, nullptr, nullptr, p.clock};
  mb.access = std::make_shared<management::Access>(jwt, nullptr, p.clock);
  mb.events = std::make_shared<management::EventHub>(nullptr, p.clock);  // never started
  management::Management mgmt(mb);
  mgmt.Register(*p.router);
  management::RegisterDocs(*p.router);
  management::RegisterWeb(*p.router);
  roles::RegisterProbes(*p.router, p.metrics, {});
  for (const http::Route& r : p.router->routes()) {
    std::cout << r.method << ' ' << r.pattern << ' ' << r.access << '\n';
  }
  return 0;
}

// `smsd set-password USERNAME [--data-dir D | --database-url U]`, the password on stdin.
int SetPasswordCommand(int argc, char** argv) {
  std::vector<const char*> args = {argv[0], "all"};  // parsed as `smsd all` would be
  for (int i = 3; i < argc; ++i) args.push_back(argv[i]);
  int exit_code = 0;
  auto cfg = ParseConfig(int(args.size()), args.data(), &exit_code);
  if (!cfg.ok()) {
    std::cerr << cfg.status().message() << "\n";
    return exit_code == 0 ? 2 : exit_code;
  }
  auto done = SetPassword(*cfg, argv[2], std::cin, SystemClock().Now());
  if (!done.ok()) {
    std::cerr << "smsd set-password: " << done.status().message() << "\n";
    return 1;
  }
  std::cout << "smsd set-password: " << *done << "\n";
  return 0;
}

int Run(const Config& cfg) {
  Check(SetupLogging(cfg.log), "logging");
  std::filesystem::create_directories(cfg.data_dir);
  Process p;
  OpenBus(cfg, p);
  OpenData(cfg, p);
  if (Has(cfg.role, Role::kHealthcheck)) StartHealthcheck(cfg, p);
  if (Has(cfg.role, Role::kManagement)) StartManagement(cfg, p);
  if (Has(cfg.role, Role::kWorker)) StartWorker(cfg, p);
  if (Has(cfg.role, Role::kMail)) StartMail(cfg, p);
  roles::RegisterProbes(*p.router, p.metrics, std::move(p.checks));

  http::ServerOptions so = cfg.http;
  so.listen = cfg.listen;
  so.trusted_proxies = Need(http::TrustedProxies::Parse(cfg.trusted_proxies), "trusted-proxies");
  // Heartbeat handlers never block, so the ingest-only role runs one event loop per thread
  // (no cross-thread handoff); roles with SQL handlers share the threads.
  so.pinned = cfg.role == Role::kHealthcheck;
  http::Server server(so, p.router, p.metrics);
  Check(server.Start(), ("listen " + cfg.listen).c_str());
  std::string host = cfg.listen.substr(0, cfg.listen.rfind(':'));
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  spdlog::info("smsd {} listening on http://{}:{} (database {}, bus {}, data dir {})",
               RoleName(cfg.role), host, server.port(),
               p.store ? RedactUrl(cfg.database_url) : std::string("-"),
               p.bus->shared() ? cfg.bus.brokers : "in-process", cfg.data_dir);

  int sig = WaitForSignal();
  spdlog::info("smsd: signal {} received; draining", sig);
  server.Stop();  // no new heartbeats; requests in flight finish and are on the bus
  if (p.events) p.events->Stop();
  if (p.rollups) p.rollups->Stop();
  if (p.daily) p.daily->Stop();
  if (p.retention) p.retention->Stop();
  if (p.wk) p.wk->Stop();
  if (p.mail) p.mail->Stop();
  if (p.notifier) p.notifier->Stop();
  Status flushed = p.bus->Flush(std::chrono::seconds(10));
  if (!flushed.ok()) spdlog::error("smsd: bus flush: {}", flushed.ToString());
  spdlog::info("smsd: stopped cleanly");
  return 0;
}

}  // namespace
}  // namespace sms::app

int main(int argc, char** argv) {
  // Block the stop signals before any thread starts, so only WaitForSignal receives them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  if (argc == 2 && std::string_view(argv[1]) == "routes") return sms::app::PrintRoutes();
  if (argc >= 2 && std::string_view(argv[1]) == "probe") {
    return sms::app::ProbeCommand(argc - 1, argv + 1);
  }
  if (argc >= 3 && std::string_view(argv[1]) == "set-password") {
    return sms::app::SetPasswordCommand(argc, argv);
  }
  int exit_code = 0;
  auto cfg = sms::app::ParseConfig(argc, argv, &exit_code);
  if (!cfg.ok()) {
    std::fputs(cfg.status().message().c_str(), exit_code == 0 ? stdout : stderr);
    if (cfg.status().message().back() != '\n') std::fputc('\n', exit_code == 0 ? stdout : stderr);
    return exit_code;
  }
  try {
    return sms::app::Run(*cfg);
  } catch (const std::exception& e) {
    spdlog::critical("smsd: {}", e.what());
    return 1;
  }
}
