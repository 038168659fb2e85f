#include "auth/jwt.h"

#include <sodium.h>

#include <algorithm>

#include <boost/json.hpp>

namespace sms::auth {
namespace {

namespace json = boost::json;

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

Status Refused(const std::string& why) { return Status::Unauthenticated("invalid token: " + why); }

bool EnsureSodium() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

// A NumericDate claim in ms, or -1 when absent; -2 when present but not a non-negative integer.
int64_t Seconds(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return -1;
  if (v->is_int64() && v->get_int64() >= 0) return v->get_int64() * 1000;
  if (v->is_uint64() && v->get_uint64() < (uint64_t(1) << 53)) {
    return int64_t(v->get_uint64()) * 1000;
  }
  return -2;
}

Status CheckHeader(std::string_view encoded) {
  std::string text;
  if (!Base64UrlDecode(encoded, &text)) return Refused("header is not base64url");
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Refused("header is not a JSON object");
  const json::object& h = v.get_object();
  const json::value* alg = h.if_contains("alg");
  if (alg == nullptr || !alg->is_string() || alg->get_string() != "HS256") {
    return Refused("only alg HS256 is accepted");
  }
  const json::value* typ = h.if_contains("typ");
  if (typ != nullptr && (!typ->is_string() || typ->get_string() != "JWT")) {
    return Refused("typ must be JWT");
  }
  for (const auto& member : h) {
    std::string_view key = member.key();
    if (key != "alg" && key != "typ") return Refused("unsupported header member");
  }
  return Status::Ok();
}

Result<Claims> ReadClaims(std::string_view encoded) {
  std::string text;
  if (!Base64UrlDecode(encoded, &text)) return Refused("payload is not base64url");
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Refused("payload is not a JSON object");
  const json::object& o = v.get_object();
  Claims c;
  std::string scope;
  auto string_claim = [&o](const char* key, std::string* dest) {
    const json::value* v = o.if_contains(key);
    if (v == nullptr || !v->is_string()) return false;
    *dest = std::string(v->get_string());
    return true;
  };
  if (!string_claim("sub", &c.sub) || !string_claim("role", &c.role) ||
      !string_claim("jti", &c.jti) || !string_claim("scope", &scope)) {
    return Refused("sub, role, scope and jti are required strings");
  }
  for (size_t i = 0; i < scope.size();) {
    size_t end = std::min(scope.find(' ', i), scope.size());
    if (end > i) c.scopes.push_back(scope.substr(i, end - i));
    i = end + 1;
  }
  c.iat = Seconds(o, "iat");
  c.exp = Seconds(o, "exp");
  c.nbf = Seconds(o, "nbf");
  if (c.iat < 0 || c.exp < 0) return Refused("iat and exp are required NumericDates");
  if (c.nbf == -2) return Refused("nbf is not a NumericDate");
  if (c.nbf < 0) c.nbf = 0;
  return c;
}

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) {
  EnsureSodium();
  const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), variant);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

bool Base64UrlDecode(std::string_view text, std::string* out) {
  EnsureSodium();
  out->assign(text.size(), '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out->data()), out->size(), text.data(),
                        text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size()) {
    return false;
  }
  out->resize(len);
  return Base64UrlEncode(*out) == text;  // canonical only: no stray trailing bits
}

Result<Jwt> Jwt::Make(std::string secret) {
  if (!EnsureSodium()) return Status::Internal("libsodium did not initialise");
  if (secret.size() < kMinSecretBytes) {
    return Status::InvalidArgument(
        "the JWT secret must be at least " + std::to_string(kMinSecretBytes) + " bytes",
        "jwt_secret");
  }
  return Jwt(std::move(secret));
}

std::string Jwt::Mac(std::string_view signing_input) const {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret_.data()),
                              secret_.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(signing_input.data()),
                                signing_input.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

std::string Jwt::Derive(std::string_view label) const {
  // The prefix keeps a derived value apart from any JWT signature ("header.payload").
  return Base64UrlEncode(Mac("derive:" + std::string(label)));
}

std::string Jwt::Sign(const Claims& c) const {
  std::string scope;
  for (const std::string& s : c.scopes) scope += (scope.empty() ? "" : " ") + s;
  json::object payload{{"sub", c.sub},          {"role", c.role},        {"scope", scope},
                       {"jti", c.jti},          {"iat", c.iat / 1000},   {"exp", c.exp / 1000}};
  if (c.nbf > 0) payload["nbf"] = c.nbf / 1000;
  std::string input = Base64UrlEncode(kHeader) + "." + Base64UrlEncode(json::serialize(payload));
  return input + "." + Base64UrlEncode(Mac(input));
}

Result<Claims> Jwt::Verify(std::string_view token, Millis now, Millis skew) const {
  if (token.empty() || token.size() > kMaxTokenBytes) return Refused("empty or too long");
  size_t dot1 = token.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return Refused("not three segments");
  }
  Status header = CheckHeader(token.substr(0, dot1));
  if (!header.ok()) return header;
  std::string signature;
  if (!Base64UrlDecode(token.substr(dot2 + 1), &signature) ||
      signature.size() != crypto_auth_hmacsha256_BYTES) {
    return Refused("bad signature");
  }
  std::string expected = Mac(token.substr(0, dot2));
  if (sodium_memcmp(expected.data(), signature.data(), expected.size()) != 0) {
    return Refused("bad signature");
  }
  auto claims = ReadClaims(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!claims.ok()) return claims.status();
  if (claims->exp <= now) return Refused("expired");
  if (claims->nbf > now || claims->iat > now + skew) return Refused("not valid yet");
  return claims;
}

}  // namespace sms::auth
