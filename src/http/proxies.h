#pragma once
// TrustedProxies: which peers may say who the client is. A request that arrives through a
// gateway (Traefik) has the gateway as its peer; when that peer is trusted, the client is the
// right-most X-Forwarded-For address that is not itself a trusted proxy. A header from anyone
// else is ignored, so a client cannot choose its own address. Immutable; thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>

#include "core/status.h"

namespace sms::http {

class TrustedProxies {
 public:
  TrustedProxies() = default;  // trusts nobody

  // "10.0.0.0/8,192.168.1.7,fd00::/8": addresses and CIDR networks, comma-separated.
  // InvalidArgument (field "trusted_proxies") naming the first bad item.
  static Result<TrustedProxies> Parse(std::string_view list);

  bool empty() const { return v4_.empty() && v6_.empty(); }

  // The client's address: `peer` unless it is trusted and `forwarded_for` (the
  // X-Forwarded-For value) names one.
  std::string ClientAddress(const std::string& peer, std::string_view forwarded_for) const;

 private:
  bool Trusted(std::string_view address) const;
  std::vector<boost::asio::ip::network_v4> v4_;
  std::vector<boost::asio::ip::network_v6> v6_;
};

}  // namespace sms::http
