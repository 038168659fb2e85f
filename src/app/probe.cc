#include "app/probe.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>

#include "app/config.h"
#include "http/client.h"

namespace sms::app {
namespace {

constexpr size_t kBodyChars = 200;  // of a failed answer's body, in the message

// The body on one line: a HEALTHCHECK's output is shown line by line.
std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

}  // namespace

std::string HealthzUrl(const std::string& listen) {
  size_t colon = listen.rfind(':');
  std::string host = colon == std::string::npos ? "" : listen.substr(0, colon);
  std::string port = colon == std::string::npos ? listen : listen.substr(colon + 1);
  if (host.empty() || host == "0.0.0.0" || host == "*") host = "127.0.0.1";
  if (host == "[::]" || host == "::") host = "[::1]";
  return "http://" + host + ":" + port + "/healthz";
}

Result<ProbeOptions> ParseProbe(int argc, const char* const* argv, int* exit_code) {
  ProbeOptions o;
  std::string role = "all", listen;
  CLI::App app{"smsd probe: GET a role's /healthz; exit 0 on a 2xx answer, 1 otherwise.",
               "smsd probe"};
  app.add_option("role", role, "The role whose listen address to probe (its default port)")
      ->check(CLI::IsMember(RoleNames()))
      ->capture_default_str();
  app.add_option("--listen", listen, "host:port the role listens on")->envname("SMS_LISTEN");
  app.add_option("--url", o.url, "URL to GET instead (default http://<listen>/healthz)");
  app.add_option("--timeout-ms", o.timeout_ms, "Time limit of the whole request")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
  if (Status parsed = ParseArguments(app, argc, argv, exit_code); !parsed.ok()) {
    if (*exit_code != 0) *exit_code = 1;
    return parsed;
  }
  if (o.url.empty()) o.url = HealthzUrl(listen.empty() ? DefaultListen(RoleByName(role)) : listen);
  return o;
}

Result<std::string> Probe(const ProbeOptions& options) {
  http::ClientRequest request;
  request.url = options.url;
  request.timeout = std::chrono::milliseconds(options.timeout_ms);
  request.max_reply_bytes = kBodyChars;
  request.no_proxy = true;  // a container's HTTP_PROXY is not for loopback
  http::HttpClient client;
  Result<http::ClientReply> reply = client.Send(request);
  if (!reply.ok()) return Status::Unavailable(options.url + ": " + reply.status().message());
  std::string line = options.url + ": HTTP " + std::to_string(reply->status);
  if (reply->status < 200 || reply->status > 299) {
    return Status::Unavailable(line + (reply->body.empty() ? "" : " " + OneLine(reply->body)));
  }
  return line;
}

int ProbeCommand(int argc, const char* const* argv) {
  int exit_code = 1;
  auto options = ParseProbe(argc, argv, &exit_code);
  if (!options.ok()) {
    std::string text = options.status().message();
    if (!text.empty() && text.back() != '\n') text += '\n';
    (exit_code == 0 ? std::cout : std::cerr) << text;
    return exit_code;
  }
  auto probed = Probe(*options);
  if (!probed.ok()) {
    std::cerr << "smsd probe: unhealthy: " << probed.status().message() << "\n";
    return 1;
  }
  std::cout << "smsd probe: healthy: " << *probed << "\n";
  return 0;
}

}  // namespace sms::app
