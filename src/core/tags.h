#pragma once
// Server tags: short labels an operator puts on servers ("prod", "rack:b7", "eu-west-1") to
// filter the list and to scope alert rules and maintenance windows. Stateless; thread-safe.
//
// The rule: a server has at most 16 tags; a tag is 1-64 characters of [a-z0-9._:-]. Tags are
// ASCII, so Unicode normalisation does not apply; upper-case letters are lowered on input, so
// "Prod" and "prod" are one tag. A list keeps its first-seen order and drops repeats.

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sms {

inline constexpr size_t kMaxTags = 16;
inline constexpr size_t kMaxTagLength = 64;

// `tag` with ASCII letters lowered.
std::string NormalizeTag(std::string_view tag);
// Each tag normalised, repeats dropped, order kept.
std::vector<std::string> NormalizeTags(const std::vector<std::string>& tags);

// InvalidArgument naming `field` when `tag` breaks the rule (after NormalizeTag).
Status ValidateTag(std::string_view tag, const std::string& field = "tags");
// InvalidArgument naming `field` when there are more than kMaxTags or one tag is invalid.
Status ValidateTags(const std::vector<std::string>& tags, const std::string& field = "tags");

// A comma-separated cell ("prod, rack:b7") as a list: items trimmed of spaces, empty ones
// dropped, then normalised. Not validated.
std::vector<std::string> SplitTags(std::string_view text);
// The list as one cell: the tags joined by ",".
std::string JoinTags(const std::vector<std::string>& tags);

}  // namespace sms
