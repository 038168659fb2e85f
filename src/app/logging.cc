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

// One ASCII byte of a JSON string: quote, backslash and control characters escaped.
void AppendAscii(unsigned char c, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (c == '"' || c == '\\') {
    out->push_back('\\');
    out->push_back(static_cast<char>(c));
  } else if (c == '\n') {
    out->append("\\n");
  } else if (c == '\r') {
    out->append("\\r");
  } else if (c == '\t') {
    out->append("\\t");
  } else if (c < 0x20 || c == 0x7F) {
    out->append("\\u00").push_back(kHex[c >> 4]);
    out->push_back(kHex[c & 0xF]);
  } else {
    out->push_back(static_cast<char>(c));
  }
}

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
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      AppendAscii(c, out);
      ++i;
      continue;
    }
    size_t n = Utf8Length(text.substr(i));
    if (n == 0) {
      out->append("\\ufffd");
      ++i;
    } else {
      out->append(text.substr(i, n));
      i += n;
    }
  }
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
    logger->set_formatter(
        std::make_unique<spdlog::pattern_formatter>(kTextPattern, spdlog::pattern_time_type::utc));
  }
  logger->set_level(level);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
  return Status::Ok();
}

}  // namespace sms::app
