// Fuzzes Jwt::Verify (auth/jwt.h), the check of every bearer token the API will receive.
// Properties: nothing crashes or hits UB; every refusal is Unauthenticated with one of the
// fixed reasons (so it can never carry the token); a token that verifies is exactly what Sign writes for its claims (so only tokens
// made with the secret pass: the fuzzer cannot forge one without it); the algorithm is pinned.

#include <set>
#include <string>

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view token(reinterpret_cast<const char*>(data), size);
  auto claims = Signer().Verify(token, kNow);
  if (!claims.ok()) {
    Require(claims.status().code() == sms::Code::kUnauthenticated, "a refusal that is not 401");
    Require(KnownReason(claims.status().message()), "a refusal with an unexpected message");
    return 0;
  }
  Require(claims->exp > kNow, "an expired token passed");
  Require(Signer().Verify(Signer().Sign(*claims), kNow).ok(), "re-signed claims do not verify");
  return 0;
}
