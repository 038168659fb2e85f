#pragma once
// smsd configuration: every setting is a flag --kebab-name and an environment variable
// SMS_UPPER_NAME (the flag wins). Parsed once, validated at start-up. A module's settings are
// its own options struct, with its defaults, filled in by the flags.

#include <string>
#include <vector>

#include "app/logging.h"
#include "bus/bus.h"
#include "core/status.h"
#include "history/history.h"
#include "http/server.h"
#include "mail/mailer.h"
#include "report/scheduler.h"
#include "roles/mail/mail_service.h"
#include "roles/mail/notifier.h"
#include "roles/management/access.h"
#include "roles/management/retention.h"
#include "roles/worker/worker.h"

namespace CLI {
class App;
}

namespace sms::app {

enum class Role { kAll, kHealthcheck, kWorker, kManagement, kMail };

struct Config {
  Role role = Role::kAll;
  std::string listen;             // default per role (8080 all, 8082 healthcheck, …)
  std::string data_dir = "./data";
  std::string tz;                 // reports' zone; empty: the host's (report::HostTimeZone)
  std::string database_url;       // empty: sqlite:<data_dir>/sms.db
  std::string database_url_file;  // or the URL's file (it may hold a password)
  // --kafka-brokers (empty: in-process bus, its journal in <data_dir>/journal),
  // --kafka-topic-prefix, --queue-capacity.
  bus::BusConfig bus;
  std::string redis_url;          // empty: in-process cache
  // --search-url (empty: uptime from SQL status history), --search-index-prefix,
  // --history-retention-days; its grace is the worker's --heartbeat-grace.
  history::HistoryConfig history;
  // Retention (management): --report-retention-days, --bus-retention-days,
  // --alert-retention-days.
  management::RetentionOptions retention;
  // --heartbeat-grace (seconds), --auto-register, --batch-size, --batch-linger-ms,
  // --sweep-interval-ms; the grace is the search history's too.
  worker::WorkerOptions worker;
  // The daily report (management): --admin-emails (none: no daily report), --report-time.
  report::DailyOptions daily;
  // Mail (the mail role): --smtp-url (empty: .eml files in <data_dir>/outbox), --smtp-user,
  // --smtp-password (never logged), --smtp-starttls, --smtp-ca-file.
  mail::MailerConfig mailer;
  std::string smtp_password_file;  // or the SMTP password's file
  mail::MailServiceOptions mail;  // --mail-from, --mail-max-attempts
  // Alerts: the notifier (mail role; its From is --mail-from) and, through
  // --allow-private-webhooks, channel URLs (management).
  mail::NotifierOptions alerts;
  // Agent tokens (healthcheck): "" open, "t1,t2" or "@/path/file". Never logged.
  std::string agent_tokens;
  // API users and sessions (management). The secret and the password are read from the
  // environment only (SMS_JWT_SECRET, SMS_ADMIN_PASSWORD): a command line is visible to every
  // local user. Never logged.
  std::string jwt_secret;
  std::string jwt_secret_file;  // or the secret's file (a docker secret)
  management::AccessOptions access;  // --jwt-ttl-minutes, --session-idle-minutes
  std::string admin_user;       // the first admin, created when there are no users
  std::string admin_password;
  std::string admin_password_file;  // or the password's file
  // --log-level, --log-format, --log-file, --log-file-size-mb, --log-file-count.
  LogOptions log;
  // --threads and the HTTP limits of every listener (its address: `listen`).
  http::ServerOptions http;
  std::string trusted_proxies;  // addresses/CIDRs whose X-Forwarded-For names the client
};

// Parses argv and the environment. On --help/--version, or a bad value, returns a non-ok
// status whose message is the text to print; `exit_code` says how to exit. Each secret that
// has a *_FILE setting (JWT secret, admin password, database URL, SMTP password) is read from
// its file here (secret_file.h): a file that cannot be read, or a secret given both ways, is a
// bad value.
Result<Config> ParseConfig(int argc, const char* const* argv, int* exit_code);

const char* RoleName(Role role);

// Every role's name, "all" first.
std::vector<std::string> RoleNames();

// The role named `name` (one of RoleNames()); kAll for any other name.
Role RoleByName(const std::string& name);

// `app.parse(argc, argv)`. On --help, --version or a bad argument, a non-ok status whose
// message is the text CLI11 prints, and in `exit_code` the code it exits with.
Status ParseArguments(CLI::App& app, int argc, const char* const* argv, int* exit_code);

// The address a role listens on when --listen (SMS_LISTEN) is not set.
std::string DefaultListen(Role role);

// `url` with any password replaced by "***" ("postgresql://sms:***@db/sms"), for logs.
std::string RedactUrl(const std::string& url);

}  // namespace sms::app
