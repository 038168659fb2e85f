#pragma once
// RFC 3339 timestamps <-> milliseconds since the epoch.

#include <string>
#include <string_view>

#include "core/status.h"
#include "core/types.h"

namespace sms {

// Formats as "2026-11-28T06:00:00Z", or "2026-11-28T06:00:00.123Z" when ms != 0.
std::string FormatTime(Millis t);

// Parses RFC 3339 ("2026-11-28T06:00:00Z", fractional seconds, "+07:00" offsets).
// InvalidArgument (with `field`) on anything else.
Result<Millis> ParseTime(std::string_view text, const std::string& field);

}  // namespace sms
