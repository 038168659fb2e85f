#pragma once
// FaultyIdentity: the layer of a faulty store (faulty_store.h) that forwards IdentityStore,
// failing calls as the switches say (fault_switches.h).

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/identity_store.h"
#include "support/fault_switches.h"

namespace sms::testing {

template <class Base>
class FaultyIdentity : public Base {
 public:
  template <class Inner>
  explicit FaultyIdentity(const std::shared_ptr<Inner>& inner) : Base(inner), ids_(inner) {}

  Status CreateUser(const store::UserRecord& user) override {
    return this->Write([&] { return ids_->CreateUser(user); });
  }
  Result<store::UserRecord> GetUser(const std::string& username) override {
    return this->Read([&] { return ids_->GetUser(username); });
  }
  Result<std::vector<store::UserRecord>> ListUsers() override {
    return this->Read([&] { return ids_->ListUsers(); });
  }
  Result<int64_t> CountUsers() override {
    return this->Read([&] { return ids_->CountUsers(); });
  }
  Result<store::UserRecord> UpdateUser(const std::string& username, const store::UserPatch& patch,
                                       Millis now) override {
    return this->Write([&] { return ids_->UpdateUser(username, patch, now); });
  }
  Status DeleteUser(const std::string& username) override {
    return this->Write([&] { return ids_->DeleteUser(username); });
  }
  Status InsertSession(const store::SessionRecord& session) override {
    return this->Write([&] { return ids_->InsertSession(session); });
  }
  Result<std::optional<store::UserRecord>> SessionUser(const std::string& jti,
                                                       Millis now) override {
    return this->Read([&] { return ids_->SessionUser(jti, now); });
  }
  Status DeleteSession(const std::string& jti) override {
    return this->Write([&] { return ids_->DeleteSession(jti); });
  }
  Status InsertApiToken(const store::ApiTokenRecord& token) override {
    return this->Write([&] { return ids_->InsertApiToken(token); });
  }
  Result<std::optional<std::pair<store::ApiTokenRecord, store::UserRecord>>> ApiTokenUser(
      const std::string& token_id, Millis now) override {
    return this->Read([&] { return ids_->ApiTokenUser(token_id, now); });
  }
  Result<std::vector<store::ApiTokenRecord>> ListApiTokens(const std::string& username) override {
    return this->Read([&] { return ids_->ListApiTokens(username); });
  }
  Status DeleteApiToken(const std::string& token_id, const std::string& username) override {
    return this->Write([&] { return ids_->DeleteApiToken(token_id, username); });
  }

 private:
  store::IdentityStorePtr ids_;
};

}  // namespace sms::testing
