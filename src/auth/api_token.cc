#include "auth/api_token.h"

#include <sodium.h>

#include "auth/jwt.h"

namespace sms::auth {
namespace {

constexpr std::string_view kPrefix = "sms_";
constexpr size_t kIdBytes = 6;
constexpr size_t kSecretBytes = 32;
constexpr size_t kSecretChars = 43;  // base64url of 32 bytes, unpadded

std::string Hex(const unsigned char* data, size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, n);
  out.pop_back();
  return out;
}

bool IsHex(std::string_view s) {
  return s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

std::string RandomHex(size_t bytes) {
  if (sodium_init() < 0) std::abort();  // no randomness: nothing safe to do
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  return Hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

ApiTokenParts MakeApiToken() {
  if (sodium_init() < 0) std::abort();
  std::string secret(kSecretBytes, '\0');
  randombytes_buf(secret.data(), secret.size());
  ApiTokenParts t;
  t.token_id = RandomHex(kIdBytes);
  t.secret = Base64UrlEncode(secret);
  t.text = std::string(kPrefix) + t.token_id + "_" + t.secret;
  return t;
}

bool IsApiToken(std::string_view text) { return text.substr(0, kPrefix.size()) == kPrefix; }

bool ParseApiToken(std::string_view text, ApiTokenParts* out) {
  if (!IsApiToken(text)) return false;
  std::string_view rest = text.substr(kPrefix.size());
  if (rest.size() != kIdBytes * 2 + 1 + kSecretChars || rest[kIdBytes * 2] != '_') return false;
  std::string_view id = rest.substr(0, kIdBytes * 2);
  std::string_view secret = rest.substr(kIdBytes * 2 + 1);
  std::string decoded;
  if (!IsHex(id) || !Base64UrlDecode(secret, &decoded) || decoded.size() != kSecretBytes) {
    return false;
  }
  out->token_id = std::string(id);
  out->secret = std::string(secret);
  out->text = std::string(text);
  return true;
}

std::string HashSecret(std::string_view secret) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  return Hex(digest, sizeof digest);
}

bool SecretMatches(std::string_view secret, std::string_view hash) {
  std::string mine = HashSecret(secret);
  return hash.size() == mine.size() && sodium_memcmp(mine.data(), hash.data(), mine.size()) == 0;
}

}  // namespace sms::auth
