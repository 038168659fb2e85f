#include "app/probe.h"

#include <curl/curl.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>

#include "app/config.h"

namespace sms::app {
namespace {

constexpr size_t kBodyChars = 200;  // of a failed answer's body, in the message

size_t KeepStart(char* data, size_t size, size_t count, void* out) {
  auto* body = static_cast<std::string*>(out);
  size_t n = size * count;
  if (body->size() < kBodyChars) body->append(data, std::min(n, kBodyChars - body->size()));
  return n;
}

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
  static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  CURL* c = initialised ? curl_easy_init() : nullptr;
  if (c == nullptr) return Status::Internal(options.url + ": cannot set up libcurl");
  std::string body;
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_URL, options.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");  // a container's HTTP_PROXY is not for loopback
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, long(options.timeout_ms));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, KeepStart);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  CURLcode code = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  if (code != CURLE_OK) {
    return Status::Unavailable(options.url + ": " +
                               (error[0] != '\0' ? error : curl_easy_strerror(code)));
  }
  std::string line = options.url + ": HTTP " + std::to_string(status);
  if (status < 200 || status > 299) {
    return Status::Unavailable(line + (body.empty() ? "" : " " + OneLine(body)));
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
