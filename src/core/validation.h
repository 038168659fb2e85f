#pragma once
// Validation of values that come from outside. Each returns InvalidArgument naming `field`.
// Names are brought to one Unicode form (NormalizeName) before they are validated, compared or
// stored.

#include <string>
#include <string_view>

#include "core/status.h"
#include "core/types.h"

namespace sms {

inline constexpr int kMinInterval = 1;
inline constexpr int kMaxInterval = 3600;
inline constexpr size_t kMaxServerIdLength = 128;
inline constexpr size_t kMaxNameLength = 255;
inline constexpr size_t kMinAgentTokenLength = 8;

// 1-128 chars of [A-Za-z0-9._:-], and neither "export" nor "import" (paths of their own).
Status ValidateServerId(std::string_view id, const std::string& field = "server_id");
// Dotted quad, each part 0-255, no leading zeros, no spaces.
Status ValidateIpv4(std::string_view ip, const std::string& field = "ipv4");
// 1-255 printable characters (UTF-8 allowed, no control characters), not only spaces.
Status ValidateName(std::string_view name, const std::string& field);
Status ValidateInterval(int64_t interval, const std::string& field = "interval");
// An agent token, as smsd accepts it and sms-agent sends it: at least 8 characters of
// [A-Za-z0-9._~+/=-] (RFC 6750 b64token; nothing that could end or split a header line). The
// message never quotes the token.
Status ValidateAgentToken(std::string_view token, const std::string& field = "token");

// `text` in Unicode Normalization Form C (canonical composition): "Cafe\u0301" (e + combining
// acute) becomes "Caf\u00e9", so names that differ only in how they were typed are one name.
// ASCII and text that is not valid UTF-8 come back as they are (the latter for ValidateName to
// refuse). NFC can change the length, so validate after normalising.
std::string NormalizeName(std::string_view text);
// The key by which server names are unique: NFC with Unicode case folding (utf8proc's
// UTF8PROC_CASEFOLD), so "SRV-02", "srv-02" and "Srv-02" are one name, as host names are in DNS.
// ASCII only lower-cases; text that is not valid UTF-8 comes back as it is. Not for display:
// a server keeps the name as it was written (NormalizeName).
std::string NameKey(std::string_view text);
// NormalizeName on the server_name and hostname, NormalizeTags (core/tags.h) on the tags, of a
// create request or a patch (the fields present): what the API, the import and the store's
// uniqueness checks all see.
void NormalizeServerInput(ServerInput& in);
void NormalizeServerPatch(ServerPatch& patch);

// Validates a create request (server_id, server_name required; ipv4, hostname optional).
Status ValidateServerInput(const ServerInput& in);
// Validates a patch (only the fields present).
Status ValidateServerPatch(const ServerPatch& patch);

}  // namespace sms
