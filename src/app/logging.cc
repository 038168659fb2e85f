#include "app/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <vector>

namespace sms::app {
namespace {

constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%eZ %l [%n] %v";

// Length of the valid UTF-8 sequence at the start of `s`, or 0.
size_t Utf8Length(std::string_view s) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  auto cont = [&](size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  unsigned char c = b(0);
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if ((c == 0xE0 && b(1) < 0xA0) || (c == 0xED && b(1) > 0x9F)) return 0;  // overlong, surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if ((c == 0xF0 && b(1) < 0x90) || (c == 0xF4 && b(1) > 0x8F)) return 0;
    return 4;
  }
  return 0;
}

// Walks `text` as UTF-8: ascii(c) for each byte below 0x80, sequence(s) for each valid
// multi-byte sequence, invalid(c) for each other byte.
template <typename Ascii, typename Sequence, typename Invalid>
void WalkUtf8(std::string_view text, Ascii ascii, Sequence sequence, Invalid invalid) {
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t n = c < 0x80 ? 1 : Utf8Length(text.substr(i));
    if (c < 0x80) {
      ascii(c);
    } else if (n == 0) {
      invalid(c);
      n = 1;
    } else {
      sequence(text.substr(i, n));
    }
    i += n;
  }
}

// `prefix` and `c` in two lower-case hex digits.
void AppendHex(std::string_view prefix, unsigned char c, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->append(prefix).push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 0xF]);
}

// One ASCII byte, escaped: a backslash and `quote` (when not 0) behind a backslash; line feed,
// carriage return and tab as \n, \r, \t; other controls and DEL as `hex` and two hex digits.
void AppendAscii(unsigned char c, char quote, std::string_view hex, std::string* out) {
  if (c == '\\' || (quote != 0 && c == static_cast<unsigned char>(quote))) {
    out->push_back('\\');
    out->push_back(static_cast<char>(c));
  } else if (c == '\n') {
    out->append("\\n");
  } else if (c == '\r') {
    out->append("\\r");
  } else if (c == '\t') {
    out->append("\\t");
  } else if (c < 0x20 || c == 0x7F) {
    AppendHex(hex, c, out);
  } else {
    out->push_back(static_cast<char>(c));
  }
}

// One valid multi-byte UTF-8 sequence of a text line: C1 controls (U+0080..U+009F, which
// some terminals obey) and the line and paragraph separators (which some viewers break on)
// escaped.
void AppendTextSequence(std::string_view s, std::string* out) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  if (s.size() == 2 && b(0) == 0xC2 && b(1) < 0xA0) {
    AppendHex("\\u00", b(1), out);
  } else if (s == "\xe2\x80\xa8" || s == "\xe2\x80\xa9") {
    out->append(b(2) == 0xA8 ? "\\u2028" : "\\u2029");
  } else {
    out->append(s);
  }
}

// The text pattern, with the message passed through AppendTextEscaped first.
class TextFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    escaped_.clear();
    AppendTextEscaped(std::string_view(msg.payload.data(), msg.payload.size()), &escaped_);
    spdlog::details::log_msg line = msg;
    line.payload = spdlog::string_view_t(escaped_.data(), escaped_.size());
    pattern_.format(line, dest);
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<TextFormatter>();
  }

 private:
  spdlog::pattern_formatter pattern_{kTextPattern, spdlog::pattern_time_type::utc};
  std::string escaped_;
};

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    line_.clear();
    line_.append("{\"time\":\"");
    AppendTime(msg.time);
    line_.append("\",\"level\":\"");
    auto level = spdlog::level::to_string_view(msg.level);
    line_.append(level.data(), level.size());
    line_.append("\",\"logger\":\"");
    AppendJsonEscaped(std::string_view(msg.logger_name.data(), msg.logger_name.size()), &line_);
    line_.append("\",\"thread\":").append(std::to_string(msg.thread_id));
    line_.append(",\"message\":\"");
    AppendJsonEscaped(std::string_view(msg.payload.data(), msg.payload.size()), &line_);
    line_.append("\"}\n");
    dest.append(line_.data(), line_.data() + line_.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }

 private:
  void AppendTime(spdlog::log_clock::time_point t) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    line_.append(buf, n);
    std::snprintf(buf, sizeof buf, ".%03dZ", static_cast<int>(ms % 1000));
    line_.append(buf);
  }
  std::string line_;
};

}  // namespace

void AppendJsonEscaped(std::string_view text, std::string* out) {
  WalkUtf8(
      text, [out](unsigned char c) { AppendAscii(c, '"', "\\u00", out); },
      [out](std::string_view s) { out->append(s); },
      [out](unsigned char) { out->append("\\ufffd"); });
}

void AppendTextEscaped(std::string_view text, std::string* out) {
  WalkUtf8(
      text, [out](unsigned char c) { AppendAscii(c, 0, "\\x", out); },
      [out](std::string_view s) { AppendTextSequence(s, out); },
      [out](unsigned char c) { AppendHex("\\x", c, out); });
}

std::unique_ptr<spdlog::formatter> MakeJsonFormatter() { return std::make_unique<JsonFormatter>(); }

Status SetupLogging(const LogOptions& options) {
  auto level = spdlog::level::from_str(options.level);
  if (level == spdlog::level::off && options.level != "off") {
    return Status::InvalidArgument("log-level: unknown level " + options.level);
  }
  if (options.format != "text" && options.format != "json") {
    return Status::InvalidArgument("log-format: text or json");
  }
  std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::stdout_sink_mt>()};
  if (!options.file.empty()) {
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
          options.file, options.file_size_bytes, options.file_count));
    } catch (const spdlog::spdlog_ex& e) {
      return Status::Unavailable(std::string("log-file: ") + e.what());
    }
  }
  auto logger = std::make_shared<spdlog::logger>("smsd", sinks.begin(), sinks.end());
  if (options.format == "json") {
    logger->set_formatter(MakeJsonFormatter());
  } else {
    logger->set_formatter(std::make_unique<TextFormatter>());
  }
  logger->set_level(level);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
  return Status::Ok();
}

}  // namespace sms::app
