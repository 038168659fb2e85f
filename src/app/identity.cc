#include "app/identity.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "auth/api_token.h"
#include "auth/password.h"
#include "core/secret_file.h"
#include "roles/management/access.h"
#include "store/store.h"

namespace sms::app {
namespace {

namespace fs = std::filesystem;

// Writes `content` to a new file readable by the owner only. false when it exists already.
Result<bool> CreatePrivateFile(const std::string& path, const std::string& content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) return false;
  if (fd < 0) return Status::Internal("cannot create " + path);
  bool ok = ::write(fd, content.data(), content.size()) == ssize_t(content.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) return Status::Internal("cannot write " + path);
  return true;
}

Result<std::string> GeneratedSecret(const Config& cfg) {
  std::string path = (fs::path(cfg.data_dir) / "jwt-secret").string();
  auto created = CreatePrivateFile(path, auth::RandomHex(32) + "\n");
  if (!created.ok()) return created.status();
  if (*created) spdlog::info("identity: generated a JWT signing secret in {} (mode 0600)", path);
  return ReadSecretFile(path, "the generated JWT secret", "jwt_secret");
}

}  // namespace

Result<auth::Jwt> LoadJwt(const Config& cfg) {
  std::string secret = cfg.jwt_secret;  // SMS_JWT_SECRET or the file of --jwt-secret-file
  if (secret.empty() && cfg.role == Role::kAll) {
    auto generated = GeneratedSecret(cfg);
    if (!generated.ok()) return generated.status();
    secret = std::move(*generated);
  }
  if (secret.empty()) {
    return Status::InvalidArgument(
        "the management role needs a JWT signing secret: set SMS_JWT_SECRET (32 bytes or more, "
        "the same on every replica) or --jwt-secret-file",
        "jwt_secret");
  }
  auto jwt = auth::Jwt::Make(std::move(secret));
  if (!jwt.ok()) {
    return Status::InvalidArgument("the JWT signing secret must be at least 32 bytes",
                                   "jwt_secret");
  }
  return jwt;
}

Status BootstrapAdmin(const Config& cfg, store::IdentityStore& store, Millis now) {
  std::string user = cfg.admin_user, password = cfg.admin_password;
  std::string password_file = (fs::path(cfg.data_dir) / "initial-admin-password").string();
  if (user.empty() && password.empty() && cfg.role == Role::kAll) {
    auto count = store.CountUsers();
    if (!count.ok()) return count.status();
    if (*count > 0) return Status::Ok();
    user = "admin";
    password = auth::RandomHex(12);
    auto written = CreatePrivateFile(password_file, password + "\n");
    if (!written.ok()) return written.status();
    if (!*written) {
      // A start that stopped before creating the admin.
      auto kept = ReadSecretFile(password_file, "the generated admin password", "admin_password");
      if (!kept.ok()) return kept.status();
      password = *kept;
    }
  }
  auto created = management::EnsureFirstAdmin(store, user, password, now);
  if (!created.ok()) return created.status();
  auto count = store.CountUsers();
  if (*created && cfg.admin_user.empty()) {
    spdlog::warn(
        "identity: created user 'admin'; its password is in {} (mode 0600). Log in, "
        "change it (PATCH /api/v1/users/admin) and delete the file",
        password_file);
  } else if (*created) {
    spdlog::info("identity: created the first admin '{}'", user);
  } else if (count.ok() && *count == 0) {
    spdlog::warn(
        "identity: there are no users, so nobody can log in: set SMS_ADMIN_USER and "
        "SMS_ADMIN_PASSWORD to create the first admin");
  }
  return Status::Ok();
}

Result<std::string> SetPassword(const Config& cfg, const std::string& username,
                                std::istream& password_in, Millis now) {
  if (Status s = management::ValidateUsername(username); !s.ok()) return s;
  std::string password;
  std::getline(password_in, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (Status s = auth::CheckPassword(password); !s.ok()) return s;
  auto store = store::MakeStore({cfg.database_url});
  if (!store.ok()) return store.status();
  auto hash = auth::HashPassword(password);
  if (!hash.ok()) return hash.status();
  store::UserPatch patch;
  patch.password_hash = *hash;
  auto updated = (*store)->UpdateUser(username, patch, now);
  if (updated.ok()) {
    return "password of '" + username + "' (" + updated->role + ") set; its sessions ended";
  }
  if (updated.status().code() != Code::kNotFound) return updated.status();
  Status created = (*store)->CreateUser(store::UserRecord{username, *hash, "admin", now, now});
  if (!created.ok()) return created;
  return "created admin '" + username + "'";
}

}  // namespace sms::app
