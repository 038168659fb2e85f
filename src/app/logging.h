#pragma once
// smsd logging: spdlog to stdout and, optionally, to a size-rotated file; each line plain text
// or one JSON object. Set up once at start, before any thread logs.

#include <spdlog/formatter.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sms::app {

struct LogOptions {
  std::string level = "info";           // trace|debug|info|warn|error
  std::string format = "text";          // text|json
  std::string file;                     // empty: stdout only
  size_t file_size_bytes = 100u << 20;  // a file is rotated past this size
  size_t file_count = 5;                // rotated files kept beside the current one
};

// Installs the default spdlog logger ("smsd") for `options`, replacing the previous one.
// InvalidArgument for an unknown level or format; Unavailable when the file cannot be opened.
Status SetupLogging(const LogOptions& options);

// A formatter writing one JSON object per line:
// {"time":"2026-11-28T06:00:00.123Z","level":"info","logger":"smsd","thread":123,"message":"…"}
// The message is escaped; bytes that are not UTF-8 become U+FFFD, so every line parses.
std::unique_ptr<spdlog::formatter> MakeJsonFormatter();

// `text` as the contents of a JSON string (without quotes), appended to `out`.
void AppendJsonEscaped(std::string_view text, std::string* out);

// `text` for a line of the text format, appended to `out`: whatever it holds stays on one line
// and cannot pass for another entry. A backslash is doubled; line feed, carriage return and tab
// become \n, \r, \t; other C0 controls, DEL and bytes that are not UTF-8 become \xHH; C1
// controls, U+2028 and U+2029 become \uHHHH. Everything else is kept. The text format passes
// every message through this, so no log call needs to escape what it logs.
void AppendTextEscaped(std::string_view text, std::string* out);

}  // namespace sms::app
