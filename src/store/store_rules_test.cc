// The backend-neutral rules both SQL stores apply (server_rules.h, user_rules.h); the stores'
// use of them is proven by the contract suites on every engine.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/validation.h"
#include "store/server_rules.h"
#include "store/user_rules.h"

namespace sms::store {
namespace {

using ::testing::ElementsAre;

TEST(ServerRulesTest, Ipv4NumberOrdersAddressesNumerically) {
  EXPECT_EQ(Ipv4Number("0.0.0.0"), 0);
  EXPECT_EQ(Ipv4Number("10.0.0.9"), 10LL << 24 | 9);
  EXPECT_LT(Ipv4Number("10.0.0.9"), Ipv4Number("10.0.0.10"));
  EXPECT_EQ(Ipv4Number("255.255.255.255"), 0xFFFFFFFFLL);
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "a.b.c.d", "1.2.3.4 ", "1..2.3"}) {
    EXPECT_EQ(Ipv4Number(bad), -1) << bad;
  }
}

TEST(ServerRulesTest, CandidateNamesNumberTheBaseThenAddTheServerId) {
  Heartbeat hb;
  hb.server_id = "id7";
  hb.hostname = "web";
  std::vector<std::string> names = CandidateNames(hb);
  ASSERT_EQ(names.size(), size_t{2 * kNumberedNames});
  EXPECT_THAT(std::vector<std::string>(names.begin(), names.begin() + 3),
              ElementsAre("web", "web-2", "web-3"));
  EXPECT_EQ(names[kNumberedNames - 1], "web-10");
  EXPECT_EQ(names[kNumberedNames], "web-id7");
  EXPECT_EQ(names.back(), "web-id7-10");
  hb.hostname.clear();
  EXPECT_EQ(CandidateNames(hb).front(), "id7");
}

TEST(ServerRulesTest, CandidateNamesFitTheLimitWithoutSplittingACharacter) {
  Heartbeat hb;
  hb.server_id = "x";
  for (size_t i = 0; i < kMaxNameLength; i += 2) hb.hostname += "\xC3\xA9";  // é
  for (const std::string& name : CandidateNames(hb)) {
    EXPECT_LE(name.size(), kMaxNameLength) << name;
    size_t base = name.find('-') == std::string::npos ? name.size() : name.find('-');
    EXPECT_EQ(base % 2, 0u) << name;  // whole two-byte sequences only
  }
  EXPECT_EQ(TruncateUtf8("a\xC3\xA9", 2), "a");
  EXPECT_EQ(TruncateUtf8("a\xC3\xA9", 3), "a\xC3\xA9");
}

TEST(ServerRulesTest, APatchThatChangesNothingKeepsLastUpdated) {
  Server s = NewServer(ServerInput{"a", "alpha", "10.0.0.1", "h", {"x"}}, 100);
  EXPECT_EQ(s.status, ServerStatus::kOff);
  EXPECT_EQ(s.last_updated, 100);
  ServerPatch same;
  same.server_name = "alpha";
  same.tags = std::vector<std::string>{"x"};
  EXPECT_FALSE(ApplyPatch(same, 200, s));
  EXPECT_EQ(s.last_updated, 100);
  ServerPatch rename;
  rename.server_name = "beta";
  EXPECT_TRUE(ApplyPatch(rename, 200, s));
  EXPECT_EQ(s.server_name, "beta");
  EXPECT_EQ(s.last_updated, 200);
}

TEST(UserRulesTest, TheLastAdminCanBeNeitherDemotedNorDeleted) {
  UserRecord admin{"root", "hash", kAdminRole, 1, 1};
  int counted = 0;
  auto admins = [&](int64_t n) {
    return [&counted, n]() -> Result<int64_t> {
      ++counted;
      return n;
    };
  };
  Status demoted = KeepOneAdmin(admin, std::string("viewer"), admins(1));
  EXPECT_EQ(demoted.code(), Code::kConflict);
  EXPECT_EQ(demoted.field(), "role");
  Status deleted = KeepOneAdmin(admin, std::nullopt, admins(1));
  EXPECT_EQ(deleted.code(), Code::kConflict);
  EXPECT_EQ(deleted.field(), "username");
  EXPECT_TRUE(KeepOneAdmin(admin, std::nullopt, admins(2)).ok());
  EXPECT_EQ(counted, 3);
  // Counted only when an admin loses the role.
  EXPECT_TRUE(KeepOneAdmin(admin, std::string(kAdminRole), admins(1)).ok());
  EXPECT_TRUE(KeepOneAdmin(UserRecord{"v", "h", "viewer", 1, 1}, std::nullopt, admins(1)).ok());
  EXPECT_EQ(counted, 3);
}

TEST(UserRulesTest, ANewPasswordOrRoleEndsTheSessions) {
  UserRecord before{"u", "old", "viewer", 1, 1};
  UserPatch same_role;
  same_role.role = "viewer";
  UserRecord after = PatchedUser(before, same_role, 5);
  EXPECT_EQ(after.updated_at, 5);
  EXPECT_FALSE(EndsSessions(before, after));
  UserPatch password;
  password.password_hash = "new";
  EXPECT_TRUE(EndsSessions(before, PatchedUser(before, password, 5)));
}

}  // namespace
}  // namespace sms::store
