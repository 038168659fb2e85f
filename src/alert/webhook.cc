#include "alert/webhook.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <sodium.h>

#include <boost/url/parse.hpp>
#include <cstring>
#include <memory>

namespace sms::alert {
namespace {

struct UrlParts {
  std::string scheme, host, port;
};

Result<UrlParts> Split(const std::string& url, const std::string& field) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return Status::InvalidArgument("not an absolute URL", field);
  UrlParts p{std::string(parsed->scheme()), std::string(parsed->encoded_host()),
             std::string(parsed->port())};
  if (p.scheme != "http" && p.scheme != "https") {
    return Status::InvalidArgument("the URL must be http:// or https://", field);
  }
  if (p.host.empty()) return Status::InvalidArgument("the URL has no host", field);
  if (p.host.front() == '[' && p.host.back() == ']') p.host = p.host.substr(1, p.host.size() - 2);
  if (p.port.empty()) p.port = p.scheme == "https" ? "443" : "80";
  return p;
}

bool PrivateV4(uint32_t a) {  // host order
  auto in = [a](uint32_t net, int bits) { return (a >> (32 - bits)) == (net >> (32 - bits)); };
  return in(0x00000000, 8) || in(0x0A000000, 8) || in(0x64400000, 10) || in(0x7F000000, 8) ||
         in(0xA9FE0000, 16) || in(0xAC100000, 12) || in(0xC0A80000, 16) || in(0xE0000000, 4) ||
         in(0xF0000000, 4);
}

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

struct CurlList {
  curl_slist* list = nullptr;
  ~CurlList() { curl_slist_free_all(list); }
  void Add(const std::string& s) { list = curl_slist_append(list, s.c_str()); }
};

}  // namespace

Status ValidateUrl(const std::string& url, const std::string& field) {
  return Split(url, field).status();
}

bool PrivateAddress(const std::string& ip) {
  in_addr v4{};
  if (inet_pton(AF_INET, ip.c_str(), &v4) == 1) return PrivateV4(ntohl(v4.s_addr));
  in6_addr v6{};
  if (inet_pton(AF_INET6, ip.c_str(), &v6) != 1) return true;  // not an address: refuse
  const uint8_t* b = v6.s6_addr;
  if (IN6_IS_ADDR_V4MAPPED(&v6) || IN6_IS_ADDR_V4COMPAT(&v6)) {
    return PrivateV4(uint32_t(b[12]) << 24 | uint32_t(b[13]) << 16 | uint32_t(b[14]) << 8 | b[15]);
  }
  return IN6_IS_ADDR_LOOPBACK(&v6) || IN6_IS_ADDR_UNSPECIFIED(&v6) || (b[0] & 0xFE) == 0xFC ||
         (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) || b[0] == 0xFF;
}

Result<std::string> ResolveAllowed(const std::string& url, bool allow_private) {
  Result<UrlParts> p = Split(url, "url");
  if (!p.ok()) return p.status();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(p->host.c_str(), p->port.c_str(), &hints, &res); rc != 0) {
    return Status::Unavailable("cannot resolve " + p->host + ": " + gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(res, freeaddrinfo);
  std::string refused;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* addr =
        ai->ai_family == AF_INET
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr)
            : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr);
    if (inet_ntop(ai->ai_family, addr, text, sizeof text) == nullptr) continue;
    if (allow_private || !PrivateAddress(text)) return std::string(text);
    refused = text;
  }
  return Status::PermissionDenied(p->host + " resolves to " + refused +
                                  ", a private, loopback or link-local address "
                                  "(--allow-private-webhooks lets it through)");
}

std::string Signature(const std::string& secret, const std::string& body) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(body.data()),
                                body.size());
  crypto_auth_hmacsha256_final(&st, mac);
  char hex[sizeof mac * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return std::string("sha256=") + hex;
}

std::string UrlOrigin(const std::string& url) {
  Result<UrlParts> p = Split(url, "url");
  if (!p.ok()) return "(invalid URL)";
  return p->scheme + "://" + p->host + ":" + p->port;
}

Status Post(const PostRequest& req) {
  Result<UrlParts> p = Split(req.url, "url");
  if (!p.ok()) return p.status();
  Result<std::string> addr = ResolveAllowed(req.url, req.allow_private);
  if (!addr.ok()) return addr.status();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> h(curl_easy_init(), curl_easy_cleanup);
  if (!h) return Status::Unavailable("curl_easy_init failed");
  CurlList pin, headers;
  // Pinned: curl connects to the address just checked, not to a fresh lookup.
  std::string ip = addr->find(':') != std::string::npos ? "[" + *addr + "]" : *addr;
  pin.Add(p->host + ":" + p->port + ":" + ip);
  headers.Add("Content-Type: application/json");
  for (const std::string& header : req.headers) headers.Add(header);
  char error[CURL_ERROR_SIZE] = {};
  CURL* c = h.get();
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_RESOLVE, pin.list);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, long(req.timeout.count()));
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(req.body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  CURLcode rc = curl_easy_perform(c);
  std::string origin = UrlOrigin(req.url);
  if (rc != CURLE_OK) {
    return Status::Unavailable(origin + ": " + (error[0] ? error : curl_easy_strerror(rc)));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300) return Status::Ok();
  std::string what = origin + " answered HTTP " + std::to_string(status);
  if (status == 429 || status >= 500) return Status::Unavailable(what);
  return Status::InvalidArgument(what);
}

}  // namespace sms::alert
