#include <gtest/gtest.h>

#include "auth/password.h"
#include "auth/scopes.h"

namespace sms::auth {
namespace {

TEST(ScopesTest, EachRoleHoldsItsScopes) {
  auto viewer = *ScopesOf("viewer");
  auto op = *ScopesOf("operator");
  auto admin = *ScopesOf("admin");
  EXPECT_TRUE(HasScope(viewer, "servers:read"));
  EXPECT_FALSE(HasScope(viewer, "servers:write"));
  EXPECT_FALSE(HasScope(viewer, "reports:send"));
  for (const char* s : {"servers:read", "servers:write", "servers:import", "servers:export",
                        "reports:send", "reports:read"}) {
    EXPECT_TRUE(HasScope(op, s)) << s;
  }
  EXPECT_FALSE(HasScope(op, "users:admin"));
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
  EXPECT_NE(*HashPassword("correct horse battery"), *hash);  // salted
  EXPECT_TRUE(VerifyPassword("correct horse battery", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse batterz", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse battery", "not a hash"));
}

}  // namespace
}  // namespace sms::auth
