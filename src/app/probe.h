#pragma once
// `smsd probe`: one GET of a role's /healthz, for a container HEALTHCHECK that needs no curl.
//
//   smsd probe [ROLE] [--listen HOST:PORT] [--url URL] [--timeout-ms N]
//
// Without --url the address is the one `smsd ROLE` would listen on: --listen, else SMS_LISTEN,
// else the role's default port; a wildcard host (0.0.0.0, [::], none) is probed on loopback.

#include <string>

#include "core/status.h"

namespace sms::app {

struct ProbeOptions {
  std::string url;        // http://host:port/healthz
  int timeout_ms = 2000;  // the whole exchange, connect included
};

// Parses the arguments after "probe". On --help or a bad value, a non-ok status whose message
// is the text to print; `exit_code` says how to exit (0 for --help, 1 otherwise: a HEALTHCHECK
// reads any other code as "unhealthy" too, and Docker reserves 2).
Result<ProbeOptions> ParseProbe(int argc, const char* const* argv, int* exit_code);

// "http://127.0.0.1:8080/healthz" for a listen address "0.0.0.0:8080"; the host is kept
// when it names one interface.
std::string HealthzUrl(const std::string& listen);

// Sends GET `url` (no proxy, no redirect). Ok with "URL: HTTP 200" for a 2xx answer;
// Unavailable with one line naming the URL and what went wrong otherwise.
Result<std::string> Probe(const ProbeOptions& options);

// The whole subcommand: parse, probe, print one line; the process exit code (0 healthy).
int ProbeCommand(int argc, const char* const* argv);

}  // namespace sms::app
