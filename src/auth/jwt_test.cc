#include "auth/jwt.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <boost/json.hpp>

#include "support/assert_ok.h"

namespace sms::auth {
namespace {

constexpr Millis kNow = 1'795'000'000'000;
const std::string kSecret = "0123456789abcdef0123456789abcdef";  // 32 bytes

Claims Operator() {
  Claims c;
  c.sub = "alice";
  c.role = "operator";
  c.scopes = {"servers:read", "servers:write"};
  c.jti = "j-1";
  c.iat = kNow;
  c.exp = kNow + 15 * 60'000;
  return c;
}

// A token with the given header and payload JSON, signed with `secret` as HS256 would be.
std::string Forge(const std::string& header, const std::string& payload,
                  const std::string& secret = kSecret) {
  std::string input = Base64UrlEncode(header) + "." + Base64UrlEncode(payload);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(input.data()),
                                input.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return input + "." + Base64UrlEncode(std::string(reinterpret_cast<char*>(mac), sizeof mac));
}

std::string Payload(Millis exp = kNow + 60'000) {
  return R"({"sub":"alice","role":"admin","scope":"users:admin","jti":"x","iat":)" +
         std::to_string(kNow / 1000) + R"(,"exp":)" + std::to_string(exp / 1000) + "}";
}

TEST(JwtTest, ASignedTokenVerifiesWithItsClaims) {
  ASSERT_OK_AND_ASSIGN(Jwt jwt, Jwt::Make(kSecret));
  auto c = jwt.Verify(jwt.Sign(Operator()), kNow + 1000);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->sub, "alice");
  EXPECT_EQ(c->role, "operator");
  EXPECT_EQ(c->scopes, (std::vector<std::string>{"servers:read", "servers:write"}));
  EXPECT_EQ(c->jti, "j-1");
  EXPECT_EQ(c->exp, kNow + 15 * 60'000);
}

TEST(JwtTest, AShortSecretIsRefusedAtStart) {
  auto bad = Jwt::Make("too short");
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(bad.status().field(), "jwt_secret");
}

TEST(JwtTest, TheAlgorithmIsPinned) {
  ASSERT_OK_AND_ASSIGN(Jwt jwt, Jwt::Make(kSecret));
  // alg none with an empty signature, other algorithms signed with the same secret, and
  // headers with extra members (kid, jku) are all refused.
  std::string none = Base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." +
                     Base64UrlEncode(Payload()) + ".";
  for (const std::string& token :
       {none, Forge(R"({"alg":"none"})", Payload()), Forge(R"({"alg":"HS512"})", Payload()),
        Forge(R"({"alg":"RS256","typ":"JWT"})", Payload()), Forge(R"({"alg":"hs256"})", Payload()),
        Forge(R"({"typ":"JWT"})", Payload()),
        Forge(R"({"alg":"HS256","kid":"../../etc/passwd"})", Payload())}) {
    auto r = jwt.Verify(token, kNow);
    EXPECT_EQ(r.status().code(), Code::kUnauthenticated) << token;
  }
  EXPECT_TRUE(jwt.Verify(Forge(R"({"alg":"HS256"})", Payload()), kNow).ok());
}

TEST(JwtTest, ABadSignatureOrATamperedClaimIsRefused) {
  ASSERT_OK_AND_ASSIGN(Jwt jwt, Jwt::Make(kSecret));
  std::string token = jwt.Sign(Operator());
  EXPECT_EQ(jwt.Verify(Forge(R"({"alg":"HS256"})", Payload(), kSecret + "x"), kNow).status().code(),
            Code::kUnauthenticated);  // another secret
  // The payload re-encoded with role admin, the signature kept.
  size_t dot1 = token.find('.'), dot2 = token.rfind('.');
  std::string payload;
  ASSERT_TRUE(Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1), &payload));
  payload.replace(payload.find("operator"), 8, "admin");
  std::string tampered =
      token.substr(0, dot1 + 1) + Base64UrlEncode(payload) + token.substr(dot2);
  EXPECT_EQ(jwt.Verify(tampered, kNow).status().code(), Code::kUnauthenticated);
  std::string flipped = token;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(jwt.Verify(flipped, kNow).status().code(), Code::kUnauthenticated);
}

TEST(JwtTest, TimeIsChecked) {
  ASSERT_OK_AND_ASSIGN(Jwt jwt, Jwt::Make(kSecret));
  Claims c = Operator();
  EXPECT_EQ(jwt.Verify(jwt.Sign(c), c.exp).status().message(), "invalid token: expired");
  EXPECT_TRUE(jwt.Verify(jwt.Sign(c), c.exp - 1000).ok());
  c.nbf = kNow + 60'000;
  EXPECT_EQ(jwt.Verify(jwt.Sign(c), kNow).status().message(), "invalid token: not valid yet");
  c.nbf = 0;
  c.iat = kNow + 10 * 60'000;  // issued in the future, beyond the skew
  c.exp = kNow + 20 * 60'000;
  EXPECT_EQ(jwt.Verify(jwt.Sign(c), kNow).status().code(), Code::kUnauthenticated);
}

TEST(JwtTest, MalformedTokensAreRefusedWithoutEchoingThem) {
  ASSERT_OK_AND_ASSIGN(Jwt jwt, Jwt::Make(kSecret));
  const std::string secretish = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ";
  for (const std::string& token :
       {std::string(), std::string("abc"), std::string("a.b"), std::string("a.b.c.d"),
        secretish + ".", secretish + ".!!!!", std::string(kMaxTokenBytes + 1, 'a'),
        Forge(R"({"alg":"HS256"})", "not json"), Forge(R"({"alg":"HS256"})", "[]"),
        Forge(R"({"alg":"HS256"})", R"({"sub":"a","role":"r","scope":"s","jti":"j","iat":1})"),
        Forge(R"({"alg":"HS256"})",
              R"({"sub":1,"role":"r","scope":"s","jti":"j","iat":1,"exp":99999999999})"),
        Forge(R"({"alg":"HS256"})",
              R"({"sub":"a","role":"r","scope":"s","jti":"j","iat":1,"exp":"never"})")}) {
    auto r = jwt.Verify(token, kNow);
    ASSERT_EQ(r.status().code(), Code::kUnauthenticated) << token;
    EXPECT_EQ(r.status().message().find("c2VjcmV0"), std::string::npos);
  }
}

TEST(JwtTest, Base64UrlIsStrict) {
  std::string out;
  EXPECT_TRUE(Base64UrlDecode(Base64UrlEncode("any\xff bytes"), &out));
  EXPECT_EQ(out, "any\xff bytes");
  EXPECT_FALSE(Base64UrlDecode("YQ==", &out));  // padding
  EXPECT_FALSE(Base64UrlDecode("YR", &out));    // non-canonical trailing bits
  EXPECT_FALSE(Base64UrlDecode("Y+8", &out));   // not the URL alphabet
}

}  // namespace
}  // namespace sms::auth
