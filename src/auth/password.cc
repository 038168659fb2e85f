#include "auth/password.h"

#include <sodium.h>

namespace sms::auth {

Status CheckPassword(std::string_view password) {
  if (password.size() < kMinPasswordLength || password.size() > kMaxPasswordLength) {
    return Status::InvalidArgument("a password has " + std::to_string(kMinPasswordLength) +
                                       " to " + std::to_string(kMaxPasswordLength) + " characters",
                                   "password");
  }
  return Status::Ok();
}

Result<std::string> HashPassword(std::string_view password) {
  if (sodium_init() < 0) return Status::Internal("libsodium did not initialise");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::Internal("password hashing ran out of memory");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view password, const std::string& hash) {
  if (sodium_init() < 0 || hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace sms::auth
