// sms-agent: reports "I am alive" to smsd's POST /healthcheck every --interval seconds.
// Single-threaded; SIGTERM and SIGINT end it at once with status 0.

#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>

#include "backoff.h"
#include "core/secret_file.h"
#include "core/time.h"
#include "core/validation.h"
#include "http_client.h"
#include "ipv4.h"
#include "payload.h"
#include "url.h"

#ifndef SMS_AGENT_VERSION
#error "SMS_AGENT_VERSION must be defined by the build"
#endif

namespace sms::agent {
namespace {

constexpr const char* kVersion = SMS_AGENT_VERSION;
constexpr size_t kMaxLoggedBody = 200;

struct Options {
  std::string url = "http://127.0.0.1:8080/healthcheck";
  int interval = 30;
  bool once = false;
  std::string server_id;
  std::string hostname;
  std::string token;
  std::string token_file;
  int timeout = 10;
  std::string ipv4;
};

#ifdef SMS_COVERAGE
extern "C" void __gcov_dump(void);
#endif

// Nothing is buffered or half-written that exiting would lose, so exit right here, whether
// the agent is sleeping, resolving a name or waiting for a response.
void ExitOnSignal(int) {
#ifdef SMS_COVERAGE
  __gcov_dump();  // _exit skips the counters' atexit writer (coverage builds only)
#endif
  _exit(0);
}

void InstallSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = ExitOnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

Millis NowMillis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void Log(const std::string& message) {
  std::string line = FormatTime(NowMillis()) + " sms-agent: " + message + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

void AddFlags(CLI::App& app, Options& o) {
  app.option_defaults()->always_capture_default();
  app.add_option("--url", o.url, "Where to POST heartbeats (http:// only)")
      ->envname("SMS_AGENT_URL")
      ->check([](const std::string& s) {
        Result<HttpUrl> url = ParseHttpUrl(s);
        return url.ok() ? std::string() : url.status().message();
      });
  app.add_option("--interval", o.interval, "Seconds between heartbeats")
      ->envname("SMS_AGENT_INTERVAL")
      ->check(CLI::Range(1, 3600));
  app.add_flag("--once", o.once, "Send one heartbeat; exit 0 on a 2xx answer, else 1")
      ->envname("SMS_AGENT_ONCE");
  app.add_option("--server-id", o.server_id, "This server's id (default: the hostname)")
      ->envname("SMS_AGENT_SERVER_ID");
  app.add_option("--hostname", o.hostname, "Hostname to report (default: gethostname())")
      ->envname("SMS_AGENT_HOSTNAME");
  app.add_option("--token", o.token, "Sent as 'Authorization: Bearer <token>' (prefer the env var)")
      ->envname("SMS_AGENT_TOKEN");
  app.add_option("--token-file", o.token_file,
                 "File holding the token (trailing newline dropped); instead of --token")
      ->envname("SMS_AGENT_TOKEN_FILE");
  app.add_option("--timeout", o.timeout, "Seconds allowed for each request")
      ->envname("SMS_AGENT_TIMEOUT")
      ->check(CLI::Range(1, 600));
  app.add_option("--ipv4", o.ipv4, "IPv4 to report (default: detected)")
      ->envname("SMS_AGENT_IPV4")
      ->check(CLI::ValidIPV4);
  app.set_version_flag("--version", kVersion);
}

// Fills hostname and server_id defaults. False when the hostname cannot be found.
bool ApplyDefaults(Options& o) {
  if (o.hostname.empty()) {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return false;
    o.hostname = buf;
  }
  if (o.server_id.empty()) o.server_id = o.hostname;
  return true;
}

// Reads --token-file into o.token, then checks the token. The token goes into a header line:
// one that could end the line (CR, LF) and add headers of its own, or that smsd would refuse
// anyway, stops the agent at start. The message names the setting, never the token.
Status LoadToken(Options& o) {
  const std::string file_setting = "--token-file (SMS_AGENT_TOKEN_FILE)";
  std::string setting = "--token (SMS_AGENT_TOKEN)";
  if (!o.token_file.empty()) {
    if (!o.token.empty()) {
      return Status::InvalidArgument("set either " + setting + " or " + file_setting + ", not both",
                                     "token");
    }
    Result<std::string> read = ReadSecretFile(o.token_file, file_setting, "token");
    if (!read.ok()) return read.status();
    o.token = std::move(*read);
    setting = file_setting + ": " + o.token_file;
  }
  if (o.token.empty()) return Status::Ok();
  if (Status valid = ValidateAgentToken(o.token); !valid.ok()) {
    return Status::InvalidArgument(setting + ": " + valid.message(), "token");
  }
  return Status::Ok();
}

// Sends one heartbeat. OK on a 2xx answer; otherwise says what went wrong.
Status SendHeartbeat(const Options& o, const HttpUrl& url, HttpClient& client) {
  HeartbeatInfo info{o.server_id, o.hostname, o.ipv4, o.interval, kVersion};
  if (info.ipv4.empty()) info.ipv4 = DetectPrimaryIpv4(url.host, url.port);
  Result<HttpResponse> r = client.PostJson(BuildPayload(info, NowMillis()));
  if (!r.ok()) return r.status();
  if (r->status / 100 == 2) return Status::Ok();
  std::string body = r->body.substr(0, kMaxLoggedBody);
  for (char& c : body) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return Status::Unavailable("HTTP " + std::to_string(r->status) + (body.empty() ? "" : ": ") +
                             body);
}

[[noreturn]] void RunForever(const Options& o, const HttpUrl& url, HttpClient& client) {
  Log("sending heartbeats for " + o.server_id + " to " + url.ToString() + " every " +
      std::to_string(o.interval) + " s");
  std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  FailureStreak streak;
  for (;;) {
    Status s = SendHeartbeat(o, url, client);
    if (s.ok()) {
      if (int64_t n = streak.OnSuccess(); n > 0) {
        Log("heartbeats recovered after " + std::to_string(n) +
            (n == 1 ? " failure" : " failures"));
      }
    } else if (streak.OnFailure()) {
      Log("heartbeat failed: " + s.message() +
          "; retrying with backoff (1 s, 2 s, 4 s, ... up to " +
          std::to_string(kMaxBackoff.count()) + " s), logging again on recovery");
    }
    std::this_thread::sleep_for(
        NextDelay(streak.failures(), std::chrono::seconds(o.interval), unit(rng)));
  }
}

int Main(int argc, char** argv) {
  InstallSignalHandlers();
  Options o;
  CLI::App app{"sms-agent: sends this server's heartbeat to smsd"};
  AddFlags(app, o);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (Status token = LoadToken(o); !token.ok()) {
    Log(token.message());
    return 2;
  }
  if (!ApplyDefaults(o)) {
    Log("cannot read this machine's hostname; pass --hostname");
    return 2;
  }
  HttpUrl url = ParseHttpUrl(o.url).value();
  HttpClient client(url, o.token, std::string("sms-agent/") + kVersion,
                    std::chrono::seconds(o.timeout));
  if (!o.once) RunForever(o, url, client);
  Status s = SendHeartbeat(o, url, client);
  if (!s.ok()) Log("heartbeat to " + url.ToString() + " failed: " + s.message());
  return s.ok() ? 0 : 1;
}

}  // namespace
}  // namespace sms::agent

int main(int argc, char** argv) { return sms::agent::Main(argc, argv); }
