#pragma once
// Base64 (RFC 4648, standard alphabet, padded), as mail bodies and mail jobs on the bus carry
// binary data. Stateless; thread-safe.

#include <optional>
#include <string>
#include <string_view>

namespace sms::mail {

// `data` as one line of base64 (no line breaks).
std::string Base64Encode(std::string_view data);

// The bytes `text` encodes, or nullopt when it is not canonical padded base64: a length that
// is a multiple of 4, only A-Z a-z 0-9 + /, '=' only as the last one or two characters, and
// zero bits where padding leaves bits unused. No whitespace is accepted.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace sms::mail
