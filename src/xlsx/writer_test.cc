#include "xlsx/writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "xlsx/reader.h"

namespace sms::xlsx {
namespace {

constexpr Millis kT = 1'795'845'600'000;  // 2026-11-28T06:00:00Z

std::string TempPath(const std::string& suffix) {
  static int counter = 0;
  return ::testing::TempDir() + "xlsx_writer_" + std::to_string(::getpid()) + "_" +
         std::to_string(counter++) + suffix;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class WriterTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove(path_); }
  std::string path_ = TempPath(".xlsx");
};

TEST(ExcelDateTest, CountsDaysFrom1899) {
  EXPECT_DOUBLE_EQ(ExcelDate(0), 25569.0);
  EXPECT_DOUBLE_EQ(ExcelDate(kT), 46354.25);
}

TEST_F(WriterTest, WritesAHeaderAndRowsThatReadBack) {
  Result<std::unique_ptr<Writer>> w = Writer::Create(path_, {.sheet_name = "servers"});
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ASSERT_TRUE((*w)->Header({"server_id", "name", "interval", "created_time"}, {20, 30}).ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE((*w)->String(0, "srv-" + std::to_string(i)).ok());
    ASSERT_TRUE((*w)->String(1, "Web & <" + std::to_string(i) + ">").ok());
    ASSERT_TRUE((*w)->Number(2, 30 + i).ok());
    ASSERT_TRUE((*w)->Date(3, kT + i * 86'400'000LL).ok());
    (*w)->NextRow();
  }
  EXPECT_EQ((*w)->rows(), 4);
  ASSERT_TRUE((*w)->Finish().ok());
  Result<Sheet> sheet = ReadFirstSheet(ReadFile(path_));
  ASSERT_TRUE(sheet.ok()) << sheet.status().ToString();
  EXPECT_EQ(sheet->name, "servers");
  ASSERT_EQ(sheet->rows.size(), 4u);
  EXPECT_EQ(sheet->rows[0].At(0), "server_id");
  EXPECT_EQ(sheet->rows[0].At(3), "created_time");
  EXPECT_EQ(sheet->rows[3].number, 4);
  EXPECT_EQ(sheet->rows[3].At(0), "srv-2");
  EXPECT_EQ(sheet->rows[3].At(1), "Web & <2>");
  EXPECT_EQ(sheet->rows[3].At(2), "32");
  EXPECT_EQ(sheet->rows[3].At(3), "46356.25");  // a serial day number (the style says date)
}

TEST_F(WriterTest, AnUnfinishedWorkbookLeavesNoFile) {
  {
    Result<std::unique_ptr<Writer>> w = Writer::Create(path_);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->String(0, "x").ok());
  }
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(WriterTest, RejectsABadSheetName) {
  for (const char* name : {"", "a/b", "[x]", "0123456789012345678901234567890123"}) {
    Result<std::unique_ptr<Writer>> w = Writer::Create(path_, {.sheet_name = name});
    ASSERT_FALSE(w.ok()) << name;
    EXPECT_EQ(w.status().code(), Code::kInvalidArgument);
  }
}

TEST_F(WriterTest, StopsPastTheLastRowOfASheet) {
  Result<std::unique_ptr<Writer>> w = Writer::Create(path_);
  ASSERT_TRUE(w.ok());
  // Empty rows are written as nothing, so skipping to the last row is cheap.
  for (int64_t i = 0; i < kSheetRows - 1; ++i) (*w)->NextRow();
  EXPECT_TRUE((*w)->Number(0, 1).ok());  // row 1,048,576 is the last
  (*w)->NextRow();
  Status past = (*w)->Number(0, 2);
  EXPECT_EQ(past.code(), Code::kResourceExhausted) << past.ToString();
  ASSERT_TRUE((*w)->Finish().ok());
  Result<Sheet> sheet = ReadFirstSheet(ReadFile(path_));
  ASSERT_TRUE(sheet.ok()) << sheet.status().ToString();
  ASSERT_EQ(sheet->rows.size(), 1u);
  EXPECT_EQ(sheet->rows[0].number, kSheetRows);
}

TEST_F(WriterTest, TextComesBackAsItWasWritten) {
  const std::vector<std::string> texts = {"  leading and trailing  ",
                                          "tab\tand\nnewline",
                                          "a & b < c > d \"e\" 'f'",
                                          "control \x01\x1f chars",
                                          "looks escaped: _x0041_ and _x",
                                          "Ünïcode ✓ 日本",
                                          "carriage\rreturn\r\n",
                                          "=HYPERLINK(\"http://evil.example\",\"x\")",
                                          "=cmd|' /C calc'!A0",
                                          "'=already quoted",
                                          "-1",
                                          "@x",
                                          "\t+tab",
                                          "\r=cr",
                                          "'",
                                          ""};
  Result<std::unique_ptr<Writer>> w = Writer::Create(path_, {.sheet_name = "Q&A <1>"});
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  for (size_t i = 0; i < texts.size(); ++i) ASSERT_TRUE((*w)->String(int(i), texts[i]).ok());
  ASSERT_TRUE((*w)->Finish().ok());
  Result<Sheet> sheet = ReadFirstSheet(ReadFile(path_));
  ASSERT_TRUE(sheet.ok()) << sheet.status().ToString();
  EXPECT_EQ(sheet->name, "Q&A <1>");
  ASSERT_EQ(sheet->rows.size(), 1u);
  for (size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(sheet->rows[0].At(int(i)), texts[i]) << i;
}

TEST_F(WriterTest, NumbersKeepEveryDigit) {
  Result<std::unique_ptr<Writer>> w = Writer::Create(path_);
  ASSERT_TRUE(w.ok());
  const std::vector<double> numbers = {0, -1, 30, 0.1, 1.0 / 3, 1e20, 46354.249988425925};
  for (size_t i = 0; i < numbers.size(); ++i) ASSERT_TRUE((*w)->Number(int(i), numbers[i]).ok());
  EXPECT_EQ((*w)->Number(9, std::nan("")).code(), Code::kInvalidArgument);
  ASSERT_TRUE((*w)->Finish().ok());
  Result<Sheet> sheet = ReadFirstSheet(ReadFile(path_));
  ASSERT_TRUE(sheet.ok()) << sheet.status().ToString();
  for (size_t i = 0; i < numbers.size(); ++i) {
    EXPECT_EQ(std::stod(std::string(sheet->rows[0].At(int(i)))), numbers[i]) << i;
  }
}

TEST_F(WriterTest, CellsGoLeftToRightAndTheHeaderFirst) {
  Result<std::unique_ptr<Writer>> w = Writer::Create(path_);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->String(2, "c").ok());
  EXPECT_EQ((*w)->String(1, "b").code(), Code::kInvalidArgument);
  EXPECT_EQ((*w)->String(2, "again").code(), Code::kInvalidArgument);
  EXPECT_EQ((*w)->String(-1, "x").code(), Code::kInvalidArgument);
  EXPECT_EQ((*w)->String(kMaxColumns, "x").code(), Code::kInvalidArgument);
  EXPECT_EQ((*w)->Header({"late"}).code(), Code::kInvalidArgument);
  (*w)->NextRow();
  EXPECT_TRUE((*w)->String(0, "a").ok());  // a new row starts over
}

TEST_F(WriterTest, RejectsABadLevel) {
  EXPECT_EQ(Writer::Create(path_, {.level = 0}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Writer::Create(path_, {.level = 10}).status().code(), Code::kInvalidArgument);
}

TEST_F(WriterTest, AFileThatCannotBeCreatedIsAnError) {
  Result<std::unique_ptr<Writer>> w = Writer::Create("/nonexistent-dir/x.xlsx");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), Code::kInternal);
}

// ---- Cross-check with a reader SMS did not write: SMS writes, openpyxl reads --------------

// A python3 that can import openpyxl: the one in PATH, else Debian's; empty when neither can.
std::string OpenpyxlPython() {
  for (std::string python : {"python3", "/usr/bin/python3"}) {
    if (std::system((python + " -c 'import openpyxl' >/dev/null 2>&1").c_str()) == 0) return python;
  }
  return "";
}

TEST_F(WriterTest, OpenpyxlReadsTextNumbersRealDatesAndTheLayout) {
  std::string python = OpenpyxlPython();
  if (python.empty()) GTEST_SKIP() << "python3-openpyxl is not installed";
  Result<std::unique_ptr<Writer>> w = Writer::Create(path_, {.sheet_name = "servers"});
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Header({"server_id", "interval", "created_time"}, {24.5}).ok());
  ASSERT_TRUE((*w)->String(0, " Ünïcode ✓ & <b>").ok());
  ASSERT_TRUE((*w)->Number(1, 30).ok());
  ASSERT_TRUE((*w)->Date(2, kT + 1500).ok());
  (*w)->NextRow();
  // Text a spreadsheet could turn into a formula is text with a ' in front.
  ASSERT_TRUE((*w)->String(0, "=cmd|' /C calc'!A0").ok());
  ASSERT_TRUE((*w)->String(1, "-1").ok());
  ASSERT_TRUE((*w)->String(2, "'@x").ok());
  (*w)->NextRow();
  ASSERT_TRUE((*w)->Finish().ok());
  std::string out = TempPath(".txt");
  std::string script = TempPath(".py");
  std::ofstream(script) << R"(import sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1]).active
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for row in ws.iter_rows():
        f.write("|".join(f"{type(c.value).__name__}:{c.value}" for c in row) + "\n")
    f.write(ws.title + "|" + ws["C2"].number_format + "|" + str(ws["A1"].font.b) + "|" +
            str(ws.freeze_panes) + "|" + str(ws.column_dimensions["A"].width) + "\n")
)";
  ASSERT_EQ(std::system((python + " " + script + " " + path_ + " " + out).c_str()), 0);
  std::string text = ReadFile(out);
  std::filesystem::remove(out);
  std::filesystem::remove(script);
  EXPECT_EQ(text,
            "str:server_id|str:interval|str:created_time\n"
            "str: Ünïcode ✓ & <b>|int:30|datetime:2026-11-28 06:00:01.500000\n"
            "str:'=cmd|' /C calc'!A0|str:'-1|str:''@x\n"
            "servers|yyyy-mm-dd hh:mm:ss|True|A2|24.5\n");
}

}  // namespace
}  // namespace sms::xlsx
