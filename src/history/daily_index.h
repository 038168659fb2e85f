#pragma once
// Names of the daily heartbeat indices, <prefix>-YYYY.MM.DD (the UTC day of received_at):
// how a day becomes a name, and which names are this installation's daily indices at all.
// Pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/types.h"

namespace sms::history {

// The UTC day of `t`, in days since 1970-01-01.
int64_t UtcDay(Millis t);

// <prefix>-YYYY.MM.DD for UTC day `day`.
std::string DailyIndexName(std::string_view prefix, int64_t day);

// The UTC day `name` stands for when it is exactly <prefix>-YYYY.MM.DD with a real date;
// nullopt for anything else: another installation's index (<prefix>-eu-2026.01.01 is not one
// of <prefix>'s), a date that does not exist, or a name with more after the date.
std::optional<int64_t> DailyIndexDay(std::string_view name, std::string_view prefix);

}  // namespace sms::history
