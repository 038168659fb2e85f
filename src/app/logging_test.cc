#include "app/logging.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace sms::app {
namespace {

namespace fs = std::filesystem;

class LoggingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sms-logging-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test"));  // closes the file
    fs::remove_all(dir_);
  }
  std::vector<std::string> Lines(const fs::path& p) {
    spdlog::default_logger()->flush();
    std::ifstream in(p);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
  fs::path dir_;
};

TEST_F(LoggingTest, JsonLinesAreValidJsonWhateverTheMessageHolds) {
  LogOptions o;
  o.format = "json";
  o.file = (dir_ / "smsd.log").string();
  ASSERT_TRUE(SetupLogging(o).ok());
  const std::vector<std::string> messages = {
      "plain", "quote \" backslash \\ newline \n tab \t", std::string("nul \0 bell \a", 12),
      "caf\xc3\xa9 \xe2\x82\xac", "broken \xff\xc3 utf-8 \xed\xa0\x80"};
  for (const auto& m : messages) spdlog::info("{}", m);
  spdlog::warn("server {} went {}", "web-01", "off");
  auto lines = Lines(o.file);
  ASSERT_EQ(lines.size(), messages.size() + 1);
  for (size_t i = 0; i < lines.size(); ++i) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(lines[i], ec);
    ASSERT_FALSE(ec) << lines[i];
    const auto& o = v.as_object();
    EXPECT_EQ(o.at("logger").as_string(), "smsd");
    EXPECT_EQ(o.at("time").as_string().size(), 24u) << lines[i];  // 2026-11-28T06:00:00.123Z
    EXPECT_EQ(o.at("level").as_string(), i < messages.size() ? "info" : "warning");
    if (i < 4) {
      EXPECT_EQ(o.at("message").as_string(), messages[i]);
    }
  }
  EXPECT_EQ(boost::json::parse(lines[4]).at("message").as_string(),
            "broken \xef\xbf\xbd\xef\xbf\xbd utf-8 \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(boost::json::parse(lines[5]).at("message").as_string(), "server web-01 went off");
}

TEST_F(LoggingTest, TextLinesAndLevelFilter) {
  LogOptions o;
  o.level = "warn";
  o.file = (dir_ / "smsd.log").string();
  ASSERT_TRUE(SetupLogging(o).ok());
  spdlog::info("not shown");
  spdlog::error("disk {} full", "/data");
  auto lines = Lines(o.file);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("error [smsd] disk /data full"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[0][10], 'T');
}

// Whatever a logged value holds (a decoded request path, a name from a client), a text entry
// stays one line, and no line can pass for an entry of its own.
TEST_F(LoggingTest, TextLinesEscapeControlCharactersSoNoEntryCanBeForged) {
  LogOptions o;
  o.level = "debug";
  o.file = (dir_ / "smsd.log").string();
  ASSERT_TRUE(SetupLogging(o).ok());
  spdlog::debug("http GET {} 404",
                "/api/v1/servers/x\n2026-01-01T00:00:00.000Z info [smsd] "
                "audit: FORGED-ENTRY\r\nnext");
  spdlog::info(
      "tab\there bell\a esc\x1b[31m del\x7f back\\slash nel\xc2\x85 ls\xe2\x80\xa8 "
      "bad\xff caf\xc3\xa9");
  auto lines = Lines(o.file);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find(" debug [smsd] http GET /api/v1/servers/x\\n2026-01-01T00:00:00.000Z "
                          "info [smsd] audit: FORGED-ENTRY\\r\\nnext 404"),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find(" info [smsd] tab\\there bell\\x07 esc\\x1b[31m del\\x7f back\\\\slash "
                          "nel\\u0085 ls\\u2028 bad\\xff caf\xc3\xa9"),
            std::string::npos)
      << lines[1];
}

TEST(TextEscapeTest, EscapesOnlyWhatCouldBreakOrForgeALine) {
  auto escaped = [](std::string_view s) {
    std::string out;
    AppendTextEscaped(s, &out);
    return out;
  };
  EXPECT_EQ(escaped("GET /servers/web-01 200 1.2ms"), "GET /servers/web-01 200 1.2ms");
  EXPECT_EQ(escaped(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(escaped("\r\n\t\\"), "\\r\\n\\t\\\\");
  EXPECT_EQ(escaped("\\n"), "\\\\n");  // a literal backslash-n is told apart from a newline
  EXPECT_EQ(escaped("\xc2\x9f\xc2\xa0\xe2\x80\xa9\xe2\x82\xac"),
            "\\u009f\xc2\xa0\\u2029\xe2\x82\xac");
  EXPECT_EQ(escaped("\xc3\x28 \xed\xa0\x80"), "\\xc3( \\xed\\xa0\\x80");
}

TEST_F(LoggingTest, FileRotatesBySizeAndKeepsCountFiles) {
  LogOptions o;
  o.file = (dir_ / "smsd.log").string();
  o.file_size_bytes = 2048;
  o.file_count = 2;
  ASSERT_TRUE(SetupLogging(o).ok());
  for (int i = 0; i < 200; ++i) spdlog::info("line {} {}", i, std::string(40, 'x'));
  spdlog::default_logger()->flush();
  EXPECT_TRUE(fs::exists(dir_ / "smsd.log"));
  EXPECT_TRUE(fs::exists(dir_ / "smsd.1.log"));
  EXPECT_TRUE(fs::exists(dir_ / "smsd.2.log"));
  EXPECT_FALSE(fs::exists(dir_ / "smsd.3.log"));
  for (const char* f : {"smsd.log", "smsd.1.log", "smsd.2.log"}) {
    EXPECT_LE(fs::file_size(dir_ / f), 2048u) << f;
  }
  auto last = Lines(dir_ / "smsd.log");
  ASSERT_FALSE(last.empty());
  EXPECT_NE(last.back().find("line 199"), std::string::npos);
}

TEST_F(LoggingTest, BadSettingsAreErrors) {
  LogOptions o;
  o.format = "xml";
  EXPECT_FALSE(SetupLogging(o).ok());
  o.format = "text";
  o.level = "loud";
  EXPECT_FALSE(SetupLogging(o).ok());
  o.level = "info";
  std::ofstream((dir_ / "plain-file").string()) << "x";
  o.file = (dir_ / "plain-file" / "smsd.log").string();  // a directory that cannot be made
  EXPECT_EQ(SetupLogging(o).code(), Code::kUnavailable);
}

}  // namespace
}  // namespace sms::app
