#include <gtest/gtest.h>

#include "auth/api_token.h"
#include "auth/password.h"
#include "auth/scopes.h"
#include "auth/throttle.h"

namespace sms::auth {
namespace {

TEST(ScopesTest, EachRoleHoldsItsScopes) {
  auto viewer_scopes = ScopesOf("viewer");
  auto op_scopes = ScopesOf("operator");
  auto admin_scopes = ScopesOf("admin");
  ASSERT_TRUE(viewer_scopes && op_scopes && admin_scopes);
  const auto &viewer = *viewer_scopes, &op = *op_scopes, &admin = *admin_scopes;
  EXPECT_TRUE(HasScope(viewer, "servers:read"));
  EXPECT_FALSE(HasScope(viewer, "servers:write"));
  EXPECT_FALSE(HasScope(viewer, "reports:send"));
  EXPECT_TRUE(HasScope(viewer, "alerts:read"));
  EXPECT_FALSE(HasScope(viewer, "alerts:write"));
  for (const char* s : {"servers:read", "servers:write", "servers:import", "servers:export",
                        "reports:send", "reports:read", "alerts:read", "alerts:write"}) {
    EXPECT_TRUE(HasScope(op, s)) << s;
  }
  EXPECT_FALSE(HasScope(op, "users:admin"));
  for (const auto& role : {viewer, op, admin}) EXPECT_TRUE(HasScope(role, kTokensManage));
  EXPECT_EQ(admin, AllScopes());
  EXPECT_FALSE(ScopesOf("root").has_value());
  // Every scope a role holds is a known scope.
  for (const auto& role : {viewer, op}) {
    for (const std::string& s : role) EXPECT_TRUE(HasScope(AllScopes(), s)) << s;
  }
}

TEST(PasswordTest, Argon2idHashesVerifyAndNeverHoldThePassword) {
  EXPECT_EQ(CheckPassword("short").field(), "password");
  EXPECT_EQ(CheckPassword(std::string(1025, 'x')).field(), "password");
  ASSERT_TRUE(CheckPassword("correct horse battery").ok());
  auto hash = HashPassword("correct horse battery");
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_EQ(hash->find("correct"), std::string::npos);
  auto again = HashPassword("correct horse battery");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_NE(*again, *hash);  // salted
  EXPECT_TRUE(VerifyPassword("correct horse battery", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse batterz", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse battery", "not a hash"));
}

TEST(ThrottleTest, LocksAfterRepeatedFailuresAndDoublesEachLock) {
  LoginThrottle t(ThrottleOptions{.max_failures = 3, .first_lock = 1000, .max_lock = 3000});
  Millis now = 1'000'000;
  for (int i = 0; i < 2; ++i) t.Fail("alice", now);
  EXPECT_EQ(t.RetryAfter("alice", now), 0);
  t.Fail("alice", now);
  EXPECT_EQ(t.RetryAfter("alice", now), 1000);
  EXPECT_EQ(t.RetryAfter("bob", now), 0);  // keys are separate
  t.Fail("alice", now + 500);              // refused while locked: the lock does not grow
  EXPECT_EQ(t.RetryAfter("alice", now + 500), 500);
  now += 1000;
  EXPECT_EQ(t.RetryAfter("alice", now), 0);
  for (int i = 0; i < 3; ++i) t.Fail("alice", now);
  EXPECT_EQ(t.RetryAfter("alice", now), 2000);  // the second lock is twice as long
  now += 2000;
  for (int i = 0; i < 3; ++i) t.Fail("alice", now);
  EXPECT_EQ(t.RetryAfter("alice", now), 3000);  // capped
  t.Succeed("alice");
  EXPECT_EQ(t.RetryAfter("alice", now), 0);
}

TEST(ThrottleTest, ForgetsIdleKeysAndBoundsMemory) {
  LoginThrottle t(ThrottleOptions{.max_failures = 2, .forget_after = 10'000, .max_keys = 2});
  t.Fail("a", 0);
  t.Fail("a", 20'000);  // the first failure was forgotten: one in a row
  EXPECT_EQ(t.RetryAfter("a", 20'000), 0);
  t.Fail("b", 20'000);
  t.Fail("c", 20'000);  // evicts the stalest key, "a"
  t.Fail("a", 20'001);
  EXPECT_EQ(t.RetryAfter("a", 20'001), 0);
  t.Fail("a", 20'002);
  EXPECT_GT(t.RetryAfter("a", 20'002), 0);
}

TEST(ApiTokenTest, ParsesWhatItMakesAndOnlyThat) {
  ApiTokenParts t = MakeApiToken();
  EXPECT_EQ(t.text.rfind("sms_", 0), 0u);
  ApiTokenParts back;
  ASSERT_TRUE(ParseApiToken(t.text, &back));
  EXPECT_EQ(back.token_id, t.token_id);
  EXPECT_EQ(back.secret, t.secret);
  EXPECT_NE(MakeApiToken().text, t.text);
  for (std::string bad : {std::string("sms_"), t.text + "x", t.text.substr(0, t.text.size() - 1),
                          "sms_" + t.token_id + "-" + t.secret, "xyz_" + t.text.substr(4),
                          "sms_" + std::string(12, 'G') + "_" + t.secret}) {
    EXPECT_FALSE(ParseApiToken(bad, &back)) << bad;
  }
}

TEST(ApiTokenTest, StoresOnlyTheHashOfTheSecret) {
  ApiTokenParts t = MakeApiToken();
  std::string hash = HashSecret(t.secret);
  EXPECT_EQ(hash.size(), 64u);
  EXPECT_EQ(hash.find(t.secret), std::string::npos);
  EXPECT_TRUE(SecretMatches(t.secret, hash));
  EXPECT_FALSE(SecretMatches(MakeApiToken().secret, hash));
  EXPECT_FALSE(SecretMatches(t.secret, hash.substr(1)));
  // SHA-256("abc"), FIPS 180-2.
  EXPECT_EQ(HashSecret("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace sms::auth
