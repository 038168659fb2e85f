// Fuzzes the bearer credentials the API receives: Jwt::Verify (auth/jwt.h) and ParseApiToken
// (auth/api_token.h). Properties: nothing crashes or hits UB; every JWT refusal is
// Unauthenticated with one of the fixed reasons (so it can never carry the token); a token that
// verifies is exactly what Sign writes for its claims (so only tokens made with the secret
// pass: the fuzzer cannot forge one without it); the algorithm is pinned. An API token that
// parses is exactly "sms_<12 lower-case hex>_<43 base64url>", and a JWT never parses as one.

#include <set>
#include <string>

#include "auth/api_token.h"
#include "auth/jwt.h"
#include "fuzz_check.h"

namespace {

using sms::fuzz::Require;

constexpr sms::Millis kNow = 1'795'845'600'000;  // 2026-11-28T06:00:00Z

const sms::auth::Jwt& Signer() {
  static const sms::auth::Jwt jwt = *sms::auth::Jwt::Make("fuzz-secret-0123456789abcdef0123");
  return jwt;
}

bool KnownReason(const std::string& message) {
  static const std::set<std::string> reasons = {
      "empty or too long", "not three segments", "header is not base64url",
      "header is not a JSON object", "only alg HS256 is accepted", "typ must be JWT",
      "unsupported header member", "bad signature", "payload is not base64url",
      "payload is not a JSON object", "sub, role, scope and jti are required strings",
      "iat and exp are required NumericDates", "nbf is not a NumericDate", "expired",
      "not valid yet"};
  const std::string prefix = "invalid token: ";
  return message.rfind(prefix, 0) == 0 && reasons.count(message.substr(prefix.size())) == 1;
}

void CheckApiToken(std::string_view text) {
  sms::auth::ApiTokenParts parts;
  if (!sms::auth::ParseApiToken(text, &parts)) return;
  Require(sms::auth::IsApiToken(text), "a parsed API token without the prefix");
  Require("sms_" + parts.token_id + "_" + parts.secret == text, "an API token that changed");
  Require(parts.token_id.size() == 12 && parts.secret.size() == 43, "an API token of odd size");
  Require(parts.token_id.find_first_not_of("0123456789abcdef") == std::string::npos,
          "an API token id that is not lower-case hex");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view token(reinterpret_cast<const char*>(data), size);
  CheckApiToken(token);
  auto claims = Signer().Verify(token, kNow);
  if (!claims.ok()) {
    Require(claims.status().code() == sms::Code::kUnauthenticated, "a refusal that is not 401");
    Require(KnownReason(claims.status().message()), "a refusal with an unexpected message");
    return 0;
  }
  Require(claims->exp > kNow, "an expired token passed");
  Require(!sms::auth::IsApiToken(token), "a JWT that reads as an API token");
  Require(Signer().Verify(Signer().Sign(*claims), kNow).ok(), "re-signed claims do not verify");
  return 0;
}
