#include "app/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "core/secret_file.h"
#include "report/calendar.h"

namespace sms::app {
namespace {

// The tests run without the SMS_* variables make test exports for the engines it starts.
class WithoutSmsEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    std::vector<std::string> names;
    for (char** e = environ; *e != nullptr; ++e) {
      std::string entry(*e);
      if (entry.rfind("SMS_", 0) == 0) names.push_back(entry.substr(0, entry.find('=')));
    }
    for (const std::string& name : names) unsetenv(name.c_str());
  }
};
const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new WithoutSmsEnvironment);

Result<Config> Parse(std::vector<const char*> args, int* code) {
  args.insert(args.begin(), "smsd");
  return ParseConfig(int(args.size()), args.data(), code);
}

TEST(ConfigTest, DefaultsNeedNoConfiguration) {
  int code = -1;
  auto c = Parse({}, &code);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->role, Role::kAll);
  EXPECT_EQ(c->listen, "0.0.0.0:8080");
  EXPECT_EQ(c->worker.grace_ms, 30'000);
  EXPECT_EQ(c->tz, report::HostTimeZone(std::getenv("TZ")));
  EXPECT_EQ(c->database_url, "sqlite:./data/sms.db");
}

TEST(ConfigTest, FlagBeatsEnvironment) {
  setenv("SMS_HEARTBEAT_GRACE", "45", 1);
  int code = -1;
  auto from_env = Parse({}, &code);
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->worker.grace_ms, 45'000);
  auto from_flag = Parse({"--heartbeat-grace", "12"}, &code);
  ASSERT_TRUE(from_flag.ok());
  EXPECT_EQ(from_flag->worker.grace_ms, 12'000);
  unsetenv("SMS_HEARTBEAT_GRACE");
}

// Each flag fills its module's options; a flag left out keeps the module's default.
TEST(ConfigTest, ModuleSettingsFillTheModulesOptions) {
  int code = -1;
  auto d = Parse({}, &code);
  ASSERT_TRUE(d.ok()) << d.status().message();
  const worker::WorkerOptions worker;
  EXPECT_EQ(d->worker.grace_ms, worker.grace_ms);
  EXPECT_EQ(d->worker.batch_linger, worker.batch_linger);
  EXPECT_EQ(d->worker.sweep_every, worker.sweep_every);
  const mail::NotifierOptions alerts;
  EXPECT_EQ(d->alerts.settings.group_ms, alerts.settings.group_ms);
  EXPECT_EQ(d->alerts.timeout, alerts.timeout);
  EXPECT_EQ(d->alerts.from, mail::MailServiceOptions().from);
  EXPECT_EQ(d->http.max_connections, http::ServerOptions().max_connections);
  setenv("SMS_SWEEP_INTERVAL_MS", "250", 1);
  auto c = Parse({"--batch-linger-ms", "7", "--batch-size", "9", "--auto-register", "false",
                  "--alert-group-seconds", "3", "--alert-flap-window-seconds", "60",
                  "--alert-backoff-ms", "20", "--alert-timeout-seconds", "4", "--mail-from",
                  "ops@example.com", "--mail-max-attempts", "2", "--threads", "3"},
                 &code);
  unsetenv("SMS_SWEEP_INTERVAL_MS");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->worker.batch_linger, std::chrono::milliseconds(7));
  EXPECT_EQ(c->worker.sweep_every, std::chrono::milliseconds(250));
  EXPECT_EQ(c->worker.batch_size, 9u);
  EXPECT_FALSE(c->worker.auto_register);
  EXPECT_EQ(c->alerts.settings.group_ms, 3000);
  EXPECT_EQ(c->alerts.settings.flap_window_ms, 60'000);
  EXPECT_EQ(c->alerts.backoff_initial, std::chrono::milliseconds(20));
  EXPECT_EQ(c->alerts.timeout, std::chrono::milliseconds(4000));
  EXPECT_EQ(c->mail.from, "ops@example.com");
  EXPECT_EQ(c->alerts.from, "ops@example.com");
  EXPECT_EQ(c->mail.max_attempts, 2);
  EXPECT_EQ(c->http.threads, 3);
  EXPECT_FALSE(Parse({"--alert-timeout-seconds", "0"}, &code).ok());
}

// The bus, the search history, retention, SMTP, logging, sessions and the daily report keep
// their modules' defaults; what ParseConfig derives from --data-dir and --heartbeat-grace is set.
TEST(ConfigTest, EmbeddedOptionsKeepTheirModulesDefaults) {
  int code = -1;
  auto d = Parse({}, &code);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->bus.brokers, "");
  EXPECT_EQ(d->bus.topic_prefix, "");
  EXPECT_EQ(d->bus.queue_capacity, bus::BusConfig().queue_capacity);
  EXPECT_EQ(d->bus.queue_capacity, size_t{1} << 20);
  EXPECT_EQ(d->bus.journal_dir, "./data/journal");
  EXPECT_EQ(d->history.search_url, "");
  EXPECT_EQ(d->history.search_index_prefix, "sms-heartbeats");
  EXPECT_EQ(d->history.retention_days, history::HistoryConfig().retention_days);
  EXPECT_EQ(d->history.grace, d->worker.grace_ms);
  const store::RetentionPolicy policy;
  EXPECT_EQ(d->retention.policy.report_days, policy.report_days);
  EXPECT_EQ(d->retention.policy.bus_retention_days, policy.bus_retention_days);
  EXPECT_EQ(d->retention.policy.alert_days, policy.alert_days);
  EXPECT_EQ(d->mailer.smtp_url, "");
  EXPECT_EQ(d->mailer.starttls, mail::StartTls::kTry);
  EXPECT_EQ(d->mailer.outbox_dir, "./data/outbox");
  EXPECT_EQ(d->log.level, "info");
  EXPECT_EQ(d->log.file_size_bytes, LogOptions().file_size_bytes);
  EXPECT_EQ(d->log.file_size_bytes, size_t{100} << 20);
  EXPECT_EQ(d->log.file_count, 5u);
  const management::AccessOptions access;
  EXPECT_EQ(d->access.session_ttl, access.session_ttl);
  EXPECT_EQ(d->access.session_ttl, 15 * 60'000);
  EXPECT_EQ(d->access.cookie_idle, 30 * 60'000);
  EXPECT_TRUE(d->daily.emails.empty());
  EXPECT_EQ(d->daily.report_minutes, report::DailyOptions().report_minutes);
  EXPECT_EQ(d->daily.report_minutes, 5);
}

// Every setting of those groups, by flag and by its environment variable, lands in its
// module's options, converted once (minutes and megabytes to the module's unit).
TEST(ConfigTest, EmbeddedOptionsComeFromTheFlagAndTheEnvironment) {
  struct Setting {
    const char* flag;
    const char* env;
    const char* value;
    std::function<bool(const Config&)> holds;
  };
  const std::vector<Setting> settings = {
      {"--kafka-brokers", "SMS_KAFKA_BROKERS", "k1:9092,k2:9092",
       [](const Config& c) { return c.bus.brokers == "k1:9092,k2:9092"; }},
      {"--kafka-topic-prefix", "SMS_KAFKA_TOPIC_PREFIX", "staging.",
       [](const Config& c) { return c.bus.topic_prefix == "staging."; }},
      {"--kafka-linger-ms", "SMS_KAFKA_LINGER_MS", "25",
       [](const Config& c) { return c.bus.linger == std::chrono::milliseconds(25); }},
      {"--queue-capacity", "SMS_QUEUE_CAPACITY", "64",
       [](const Config& c) { return c.bus.queue_capacity == 64; }},
      {"--search-url", "SMS_SEARCH_URL", "http://search:9200",
       [](const Config& c) { return c.history.search_url == "http://search:9200"; }},
      {"--search-index-prefix", "SMS_SEARCH_INDEX_PREFIX", "beats",
       [](const Config& c) { return c.history.search_index_prefix == "beats"; }},
      {"--history-retention-days", "SMS_HISTORY_RETENTION_DAYS", "14",
       [](const Config& c) { return c.history.retention_days == 14; }},
      {"--heartbeat-grace", "SMS_HEARTBEAT_GRACE", "45",
       [](const Config& c) { return c.history.grace == 45'000; }},
      {"--report-retention-days", "SMS_REPORT_RETENTION_DAYS", "365",
       [](const Config& c) { return c.retention.policy.report_days == 365; }},
      {"--bus-retention-days", "SMS_BUS_RETENTION_DAYS", "3",
       [](const Config& c) { return c.retention.policy.bus_retention_days == 3; }},
      {"--alert-retention-days", "SMS_ALERT_RETENTION_DAYS", "30",
       [](const Config& c) { return c.retention.policy.alert_days == 30; }},
      {"--smtp-url", "SMS_SMTP_URL", "smtps://mail:465",
       [](const Config& c) { return c.mailer.smtp_url == "smtps://mail:465"; }},
      {"--smtp-user", "SMS_SMTP_USER", "sms",
       [](const Config& c) { return c.mailer.smtp_user == "sms"; }},
      {"--smtp-password", "SMS_SMTP_PASSWORD", "pw",
       [](const Config& c) { return c.mailer.smtp_password == "pw"; }},
      {"--smtp-starttls", "SMS_SMTP_STARTTLS", "required",
       [](const Config& c) { return c.mailer.starttls == mail::StartTls::kRequired; }},
      {"--smtp-ca-file", "SMS_SMTP_CA_FILE", "/etc/ca.pem",
       [](const Config& c) { return c.mailer.smtp_ca_file == "/etc/ca.pem"; }},
      {"--log-level", "SMS_LOG_LEVEL", "debug",
       [](const Config& c) { return c.log.level == "debug"; }},
      {"--log-format", "SMS_LOG_FORMAT", "json",
       [](const Config& c) { return c.log.format == "json"; }},
      {"--log-file", "SMS_LOG_FILE", "/var/log/smsd.log",
       [](const Config& c) { return c.log.file == "/var/log/smsd.log"; }},
      {"--log-file-size-mb", "SMS_LOG_FILE_SIZE_MB", "7",
       [](const Config& c) { return c.log.file_size_bytes == size_t{7} << 20; }},
      {"--log-file-count", "SMS_LOG_FILE_COUNT", "2",
       [](const Config& c) { return c.log.file_count == 2; }},
      {"--jwt-ttl-minutes", "SMS_JWT_TTL_MINUTES", "60",
       [](const Config& c) { return c.access.session_ttl == 3'600'000; }},
      {"--session-idle-minutes", "SMS_SESSION_IDLE_MINUTES", "5",
       [](const Config& c) { return c.access.cookie_idle == 300'000; }},
      {"--admin-emails", "SMS_ADMIN_EMAILS", " a@example.com, ,b@example.com ",
       [](const Config& c) {
         return c.daily.emails == std::vector<std::string>{"a@example.com", "b@example.com"};
       }},
      {"--report-time", "SMS_REPORT_TIME", "06:30",
       [](const Config& c) { return c.daily.report_minutes == 6 * 60 + 30; }}};
  for (const Setting& s : settings) {
    int code = -1;
    auto by_flag = Parse({s.flag, s.value}, &code);
    ASSERT_TRUE(by_flag.ok()) << s.flag << ": " << by_flag.status().message();
    EXPECT_TRUE(s.holds(*by_flag)) << s.flag;
    setenv(s.env, s.value, 1);
    auto by_env = Parse({}, &code);
    unsetenv(s.env);
    ASSERT_TRUE(by_env.ok()) << s.env << ": " << by_env.status().message();
    EXPECT_TRUE(s.holds(*by_env)) << s.env;
  }
}

TEST(ConfigTest, ABadReportTimeOrStartTlsStopsBeforeTheStart) {
  for (std::vector<const char*> args : {std::vector<const char*>{"--report-time", "25:00"},
                                        {"--report-time", "noon"},
                                        {"--smtp-starttls", "never"}}) {
    int code = 0;
    auto r = Parse(args, &code);
    ASSERT_FALSE(r.ok()) << args[0] << " " << args[1];
    EXPECT_NE(code, 0) << r.status().message();
    EXPECT_EQ(r.status().message().rfind(args[0], 0), 0u) << r.status().message();
  }
}

// --help shows each setting with its type, its module's default and its variable.
TEST(ConfigTest, HelpShowsTheModulesDefaults) {
  int code = -1;
  auto help = Parse({"--help"}, &code);
  ASSERT_FALSE(help.ok());
  EXPECT_EQ(code, 0);
  const std::string& text = help.status().message();
  for (const char* shown :
       {"--search-index-prefix TEXT=sms-heartbeats (Env:SMS_SEARCH_INDEX_PREFIX)",
        "--history-retention-days INT:INT in [1 - 36500]=30 (Env:SMS_HISTORY_RETENTION_DAYS)",
        "--report-retention-days INT:INT in [8 - 36500]=90 (Env:SMS_REPORT_RETENTION_DAYS)",
        "--bus-retention-days INT:INT in [1 - 3650]=7 (Env:SMS_BUS_RETENTION_DAYS)",
        "--alert-retention-days INT:INT in [1 - 36500]=90 (Env:SMS_ALERT_RETENTION_DAYS)",
        "--queue-capacity UINT:INT in [1 - 100000000]=1048576 (Env:SMS_QUEUE_CAPACITY)",
        "--admin-emails TEXT (Env:SMS_ADMIN_EMAILS)",
        "--report-time TEXT=00:05 (Env:SMS_REPORT_TIME)",
        "--smtp-starttls TEXT:{try,required}=try (Env:SMS_SMTP_STARTTLS)",
        "--log-level TEXT:{trace,debug,info,warn,error}=info (Env:SMS_LOG_LEVEL)",
        "--jwt-ttl-minutes INT:INT in [1 - 1440]=15 (Env:SMS_JWT_TTL_MINUTES)",
        "--session-idle-minutes INT:INT in [1 - 1440]=30 (Env:SMS_SESSION_IDLE_MINUTES)",
        "--log-file-size-mb INT:INT in [1 - 100000]=100 (Env:SMS_LOG_FILE_SIZE_MB)",
        "--log-file-count INT:INT in [1 - 1000]=5 (Env:SMS_LOG_FILE_COUNT)"}) {
    EXPECT_NE(text.find(shown), std::string::npos) << shown << "\n" << text;
  }
}

TEST(ConfigTest, BadValuesStopWithOneClearLine) {
  int code = 0;
  auto bad = Parse({"--heartbeat-grace", "-5"}, &code);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(code, 0);
  EXPECT_NE(bad.status().message().find("heartbeat-grace"), std::string::npos);
  EXPECT_FALSE(Parse({"bogus-role"}, &code).ok());
  auto split = Parse({"worker"}, &code);
  EXPECT_FALSE(split.ok());
  EXPECT_NE(split.status().message().find("--kafka-brokers"), std::string::npos);
}

TEST(ConfigTest, SplitRoleListensOnItsPort) {
  int code = 0;
  auto c = Parse({"management", "--kafka-brokers", "127.0.0.1:9092"}, &code);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->listen, "0.0.0.0:8081");
}

TEST(ConfigTest, RedactUrlHidesPasswordsOnly) {
  EXPECT_EQ(RedactUrl("postgresql://sms:s3cret@db:5432/sms"), "postgresql://sms:***@db:5432/sms");
  EXPECT_EQ(RedactUrl("redis://:pw@127.0.0.1:6379/0"), "redis://:***@127.0.0.1:6379/0");
  EXPECT_EQ(RedactUrl("postgresql://db/sms"), "postgresql://db/sms");
  EXPECT_EQ(RedactUrl("postgresql://user@db/sms"), "postgresql://user@db/sms");
  EXPECT_EQ(RedactUrl("sqlite:./data/sms.db"), "sqlite:./data/sms.db");
  EXPECT_EQ(RedactUrl("http://host/a:b@c"), "http://host/a:b@c");
}

TEST(ConfigTest, SecurityLoggingAndLimitSettings) {
  int code = -1;
  auto d = Parse({}, &code);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->agent_tokens, "");
  EXPECT_EQ(d->log.format, "text");
  EXPECT_EQ(d->http.max_json_depth, 32u);
  setenv("SMS_AGENT_TOKENS", "env-token-1", 1);
  setenv("SMS_MAX_QUERY_PARAMS", "7", 1);
  auto c = Parse({"--log-format", "json", "--log-file", "/var/log/smsd.log", "--log-file-size-mb",
                  "10", "--log-file-count", "3", "--max-connections", "50", "--max-json-depth",
                  "8", "--max-query-length", "512", "--max-header-bytes", "4096",
                  "--read-timeout", "5", "--idle-timeout", "9"},
                 &code);
  unsetenv("SMS_AGENT_TOKENS");
  unsetenv("SMS_MAX_QUERY_PARAMS");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->agent_tokens, "env-token-1");
  EXPECT_EQ(c->log.format, "json");
  EXPECT_EQ(c->log.file, "/var/log/smsd.log");
  EXPECT_EQ(c->log.file_size_bytes, 10u << 20);
  EXPECT_EQ(c->log.file_count, 3u);
  EXPECT_EQ(c->http.max_connections, 50u);
  EXPECT_EQ(c->http.max_json_depth, 8u);
  EXPECT_EQ(c->http.max_query_params, 7u);
  EXPECT_EQ(c->http.max_query_length, 512u);
  EXPECT_EQ(c->http.header_limit, 4096u);
  EXPECT_EQ(c->http.read_timeout_seconds, 5);
  EXPECT_EQ(c->http.idle_timeout_seconds, 9);
  EXPECT_FALSE(Parse({"--log-format", "xml"}, &code).ok());
  EXPECT_FALSE(Parse({"--max-json-depth", "0"}, &code).ok());
}

TEST(ConfigTest, RetentionSettingsHaveDefaultsAndStopOnABadValue) {
  int code = -1;
  auto d = Parse({}, &code);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->history.retention_days, 30);
  EXPECT_EQ(d->retention.policy.report_days, 90);
  EXPECT_EQ(d->retention.policy.bus_retention_days, 7);
  EXPECT_EQ(d->retention.policy.alert_days, 90);
  setenv("SMS_HISTORY_RETENTION_DAYS", "14", 1);
  auto c = Parse({"--report-retention-days", "365", "--bus-retention-days", "3"}, &code);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->history.retention_days, 14);
  EXPECT_EQ(c->retention.policy.report_days, 365);
  EXPECT_EQ(c->retention.policy.bus_retention_days, 3);
  struct Bad {
    std::vector<const char*> args;
    const char* named;
  };
  for (const Bad& bad : std::vector<Bad>{
           {{"--history-retention-days", "0"}, "--history-retention-days"},
           {{"--history-retention-days", "a month"}, "--history-retention-days"},
           {{"--report-retention-days", "7"}, "--report-retention-days"},  // under the daily
                                                                           // catch-up: sent twice
           {{"--bus-retention-days", "-1"}, "--bus-retention-days"}}) {
    code = 0;
    auto r = Parse(bad.args, &code);
    ASSERT_FALSE(r.ok()) << bad.args[0] << " " << bad.args[1];
    EXPECT_NE(code, 0);
    // The first line names the setting and the bad value, as for every other setting.
    EXPECT_EQ(r.status().message().rfind(bad.named, 0), 0u) << r.status().message();
    EXPECT_NE(r.status().message().find(bad.args[1]), std::string::npos);
  }
  setenv("SMS_HISTORY_RETENTION_DAYS", "0", 1);
  EXPECT_FALSE(Parse({}, &code).ok());
  unsetenv("SMS_HISTORY_RETENTION_DAYS");
}

TEST(ConfigTest, HelpNeverShowsTheAgentTokens) {
  setenv("SMS_AGENT_TOKENS", "secret-token-value", 1);
  int code = -1;
  auto c = Parse({"--help"}, &code);
  unsetenv("SMS_AGENT_TOKENS");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(code, 0);
  EXPECT_NE(c.status().message().find("--agent-tokens"), std::string::npos);
  EXPECT_EQ(c.status().message().find("secret-token-value"), std::string::npos);
}

// A file under the test's temporary directory holding `content`; its path.
std::string WriteFile(const std::string& name, const std::string& content) {
  auto path = std::filesystem::path(::testing::TempDir()) / name;
  std::ofstream(path, std::ios::binary) << content;
  return path.string();
}

TEST(ConfigTest, SecretsComeFromFilesWithTheTrailingNewlineDropped) {
  setenv("SMS_ADMIN_PASSWORD_FILE", WriteFile("admin", "admin pass word\n").c_str(), 1);
  setenv("SMS_JWT_SECRET_FILE", WriteFile("jwt", std::string(40, 'j') + "\r\n").c_str(), 1);
  setenv("SMS_SMTP_PASSWORD_FILE", WriteFile("smtp", "smtp pw").c_str(), 1);
  std::string db = WriteFile("db", "postgresql://sms:p%40ss@db:5432/sms\n\n");
  int code = -1;
  auto c = Parse({"--database-url-file", db.c_str()}, &code);
  unsetenv("SMS_ADMIN_PASSWORD_FILE");
  unsetenv("SMS_JWT_SECRET_FILE");
  unsetenv("SMS_SMTP_PASSWORD_FILE");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->admin_password, "admin pass word");
  EXPECT_EQ(c->jwt_secret, std::string(40, 'j'));
  EXPECT_EQ(c->mailer.smtp_password, "smtp pw");
  EXPECT_EQ(c->database_url, "postgresql://sms:p%40ss@db:5432/sms");
  // Inner newlines and spaces are the secret's own.
  auto inner = Parse({"--smtp-password-file", WriteFile("inner", " a\nb \n").c_str()}, &code);
  ASSERT_TRUE(inner.ok());
  EXPECT_EQ(inner->mailer.smtp_password, " a\nb ");
}

TEST(ConfigTest, ASecretGivenBothWaysStopsNamingBoth) {
  std::string file = WriteFile("both", "from the file");
  setenv("SMS_DATABASE_URL", "postgresql://db/sms", 1);
  int code = 0;
  auto db = Parse({"--database-url-file", file.c_str()}, &code);
  unsetenv("SMS_DATABASE_URL");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(code, 2);
  EXPECT_EQ(db.status().message(),
            "smsd: set either --database-url (SMS_DATABASE_URL) or --database-url-file "
            "(SMS_DATABASE_URL_FILE), not both");
  setenv("SMS_ADMIN_PASSWORD", "the admin password", 1);
  auto admin = Parse({"--admin-password-file", file.c_str()}, &code);
  unsetenv("SMS_ADMIN_PASSWORD");
  ASSERT_FALSE(admin.ok());
  EXPECT_NE(admin.status().message().find("SMS_ADMIN_PASSWORD_FILE"), std::string::npos);
  setenv("SMS_JWT_SECRET", std::string(40, 's').c_str(), 1);
  auto jwt = Parse({"--jwt-secret-file", file.c_str()}, &code);
  unsetenv("SMS_JWT_SECRET");
  ASSERT_FALSE(jwt.ok());
  EXPECT_NE(jwt.status().message().find("SMS_JWT_SECRET or --jwt-secret-file"), std::string::npos);
  auto smtp = Parse({"--smtp-password", "pw", "--smtp-password-file", file.c_str()}, &code);
  ASSERT_FALSE(smtp.ok());
  EXPECT_EQ(smtp.status().field(), "smtp_password");
}

TEST(ConfigTest, AnUnreadableSecretFileStopsWithOneLineNamingTheSetting) {
  int code = 0;
  auto missing = Parse({"--smtp-password-file", "/nonexistent/smtp-password"}, &code);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(code, 2);
  EXPECT_EQ(missing.status().message(),
            "smsd: --smtp-password-file (SMS_SMTP_PASSWORD_FILE): /nonexistent/smtp-password "
            "cannot be read: No such file or directory");
  auto directory = Parse({"--database-url-file", ::testing::TempDir().c_str()}, &code);
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.status().message().find("cannot be read"), std::string::npos);
  std::string empty = WriteFile("empty", "\n");
  setenv("SMS_ADMIN_PASSWORD_FILE", empty.c_str(), 1);
  auto blank = Parse({}, &code);
  unsetenv("SMS_ADMIN_PASSWORD_FILE");
  ASSERT_FALSE(blank.ok());
  EXPECT_EQ(blank.status().message(),
            "smsd: --admin-password-file (SMS_ADMIN_PASSWORD_FILE): " + empty + " is empty");
  std::string big = WriteFile("big", std::string(kMaxSecretFileBytes + 1, 'x'));
  auto large = Parse({"--jwt-secret-file", big.c_str()}, &code);
  ASSERT_FALSE(large.ok());
  EXPECT_EQ(large.status().message(), "smsd: --jwt-secret-file (SMS_JWT_SECRET_FILE): " + big +
                                          " is larger than 65536 bytes");
  EXPECT_EQ(large.status().message().find("xxxx"), std::string::npos);
  std::string fits = WriteFile("fits", std::string(kMaxSecretFileBytes, 'y'));
  auto exact = Parse({"--jwt-secret-file", fits.c_str()}, &code);
  ASSERT_TRUE(exact.ok()) << exact.status().message();
  EXPECT_EQ(exact->jwt_secret.size(), kMaxSecretFileBytes);
}

}  // namespace
}  // namespace sms::app
