#include "app/config.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <sstream>

#include "core/secret_file.h"
#include "report/calendar.h"
#include "store/retention_rule.h"

namespace sms::app {
namespace {

const std::map<std::string, Role> kRoles = {{"all", Role::kAll},
                                            {"healthcheck", Role::kHealthcheck},
                                            {"worker", Role::kWorker},
                                            {"management", Role::kManagement},
                                            {"mail", Role::kMail}};

constexpr int64_t kMillisecond = 1;
constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60'000;
constexpr int64_t kMegabyte = 1 << 20;

int64_t Units(Millis v) { return v; }
int64_t Units(std::chrono::milliseconds v) { return v.count(); }
int64_t Units(size_t v) { return int64_t(v); }

// An option of whole units (`unit` of the field's each: ms, bytes) filling a field kept in the
// smaller one (Millis, std::chrono::milliseconds, size_t); the default shown is the field's.
template <typename Field>
CLI::Option* AddScaled(CLI::App& app, const std::string& name, Field& field, int64_t unit,
                       const std::string& help) {
  return app
      .add_option_function<int>(
          name, [&field, unit](const int& v) { field = Field(int64_t(v) * unit); }, help)
      ->default_str(std::to_string(Units(field) / unit));
}

// "a@x, b@y" -> {"a@x", "b@y"}: items trimmed, empty ones dropped.
std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    size_t b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

// Minutes past midnight as --report-time writes them: "HH:MM".
std::string ReportTimeText(int minutes) {
  char text[8];
  std::snprintf(text, sizeof text, "%02d:%02d", minutes / 60 % 100, minutes % 60);
  return text;
}

// Sets the field from `text` with `parse` (a module's own parser); a bad value stops the start
// as CLI11's checks do, with the parser's message.
template <typename Field, typename Parse>
std::function<void(const std::string&)> Parsed(const std::string& name, Field& field, Parse parse) {
  return [name, &field, parse](const std::string& text) {
    auto value = parse(text);
    if (!value.ok()) throw CLI::ValidationError(name, value.status().message());
    field = *value;
  };
}

void AddOptions(CLI::App& app, Config& c) {
  app.add_option("--listen", c.listen, "host:port to serve on (default per role)")
      ->envname("SMS_LISTEN");
  app.add_option("--data-dir", c.data_dir, "Directory for the SQLite file and local state")
      ->envname("SMS_DATA_DIR")->capture_default_str();
  AddScaled(app, "--heartbeat-grace", c.worker.grace_ms, kSecond,
            "Seconds past a server's interval before it is marked off")
      ->envname("SMS_HEARTBEAT_GRACE")->check(CLI::Range(0, 86400));
  if (c.tz.empty()) c.tz = report::HostTimeZone(std::getenv("TZ"));
  app.add_option("--tz", c.tz, "Time zone of reports (default: the host's: TZ, /etc/localtime)")
      ->envname("SMS_TZ")
      ->capture_default_str();
  app.add_option("--auto-register", c.worker.auto_register,
                 "Register unknown servers on their first heartbeat")
      ->envname("SMS_AUTO_REGISTER")->capture_default_str();
  app.add_option("--database-url", c.database_url,
                 "sqlite:<path> or postgresql://… (default sqlite:<data-dir>/sms.db)")
      ->envname("SMS_DATABASE_URL");
  app.add_option("--database-url-file", c.database_url_file,
                 "File holding the database URL (a docker secret); instead of --database-url")
      ->envname("SMS_DATABASE_URL_FILE");
  app.add_option("--kafka-brokers", c.bus.brokers, "host:port,… (default: in-process bus)")
      ->envname("SMS_KAFKA_BROKERS");
  app.add_option("--kafka-topic-prefix", c.bus.topic_prefix,
                 "Prefix of topic and consumer-group names (share a Kafka cluster)")
      ->envname("SMS_KAFKA_TOPIC_PREFIX");
  AddScaled(app, "--kafka-linger-ms", c.bus.linger, kMillisecond,
            "How long the producer gathers messages into one request (a 202 waits for it)")
      ->envname("SMS_KAFKA_LINGER_MS")->check(CLI::Range(0, 1000));
  app.add_option("--redis-url", c.redis_url, "redis://… (default: in-process cache)")
      ->envname("SMS_REDIS_URL");
  app.add_option("--search-url", c.history.search_url, "http://… OpenSearch/Elasticsearch")
      ->envname("SMS_SEARCH_URL");
  app.add_option("--search-index-prefix", c.history.search_index_prefix,
                 "Name prefix of the daily heartbeat indices (share a search cluster)")
      ->envname("SMS_SEARCH_INDEX_PREFIX")->capture_default_str();
  app.add_option("--history-retention-days", c.history.retention_days,
                 "Days of daily heartbeat indices kept in the search backend; older windows "
                 "are answered from the SQL status history")
      ->envname("SMS_HISTORY_RETENTION_DAYS")->check(CLI::Range(1, 36500))->capture_default_str();
  app.add_option("--report-retention-days", c.retention.policy.report_days, "Days reports are kept")
      ->envname("SMS_REPORT_RETENTION_DAYS")
      ->check(CLI::Range(store::kMinReportRetentionDays, 36500))->capture_default_str();
  // Kafka keeps a mail job for the topic's retention.ms (SMS creates the topic without one, so
  // the broker's log.retention.hours applies: 7 days by default) and may deliver it again until
  // then; the outcome that makes mail effectively-once must outlive it. Reading the topic's
  // setting would need the DescribeConfigs right on the cluster, which a producer's account
  // often lacks, so it is a setting with the broker's default.
  app.add_option("--bus-retention-days", c.retention.policy.bus_retention_days,
                 "Days the bus may deliver a mail job again (Kafka: the mail topic's retention); "
                 "mail outcomes are kept a day longer")
      ->envname("SMS_BUS_RETENTION_DAYS")->check(CLI::Range(1, 3650))->capture_default_str();
  app.add_option("--alert-retention-days", c.retention.policy.alert_days,
                 "Days resolved alerts and finished notifications (sent, dead, digested) are "
                 "kept; open and acknowledged alerts are kept while they last")
      ->envname("SMS_ALERT_RETENTION_DAYS")->check(CLI::Range(1, 36500))->capture_default_str();
  app.add_option("--threads", c.http.threads, "HTTP threads (0: one per core)")
      ->envname("SMS_THREADS")->check(CLI::Range(0, 256))->capture_default_str();
  app.add_option("--batch-size", c.worker.batch_size, "Heartbeats per worker transaction")
      ->envname("SMS_BATCH_SIZE")->check(CLI::Range(1, 100000))->capture_default_str();
  AddScaled(app, "--batch-linger-ms", c.worker.batch_linger, kMillisecond,
            "How long a worker keeps collecting a batch smaller than --batch-size")
      ->envname("SMS_BATCH_LINGER_MS")->check(CLI::Range(0, 1000));
  AddScaled(app, "--sweep-interval-ms", c.worker.sweep_every, kMillisecond,
            "How often the offline sweep runs")
      ->envname("SMS_SWEEP_INTERVAL_MS")->check(CLI::Range(10, 600000));
  app.add_option("--queue-capacity", c.bus.queue_capacity, "In-process bus capacity (messages)")
      ->envname("SMS_QUEUE_CAPACITY")->check(CLI::Range(1, 100000000))->capture_default_str();
  app.add_option_function<std::string>(
         "--admin-emails", [&c](const std::string& v) { c.daily.emails = SplitList(v); },
         "Comma-separated addresses of the daily report (none: no daily report)")
      ->envname("SMS_ADMIN_EMAILS");
  app.add_option_function<std::string>(
         "--report-time", Parsed("--report-time", c.daily.report_minutes, report::ParseReportTime),
         "HH:MM in --tz when the daily report goes out")
      ->envname("SMS_REPORT_TIME")->default_str(ReportTimeText(c.daily.report_minutes));
  app.add_option("--smtp-url", c.mailer.smtp_url,
                 "smtp://host[:port] or smtps://… (default: outbox)")
      ->envname("SMS_SMTP_URL");
  app.add_option("--smtp-user", c.mailer.smtp_user, "SMTP AUTH user")->envname("SMS_SMTP_USER");
  app.add_option("--smtp-password", c.mailer.smtp_password, "SMTP AUTH password (never logged)")
      ->envname("SMS_SMTP_PASSWORD");
  app.add_option("--smtp-password-file", c.smtp_password_file,
                 "File holding the SMTP AUTH password (a docker secret); or --smtp-password")
      ->envname("SMS_SMTP_PASSWORD_FILE");
  app.add_option_function<std::string>(
         "--smtp-starttls",
         Parsed("--smtp-starttls", c.mailer.starttls,
                [](const std::string& v) { return mail::ParseStartTls(v); }),
         "try|required (smtp:// only)")
      ->envname("SMS_SMTP_STARTTLS")->check(CLI::IsMember({"try", "required"}))
      ->default_str(c.mailer.starttls == mail::StartTls::kTry ? "try" : "required");
  app.add_option("--smtp-ca-file", c.mailer.smtp_ca_file, "PEM bundle verifying the SMTP server")
      ->envname("SMS_SMTP_CA_FILE");
  app.add_option("--mail-from", c.mail.from, "From of every mail")
      ->envname("SMS_MAIL_FROM")->capture_default_str();
  app.add_option("--mail-max-attempts", c.mail.max_attempts,
                 "Delivery attempts per mail job before it goes to mail.dlq")
      ->envname("SMS_MAIL_MAX_ATTEMPTS")->check(CLI::Range(1, 100))->capture_default_str();
  app.add_option("--log-level", c.log.level, "trace|debug|info|warn|error")
      ->envname("SMS_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
}

// Alerts (the notifier in the mail role; the guard on channel URLs in management too).
void AddAlertOptions(CLI::App& app, Config& c) {
  app.add_flag("--allow-private-webhooks", c.alerts.allow_private,
               "Let channel URLs reach loopback, private and link-local addresses")
      ->envname("SMS_ALLOW_PRIVATE_WEBHOOKS");
  AddScaled(app, "--alert-group-seconds", c.alerts.settings.group_ms, kSecond,
            "Grouping window of a rule's notifications (0: none)")
      ->envname("SMS_ALERT_GROUP_SECONDS")->check(CLI::Range(0, 3600));
  app.add_option("--alert-storm-threshold", c.alerts.settings.storm_threshold,
                 "More notifications than this in one window go out as one digest")
      ->envname("SMS_ALERT_STORM_THRESHOLD")->check(CLI::Range(1, 1000000))->capture_default_str();
  app.add_option("--alert-flap-transitions", c.alerts.settings.flap_transitions,
                 "Transitions within --alert-flap-window-seconds that make a server flapping")
      ->envname("SMS_ALERT_FLAP_TRANSITIONS")->check(CLI::Range(2, 1000))->capture_default_str();
  AddScaled(app, "--alert-flap-window-seconds", c.alerts.settings.flap_window_ms, kSecond,
            "Window of the flapping count")
      ->envname("SMS_ALERT_FLAP_WINDOW_SECONDS")->check(CLI::Range(1, 86400));
  AddScaled(app, "--alert-flap-stable-seconds", c.alerts.settings.flap_stable_ms, kSecond,
            "How long a flapping server stays quiet before it alerts again")
      ->envname("SMS_ALERT_FLAP_STABLE_SECONDS")->check(CLI::Range(1, 86400));
  app.add_option("--alert-max-attempts", c.alerts.max_attempts,
                 "Delivery attempts per notification before the dead-letter list")
      ->envname("SMS_ALERT_MAX_ATTEMPTS")->check(CLI::Range(1, 100))->capture_default_str();
  AddScaled(app, "--alert-backoff-ms", c.alerts.backoff_initial, kMillisecond,
            "Wait after a failed delivery, doubling per attempt (at most 5 minutes)")
      ->envname("SMS_ALERT_BACKOFF_MS")->check(CLI::Range(10, 300000));
  AddScaled(app, "--alert-timeout-seconds", c.alerts.timeout, kSecond,
            "One delivery's time limit (a notification is re-sent by another replica "
            "after twice this plus 5 s)")
      ->envname("SMS_ALERT_TIMEOUT_SECONDS")->check(CLI::Range(1, 300));
}

// Agent tokens, logging and HTTP limits.
void AddSecurityOptions(CLI::App& app, Config& c) {
  app.add_option("--agent-tokens", c.agent_tokens,
                 "Tokens agents send as 'Authorization: Bearer <t>' on /healthcheck: t1,t2,… or "
                 "@/path/file (one per line); unset: open")
      ->envname("SMS_AGENT_TOKENS");
  app.add_option("--jwt-secret-file", c.jwt_secret_file,
                 "File holding the JWT signing secret (>= 32 bytes); or set SMS_JWT_SECRET")
      ->envname("SMS_JWT_SECRET_FILE");
  AddScaled(app, "--jwt-ttl-minutes", c.access.session_ttl, kMinute, "Lifetime of a login's token")
      ->envname("SMS_JWT_TTL_MINUTES")->check(CLI::Range(1, 24 * 60));
  AddScaled(app, "--session-idle-minutes", c.access.cookie_idle, kMinute,
            "A dashboard session (cookie) ends when not renewed for this long")
      ->envname("SMS_SESSION_IDLE_MINUTES")
      ->check(CLI::Range(1, 24 * 60));
  app.add_option("--admin-user", c.admin_user,
                 "First admin, created when there are no users; its password: SMS_ADMIN_PASSWORD "
                 "or --admin-password-file")
      ->envname("SMS_ADMIN_USER");
  app.add_option("--admin-password-file", c.admin_password_file,
                 "File holding the first admin's password; or set SMS_ADMIN_PASSWORD")
      ->envname("SMS_ADMIN_PASSWORD_FILE");
  app.add_option("--log-format", c.log.format, "text|json (one JSON object per line)")
      ->envname("SMS_LOG_FORMAT")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  app.add_option("--log-file", c.log.file, "Also log to this file, rotated by size")
      ->envname("SMS_LOG_FILE");
  AddScaled(app, "--log-file-size-mb", c.log.file_size_bytes, kMegabyte,
            "Size at which the log file rotates")
      ->envname("SMS_LOG_FILE_SIZE_MB")->check(CLI::Range(1, 100000));
  AddScaled(app, "--log-file-count", c.log.file_count, 1, "Rotated log files kept")
      ->envname("SMS_LOG_FILE_COUNT")->check(CLI::Range(1, 1000));
  app.add_option("--max-header-bytes", c.http.header_limit,
                 "Request line and headers larger than this get 431")
      ->envname("SMS_MAX_HEADER_BYTES")->check(CLI::Range(1024, 1 << 20))->capture_default_str();
  app.add_option("--read-timeout", c.http.read_timeout_seconds,
                 "Seconds to receive a whole request")
      ->envname("SMS_READ_TIMEOUT")->check(CLI::Range(1, 3600))->capture_default_str();
  app.add_option("--idle-timeout", c.http.idle_timeout_seconds,
                 "Seconds a keep-alive connection may idle")
      ->envname("SMS_IDLE_TIMEOUT")->check(CLI::Range(1, 3600))->capture_default_str();
  app.add_option("--max-connections", c.http.max_connections, "Open connections; more get 503")
      ->envname("SMS_MAX_CONNECTIONS")->check(CLI::Range(1, 1000000))->capture_default_str();
  app.add_option("--max-query-params", c.http.max_query_params, "Query parameters; more get 400")
      ->envname("SMS_MAX_QUERY_PARAMS")->check(CLI::Range(1, 10000))->capture_default_str();
  app.add_option("--max-query-length", c.http.max_query_length, "Query bytes; longer gets 414")
      ->envname("SMS_MAX_QUERY_LENGTH")->check(CLI::Range(16, 1 << 20))->capture_default_str();
  app.add_option("--max-json-depth", c.http.max_json_depth,
                 "Nesting of JSON bodies; deeper gets 400")
      ->envname("SMS_MAX_JSON_DEPTH")->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_option("--trusted-proxies", c.trusted_proxies,
                 "Gateways (addresses, CIDRs) whose X-Forwarded-For names the client: "
                 "login throttling and logs then see the client, not the gateway")
      ->envname("SMS_TRUSTED_PROXIES");
}

// A secret given either as a value or as the file that holds it (a docker secret).
struct SecretSetting {
  std::string& value;
  const std::string& file;
  const char* value_setting;  // how a user names it: "--database-url (SMS_DATABASE_URL)"
  const char* file_setting;
  const char* field;
};

// Fills each secret that has a *_FILE setting from its file.
Status ReadSecretFiles(Config& c) {
  const std::initializer_list<SecretSetting> settings = {
      {c.jwt_secret, c.jwt_secret_file, "SMS_JWT_SECRET", "--jwt-secret-file (SMS_JWT_SECRET_FILE)",
       "jwt_secret"},
      {c.admin_password, c.admin_password_file, "SMS_ADMIN_PASSWORD",
       "--admin-password-file (SMS_ADMIN_PASSWORD_FILE)", "admin_password"},
      {c.database_url, c.database_url_file, "--database-url (SMS_DATABASE_URL)",
       "--database-url-file (SMS_DATABASE_URL_FILE)", "database_url"},
      {c.mailer.smtp_password, c.smtp_password_file, "--smtp-password (SMS_SMTP_PASSWORD)",
       "--smtp-password-file (SMS_SMTP_PASSWORD_FILE)", "smtp_password"}};
  for (const SecretSetting& s : settings) {
    if (s.file.empty()) continue;
    if (!s.value.empty()) {
      return Status::InvalidArgument(std::string("smsd: set either ") + s.value_setting + " or " +
                                         s.file_setting + ", not both",
                                     s.field);
    }
    auto read = ReadSecretFile(s.file, s.file_setting, s.field);
    if (!read.ok()) return Status::InvalidArgument("smsd: " + read.status().message(), s.field);
    s.value = std::move(*read);
  }
  return Status::Ok();
}

}  // namespace

std::string DefaultListen(Role role) {
  switch (role) {
    case Role::kAll: return "0.0.0.0:8080";
    case Role::kManagement: return "0.0.0.0:8081";
    case Role::kHealthcheck: return "0.0.0.0:8082";
    case Role::kWorker: return "0.0.0.0:8083";
    case Role::kMail: return "0.0.0.0:8084";
  }
  return "0.0.0.0:8080";
}

const char* RoleName(Role role) {
  for (const auto& [name, r] : kRoles) {
    if (r == role) return name.c_str();
  }
  return "all";
}

std::vector<std::string> RoleNames() {
  return {"all", "healthcheck", "worker", "management", "mail"};
}

Role RoleByName(const std::string& name) {
  auto it = kRoles.find(name);
  return it == kRoles.end() ? Role::kAll : it->second;
}

Status ParseArguments(CLI::App& app, int argc, const char* const* argv, int* exit_code) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream out, err;
    *exit_code = app.exit(e, out, err);
    std::string text = out.str() + err.str();
    return Status::InvalidArgument(text.empty() ? e.what() : text);
  }
  return Status::Ok();
}

std::string RedactUrl(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  size_t start = scheme + 3;
  size_t at = url.find('@', start);
  size_t slash = url.find('/', start);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return url;
  size_t colon = url.find(':', start);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

Result<Config> ParseConfig(int argc, const char* const* argv, int* exit_code) {
  Config c;
  std::string role = "all";
  CLI::App app{
      "smsd: the SMS server. Roles: all (default), healthcheck, worker, management, mail."};
  app.add_option("role", role, "Which role to run")->check(CLI::IsMember(RoleNames()));
  AddOptions(app, c);
  AddSecurityOptions(app, c);
  AddAlertOptions(app, c);
  app.set_version_flag("--version", "smsd 0.1.0");
  if (Status parsed = ParseArguments(app, argc, argv, exit_code); !parsed.ok()) return parsed;
  c.role = RoleByName(role);
  if (const char* secret = std::getenv("SMS_JWT_SECRET")) c.jwt_secret = secret;
  if (const char* password = std::getenv("SMS_ADMIN_PASSWORD")) c.admin_password = password;
  if (Status secrets = ReadSecretFiles(c); !secrets.ok()) {
    *exit_code = 2;
    return secrets;
  }
  if (c.listen.empty()) c.listen = DefaultListen(c.role);
  if (c.database_url.empty()) c.database_url = "sqlite:" + c.data_dir + "/sms.db";
  // The in-process bus keeps a journal, so that a 202 survives kill -9 too.
  c.bus.journal_dir = (std::filesystem::path(c.data_dir) / "journal").string();
  c.mailer.outbox_dir = (std::filesystem::path(c.data_dir) / "outbox").string();
  c.history.grace = c.worker.grace_ms;  // the same on/off rule as the SQL status
  c.alerts.from = c.mail.from;
  c.alerts.backoff_max = std::max(c.alerts.backoff_initial, c.alerts.backoff_max);
  if (c.role != Role::kAll && c.bus.brokers.empty()) {
    *exit_code = 2;
    return Status::InvalidArgument(std::string("smsd ") + RoleName(c.role) +
                                   ": a split role needs a shared bus; set --kafka-brokers "
                                   "(SMS_KAFKA_BROKERS) or run `smsd all`");
  }
  return c;
}

}  // namespace sms::app
