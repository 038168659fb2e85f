#include "roles/healthcheck/agent_tokens.h"

#include <fstream>
#include <sstream>

#include "core/validation.h"
#include "http/message.h"

namespace sms::healthcheck {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

Status Add(std::string_view token, const std::string& where, std::vector<std::string>* out) {
  Status valid = ValidateAgentToken(token);
  if (!valid.ok()) {
    return Status::InvalidArgument("agent-tokens: " + where + ": " + valid.message());
  }
  out->emplace_back(token);
  return Status::Ok();
}

Result<std::vector<std::string>> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument("agent-tokens: cannot read " + path);
  std::vector<std::string> tokens;
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    std::string_view t = Trim(line);
    if (t.empty() || t.front() == '#') continue;
    Status s = Add(t, path + " line " + std::to_string(n), &tokens);
    if (!s.ok()) return s;
  }
  return tokens;
}

Result<std::vector<std::string>> ParseList(const std::string& spec) {
  std::vector<std::string> tokens;
  std::stringstream in(spec);
  int n = 0;
  for (std::string item; std::getline(in, item, ',');) {
    ++n;
    std::string_view t = Trim(item);
    if (t.empty()) continue;
    Status s = Add(t, "item " + std::to_string(n), &tokens);
    if (!s.ok()) return s;
  }
  return tokens;
}

}  // namespace

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Walks `a` whatever `b` is: the time tells the length of what the client sent, nothing else.
  volatile unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char other = b.empty() ? 0 : static_cast<unsigned char>(b[i % b.size()]);
    diff = diff | static_cast<unsigned char>(static_cast<unsigned char>(a[i]) ^ other);
  }
  return diff == 0;
}

AgentTokens::AgentTokens(std::vector<std::string> tokens) : tokens_(std::move(tokens)) {}

Result<AgentTokens> AgentTokens::Load(const std::string& spec) {
  std::string_view s = Trim(spec);
  Result<std::vector<std::string>> tokens =
      !s.empty() && s.front() == '@' ? ReadFile(std::string(Trim(s.substr(1)))) : ParseList(spec);
  if (!tokens.ok()) return tokens.status();
  if (!s.empty() && tokens->empty()) {
    return Status::InvalidArgument("agent-tokens: set but holds no token");
  }
  return AgentTokens(std::move(tokens).value());
}

bool AgentTokens::Check(std::string_view authorization) const {
  if (tokens_.empty()) return true;
  std::optional<std::string_view> presented = http::BearerCredential(authorization);
  if (!presented) return false;
  bool match = false;
  for (const std::string& t : tokens_) match = ConstantTimeEquals(*presented, t) || match;
  return match;
}

}  // namespace sms::healthcheck
