// The Store contract, part 5: users (never zero admins, even under concurrent changes), login
// sessions and API tokens. Runs against every implementation in StoreFactories.

#include <atomic>
#include <thread>

#include "store/store_test_util.h"

namespace sms::store::testing {
namespace {

using ::testing::ElementsAre;

template <typename Factory>
class StoreUsersContractTest : public StoreTest<Factory> {
 public:
  void AddUser(const std::string& username, const std::string& role, Millis at = kT0) {
    Status s =
        this->store_->CreateUser(UserRecord{username, "$argon2id$" + username, role, at, at});
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void AddSession(const std::string& jti, const std::string& username, Millis at = kT0,
                  Millis ttl = 15 * 60 * kSecond) {
    Status s = this->store_->InsertSession(SessionRecord{jti, username, at, at + ttl});
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void AddToken(const std::string& id, const std::string& username, Millis at = kT0,
                Millis ttl = 90LL * 24 * 3600 * kSecond) {
    ApiTokenRecord t{id, username, "ci " + id, "ab12" + id, {"servers:read", "reports:read"},
                     at, at + ttl};
    Status s = this->store_->InsertApiToken(t);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  UserRecord User(const std::string& username) {
    Result<UserRecord> u = this->store_->GetUser(username);
    EXPECT_TRUE(u.ok()) << username << ": " << u.status().ToString();
    return u.ok() ? *u : UserRecord{};
  }
  // Whether token `id` still lets its owner in at `now`.
  bool TokenValid(const std::string& id, Millis now = kT0) {
    auto u = this->store_->ApiTokenUser(id, now);
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    return u.ok() && u->has_value();
  }
  // Whether session `jti` still lets its user in at `now`.
  bool SessionValid(const std::string& jti, Millis now = kT0 + kSecond) {
    Result<std::optional<UserRecord>> u = this->store_->SessionUser(jti, now);
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    return u.ok() && u->has_value();
  }
  std::vector<std::string> TokenIds(const std::string& username) {
    Result<std::vector<ApiTokenRecord>> tokens = this->store_->ListApiTokens(username);
    EXPECT_TRUE(tokens.ok()) << tokens.status().ToString();
    std::vector<std::string> ids;
    if (tokens.ok()) {
      for (const ApiTokenRecord& t : *tokens) ids.push_back(t.token_id);
    }
    return ids;
  }
  int64_t Admins() {
    Result<std::vector<UserRecord>> users = this->store_->ListUsers();
    EXPECT_TRUE(users.ok()) << users.status().ToString();
    int64_t n = 0;
    if (users.ok()) {
      for (const UserRecord& u : *users) n += u.role == "admin";
    }
    return n;
  }
};
TYPED_TEST_SUITE(StoreUsersContractTest, StoreFactories, FactoryNames);

TYPED_TEST(StoreUsersContractTest, AUserReadsBackAsCreatedAndANameIsTakenOnce) {
  EXPECT_EQ(*this->store_->CountUsers(), 0);
  this->AddUser("bob", "viewer", kT0 + 5);
  this->AddUser("alice", "admin", kT0 + 7);
  auto bob = this->store_->GetUser("bob");
  ASSERT_TRUE(bob.ok()) << bob.status().ToString();
  EXPECT_EQ(bob->password_hash, "$argon2id$bob");
  EXPECT_EQ(bob->role, "viewer");
  EXPECT_EQ(bob->created_at, kT0 + 5);
  EXPECT_EQ(bob->updated_at, kT0 + 5);
  EXPECT_EQ(this->store_->GetUser("carol").status().code(), Code::kNotFound);

  Status again = this->store_->CreateUser(UserRecord{"bob", "$argon2id$x", "admin", kT0, kT0});
  EXPECT_EQ(again.code(), Code::kConflict);
  EXPECT_EQ(again.field(), "username");
  EXPECT_EQ(this->User("bob").role, "viewer");  // unchanged

  auto users = this->store_->ListUsers();
  ASSERT_TRUE(users.ok()) << users.status().ToString();
  std::vector<std::string> names;
  for (const UserRecord& u : *users) names.push_back(u.username);
  EXPECT_THAT(names, ElementsAre("alice", "bob"));
  EXPECT_EQ(*this->store_->CountUsers(), 2);
}

TYPED_TEST(StoreUsersContractTest, UpdateAppliesThePatchAndEndsSessionsOnlyWhenSomethingChanged) {
  this->AddUser("root", "admin");
  this->AddUser("bob", "viewer");
  this->AddSession("j1", "bob");
  this->AddSession("j-root", "root");

  auto same = this->store_->UpdateUser("bob", UserPatch{std::nullopt, "viewer"}, kT0 + 10);
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_EQ(same->updated_at, kT0 + 10);
  EXPECT_TRUE(this->SessionValid("j1"));  // role unchanged: the session stays

  auto promoted = this->store_->UpdateUser("bob", UserPatch{std::nullopt, "operator"}, kT0 + 20);
  ASSERT_TRUE(promoted.ok()) << promoted.status().ToString();
  EXPECT_EQ(promoted->role, "operator");
  EXPECT_EQ(promoted->password_hash, "$argon2id$bob");
  EXPECT_EQ(promoted->created_at, kT0);
  EXPECT_EQ(promoted->updated_at, kT0 + 20);
  EXPECT_FALSE(this->SessionValid("j1"));
  EXPECT_TRUE(this->SessionValid("j-root"));  // another user's session stays

  this->AddSession("j2", "bob");
  auto rehashed = this->store_->UpdateUser("bob", UserPatch{"$argon2id$new", std::nullopt}, kT0);
  ASSERT_TRUE(rehashed.ok()) << rehashed.status().ToString();
  EXPECT_EQ(this->User("bob").password_hash, "$argon2id$new");
  EXPECT_EQ(this->User("bob").role, "operator");
  EXPECT_FALSE(this->SessionValid("j2"));

  EXPECT_EQ(this->store_->UpdateUser("nobody", UserPatch{}, kT0).status().code(), Code::kNotFound);
}

TYPED_TEST(StoreUsersContractTest, TheLastAdminCanBeNeitherDemotedNorDeleted) {
  this->AddUser("root", "admin");
  this->AddUser("bob", "viewer");
  this->AddSession("j-root", "root");
  auto demote = this->store_->UpdateUser("root", UserPatch{std::nullopt, "operator"}, kT0 + 1);
  EXPECT_EQ(demote.status().code(), Code::kConflict);
  EXPECT_EQ(demote.status().field(), "role");
  Status del = this->store_->DeleteUser("root");
  EXPECT_EQ(del.code(), Code::kConflict);
  EXPECT_EQ(del.field(), "username");
  EXPECT_EQ(this->User("root").role, "admin");
  EXPECT_EQ(this->User("root").updated_at, kT0);  // nothing written
  EXPECT_TRUE(this->SessionValid("j-root"));

  // An admin keeping its role is not a demotion; with a second admin the first may go.
  EXPECT_TRUE(this->store_->UpdateUser("root", UserPatch{"$argon2id$2", "admin"}, kT0).ok());
  ASSERT_TRUE(this->store_->UpdateUser("bob", UserPatch{std::nullopt, "admin"}, kT0).ok());
  EXPECT_TRUE(this->store_->UpdateUser("root", UserPatch{std::nullopt, "viewer"}, kT0).ok());
  EXPECT_EQ(this->store_->DeleteUser("bob").code(), Code::kConflict);
  EXPECT_TRUE(this->store_->DeleteUser("root").ok());
  EXPECT_EQ(this->Admins(), 1);
}

// Two admins, each removed (demoted or deleted) at once by a different store handle (on
// PostgreSQL and SQLite files: a second replica): exactly one wins, one admin remains.
TYPED_TEST(StoreUsersContractTest, ConcurrentDemotionsAndDeletionsLeaveOneAdmin) {
  StorePtr other = this->factory_.Another();
  ASSERT_NE(other, nullptr);
  for (int round = 0; round < 6; ++round) {
    std::string a = "a" + std::to_string(round), b = "b" + std::to_string(round);
    this->AddUser(a, "admin");
    this->AddUser(b, "admin");
    Result<std::vector<UserRecord>> users = this->store_->ListUsers();
    ASSERT_TRUE(users.ok()) << users.status().ToString();
    for (const UserRecord& u : *users) {  // the last round's survivor goes
      if (u.role == "admin" && u.username != a && u.username != b) {
        ASSERT_TRUE(this->store_->DeleteUser(u.username).ok());
      }
    }
    ASSERT_EQ(this->Admins(), 2);
    std::atomic<int> won{0}, refused{0};
    auto remove = [&](Store& store, const std::string& who, bool by_delete) {
      Status s = by_delete ? store.DeleteUser(who)
                           : store.UpdateUser(who, UserPatch{std::nullopt, "viewer"}, kT0).status();
      if (s.ok()) {
        ++won;
      } else if (s.code() == Code::kConflict) {
        ++refused;
      } else {
        ADD_FAILURE() << s.ToString();
      }
    };
    std::thread t1([&] { remove(*this->store_, a, round % 2 == 0); });
    std::thread t2([&] { remove(*other, b, round % 3 != 0); });
    t1.join();
    t2.join();
    EXPECT_EQ(won.load(), 1) << "round " << round;
    EXPECT_EQ(refused.load(), 1) << "round " << round;
    EXPECT_EQ(this->Admins(), 1) << "round " << round;
  }
}

TYPED_TEST(StoreUsersContractTest, DeletingAUserTakesItsSessionsAndTokens) {
  this->AddUser("root", "admin");
  this->AddUser("bob", "operator");
  this->AddSession("j-bob", "bob");
  this->AddSession("j-root", "root");
  this->AddToken("tbob", "bob");
  this->AddToken("troot", "root");
  ASSERT_TRUE(this->store_->DeleteUser("bob").ok());
  EXPECT_EQ(this->store_->GetUser("bob").status().code(), Code::kNotFound);
  EXPECT_FALSE(this->SessionValid("j-bob"));
  EXPECT_FALSE(this->TokenValid("tbob", kT0));
  EXPECT_THAT(this->TokenIds(""), ElementsAre("troot"));
  EXPECT_TRUE(this->SessionValid("j-root"));
  EXPECT_EQ(this->store_->DeleteUser("bob").code(), Code::kNotFound);
  // A new "bob" starts with nothing.
  this->AddUser("bob", "viewer");
  EXPECT_FALSE(this->SessionValid("j-bob"));
  EXPECT_THAT(this->TokenIds("bob"), ElementsAre());
}

TYPED_TEST(StoreUsersContractTest, ASessionLetsItsUserInUntilItExpiresOrIsDeleted) {
  this->AddUser("bob", "viewer");
  this->AddSession("j1", "bob", kT0, 60 * kSecond);
  auto u = this->store_->SessionUser("j1", kT0 + 59 * kSecond);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  ASSERT_TRUE(u->has_value());
  EXPECT_EQ((*u)->username, "bob");
  EXPECT_EQ((*u)->role, "viewer");
  EXPECT_FALSE(this->SessionValid("j1", kT0 + 60 * kSecond));  // expires_at is not after now
  EXPECT_FALSE(this->SessionValid("unknown"));

  this->AddSession("j2", "bob");
  ASSERT_TRUE(this->store_->DeleteSession("j2").ok());
  EXPECT_FALSE(this->SessionValid("j2"));
  EXPECT_EQ(this->store_->DeleteSession("j2").code(), Code::kNotFound);
  EXPECT_EQ(this->store_->InsertSession(SessionRecord{"j3", "nobody", kT0, kT0 + 1}).code(),
            Code::kNotFound);
}

TYPED_TEST(StoreUsersContractTest, ALoginDeletesSessionsThatExpiredBeforeIt) {
  this->AddUser("bob", "viewer");
  this->AddSession("old", "bob", kT0, 60 * kSecond);
  this->AddSession("live", "bob", kT0, 600 * kSecond);
  // At kT0 + 100 s "old" has expired; looking it up "in the past" shows whether the row is gone.
  EXPECT_TRUE(this->SessionValid("old", kT0 + kSecond));
  this->AddSession("new", "bob", kT0 + 100 * kSecond);
  EXPECT_FALSE(this->SessionValid("old", kT0 + kSecond));
  EXPECT_TRUE(this->SessionValid("live", kT0 + kSecond));
  EXPECT_TRUE(this->SessionValid("new", kT0 + 100 * kSecond));
}

TYPED_TEST(StoreUsersContractTest, AnApiTokenReadsBackWithItsOwnerUntilItExpires) {
  this->AddUser("bob", "operator");
  this->AddToken("t1", "bob", kT0, 3600 * kSecond);
  auto got = this->store_->ApiTokenUser("t1", kT0 + 10);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(got->has_value());
  const auto& [token, owner] = **got;
  EXPECT_EQ(token.token_id, "t1");
  EXPECT_EQ(token.username, "bob");
  EXPECT_EQ(token.name, "ci t1");
  EXPECT_EQ(token.secret_hash, "ab12t1");
  EXPECT_THAT(token.scopes, ElementsAre("servers:read", "reports:read"));
  EXPECT_EQ(token.created_at, kT0);
  EXPECT_EQ(token.expires_at, kT0 + 3600 * kSecond);
  EXPECT_EQ(owner.username, "bob");
  EXPECT_EQ(owner.role, "operator");
  EXPECT_FALSE(this->TokenValid("t1", kT0 + 3600 * kSecond));
  EXPECT_FALSE(this->TokenValid("t2", kT0));

  Status dup = this->store_->InsertApiToken(ApiTokenRecord{"t1", "bob", "x", "y", {}, kT0, kT0});
  EXPECT_EQ(dup.code(), Code::kConflict);
  EXPECT_EQ(dup.field(), "token_id");
  auto t1 = this->store_->ApiTokenUser("t1", kT0);
  ASSERT_TRUE(t1.ok() && t1->has_value()) << t1.status().ToString();
  EXPECT_EQ((*t1)->first.name, "ci t1");  // unchanged
  EXPECT_EQ(
      this->store_->InsertApiToken(ApiTokenRecord{"t9", "nobody", "x", "y", {}, kT0, kT0}).code(),
      Code::kNotFound);
}

TYPED_TEST(StoreUsersContractTest, TokensListNewestFirstPerOwnerOrAll) {
  this->AddUser("bob", "operator");
  this->AddUser("carol", "viewer");
  this->AddToken("b1", "bob", kT0);
  this->AddToken("c1", "carol", kT0 + 2);
  this->AddToken("b3", "bob", kT0 + 1);
  this->AddToken("b2", "bob", kT0 + 1);
  this->AddToken("old", "bob", kT0 - 100 * kSecond, kSecond);  // expired: still listed
  EXPECT_THAT(this->TokenIds(""), ElementsAre("c1", "b2", "b3", "b1", "old"));
  EXPECT_THAT(this->TokenIds("bob"), ElementsAre("b2", "b3", "b1", "old"));
  EXPECT_THAT(this->TokenIds("dave"), ElementsAre());
}

TYPED_TEST(StoreUsersContractTest, ATokenIsDeletedByItsOwnerOrByAnyoneWithNoOwnerGiven) {
  this->AddUser("bob", "operator");
  this->AddUser("carol", "viewer");
  this->AddToken("b1", "bob");
  this->AddToken("c1", "carol");
  EXPECT_EQ(this->store_->DeleteApiToken("b1", "carol").code(), Code::kNotFound);
  EXPECT_THAT(this->TokenIds("bob"), ElementsAre("b1"));
  EXPECT_TRUE(this->store_->DeleteApiToken("b1", "bob").ok());
  EXPECT_FALSE(this->TokenValid("b1", kT0));
  EXPECT_EQ(this->store_->DeleteApiToken("b1", "bob").code(), Code::kNotFound);
  EXPECT_TRUE(this->store_->DeleteApiToken("c1", "").ok());
  EXPECT_EQ(this->store_->DeleteApiToken("c1", "").code(), Code::kNotFound);
  EXPECT_THAT(this->TokenIds(""), ElementsAre());
}

}  // namespace
}  // namespace sms::store::testing
