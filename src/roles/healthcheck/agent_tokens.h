#pragma once
// The bearer tokens agents must present on POST /healthcheck. An empty set means the endpoint
// is open. Immutable after Load: Check is thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sms::healthcheck {

class AgentTokens {
 public:
  AgentTokens() = default;
  explicit AgentTokens(std::vector<std::string> tokens);

  // Parses `spec`: "" (no tokens: open), "tok1,tok2,…" (spaces around a token are dropped), or
  // "@/path/file" (one token per line; blank lines and lines starting with '#' are skipped).
  // InvalidArgument when the file cannot be read, or when a token is not one ValidateAgentToken
  // (core/validation.h) accepts: 8 or more of [A-Za-z0-9._~+/=-]; messages never quote a token.
  static Result<AgentTokens> Load(const std::string& spec);

  bool empty() const { return tokens_.empty(); }
  size_t size() const { return tokens_.size(); }

  // True when no tokens are set, or when `authorization` is "Bearer <t>" (scheme
  // case-insensitive) and <t> equals one of the tokens. Every token is compared, each in time
  // independent of where the bytes differ.
  bool Check(std::string_view authorization) const;

 private:
  std::vector<std::string> tokens_;
};

// Equality of `a` and `b` in time that depends on a.size() only, not on their contents.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace sms::healthcheck
