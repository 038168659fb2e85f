#pragma once
// Finding the server's primary IPv4 address, the one its heartbeats come from.

#include <string>

namespace sms::agent {

// Returns the local address the kernel would use to reach `host` (resolved to IPv4): a UDP
// socket is "connected" to it, which sends nothing, and asked for its local address. When that
// fails or gives a loopback address (the server runs on this machine), returns the first
// non-loopback IPv4 address of an interface that is up. Returns "" when there is none.
// May block on name resolution when `host` is not an address.
std::string DetectPrimaryIpv4(const std::string& host, unsigned port);

}  // namespace sms::agent
