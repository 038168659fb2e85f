#include "http/proxies.h"

#include <boost/asio/ip/address.hpp>

namespace sms::http {
namespace {

namespace ip = boost::asio::ip;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<TrustedProxies> TrustedProxies::Parse(std::string_view list) {
  TrustedProxies out;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string item(Trim(list.substr(0, comma)));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (item.empty()) continue;
    boost::system::error_code ec;
    bool v6 = item.find(':') != std::string::npos;
    if (item.find('/') == std::string::npos) item += v6 ? "/128" : "/32";
    if (v6) {
      out.v6_.push_back(ip::make_network_v6(item, ec));
    } else {
      out.v4_.push_back(ip::make_network_v4(item, ec));
    }
    if (ec) {
      return Status::InvalidArgument("not an address or network: '" + item.substr(0, 64) + "'",
                                     "trusted_proxies");
    }
  }
  return out;
}

bool TrustedProxies::Trusted(std::string_view text) const {
  boost::system::error_code ec;
  ip::address a = ip::make_address(std::string(text), ec);
  if (ec) return false;
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    a = ip::make_address_v4(ip::v4_mapped, a.to_v6());
  }
  if (a.is_v4()) {
    for (const auto& n : v4_) {
      if (ip::network_v4(a.to_v4(), n.prefix_length()).canonical() == n.canonical()) return true;
    }
    return false;
  }
  for (const auto& n : v6_) {
    if (ip::network_v6(a.to_v6(), n.prefix_length()).canonical() == n.canonical()) return true;
  }
  return false;
}

std::string TrustedProxies::ClientAddress(const std::string& peer,
                                          std::string_view forwarded_for) const {
  if (forwarded_for.empty() || !Trusted(peer)) return peer;
  std::string client = peer;
  // Right to left: each hop appended the address it received from, so the first one that is
  // not a trusted proxy is the client as far as anyone trusted can tell.
  while (!forwarded_for.empty()) {
    size_t comma = forwarded_for.rfind(',');
    std::string_view hop =
        Trim(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
    forwarded_for = comma == std::string_view::npos ? std::string_view()
                                                    : forwarded_for.substr(0, comma);
    boost::system::error_code ec;
    ip::make_address(std::string(hop), ec);
    if (ec) break;  // garbage: keep the last address that was sound
    client = std::string(hop);
    if (!Trusted(hop)) break;
  }
  return client;
}

}  // namespace sms::http
