#include "ipv4.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sms::agent {
namespace {

bool IsLoopback(const in_addr& a) { return (ntohl(a.s_addr) >> 24) == 127; }

std::string ToText(const in_addr& a) {
  char buf[INET_ADDRSTRLEN] = {};
  return inet_ntop(AF_INET, &a, buf, sizeof buf) ? std::string(buf) : std::string();
}

// Sets *out to the source address of a datagram to host:port; false when there is none.
bool RouteSource(const std::string& host, unsigned port, in_addr* out) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) return false;
  bool found = false;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) == 0) {
    sockaddr_in local{};
    socklen_t len = sizeof local;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0) {
      *out = local.sin_addr;
      found = local.sin_addr.s_addr != htonl(INADDR_ANY);
    }
  }
  if (fd >= 0) close(fd);
  freeaddrinfo(res);
  return found;
}

bool FirstInterfaceAddress(in_addr* out) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return false;
  bool found = false;
  for (ifaddrs* i = list; i != nullptr && !found; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
    if (!(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK)) continue;
    in_addr a = reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr;
    if (IsLoopback(a)) continue;
    *out = a;
    found = true;
  }
  freeifaddrs(list);
  return found;
}

}  // namespace

std::string DetectPrimaryIpv4(const std::string& host, unsigned port) {
  in_addr a{};
  if (RouteSource(host, port, &a) && !IsLoopback(a)) return ToText(a);
  if (FirstInterfaceAddress(&a)) return ToText(a);
  return {};
}

}  // namespace sms::agent
