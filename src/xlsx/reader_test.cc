#include "xlsx/reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zip.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "xlsx/test_workbook.h"

namespace sms::xlsx {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

std::string TempPath(const std::string& suffix) {
  static int counter = 0;
  return ::testing::TempDir() + "xlsx_reader_" + std::to_string(::getpid()) + "_" +
         std::to_string(counter++) + suffix;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A zip archive (deflated entries) holding `entries`, as bytes.
std::string Zip(const Entries& entries) {
  std::string path = TempPath(".zip");
  int error = 0;
  zip_t* zip = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  EXPECT_NE(zip, nullptr);
  for (const auto& [name, content] : entries) {
    zip_source_t* src = zip_source_buffer(zip, content.data(), content.size(), 0);
    zip_int64_t index = zip_file_add(zip, name.c_str(), src, ZIP_FL_OVERWRITE);
    EXPECT_GE(index, 0);
    zip_set_file_compression(zip, static_cast<zip_uint64_t>(index), ZIP_CM_DEFLATE, 9);
  }
  EXPECT_EQ(zip_close(zip), 0);  // reads the buffers, which must live until here
  std::string bytes = ReadFile(path);
  std::filesystem::remove(path);
  return bytes;
}

const char* kRootRels =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="xl/workbook.xml"
  Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>
</Relationships>)";

const char* kWorkbook =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
  xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Servers" sheetId="1" r:id="rId1"/>
<sheet name="Other" sheetId="2" r:id="rId2"/></sheets>
</workbook>)";

const char* kWorkbookRels =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="worksheets/sheet1.xml"
  Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>
<Relationship Id="rId2" Target="worksheets/sheet2.xml"
  Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>
<Relationship Id="rId3" Target="sharedStrings.xml"
  Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>
</Relationships>)";

const char* kSharedStrings =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
  count="5" uniqueCount="5">
<si><t>server_id</t></si>
<si><t>Server Name</t></si>
<si><r><rPr><b/></rPr><t>Web</t></r><r><t xml:space="preserve"> 01</t></r>
  <rPh><t>ignored</t></rPh></si>
<si><t>a_x000D_b &amp; &lt;c&gt;</t></si>
<si><t>'=SUM(A1:A2)</t></si>
</sst>)";

std::string SheetXml(const std::string& rows) {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>)" +
         rows + "</sheetData></worksheet>";
}

Entries Workbook(const std::string& sheet1_rows) {
  return {{"_rels/.rels", kRootRels},
          {"xl/workbook.xml", kWorkbook},
          {"xl/_rels/workbook.xml.rels", kWorkbookRels},
          {"xl/sharedStrings.xml", kSharedStrings},
          {"xl/worksheets/sheet1.xml", SheetXml(sheet1_rows)},
          {"xl/worksheets/sheet2.xml", SheetXml(R"(<row r="1"><c r="A1"><v>9</v></c></row>)")}};
}

// Row number -> {column letters -> value}, for compact assertions.
std::map<int64_t, std::map<std::string, std::string>> Table(const Sheet& sheet) {
  std::map<int64_t, std::map<std::string, std::string>> out;
  for (const Row& r : sheet.rows) {
    for (const Cell& c : r.cells) out[r.number][ColumnName(c.column)] = c.value;
  }
  return out;
}

TEST(ColumnTest, ReferencesMapToIndexesAndBack) {
  EXPECT_EQ(ColumnIndex("A1"), 0);
  EXPECT_EQ(ColumnIndex("Z9"), 25);
  EXPECT_EQ(ColumnIndex("AA10"), 26);
  EXPECT_EQ(ColumnIndex("ab12"), 27);
  EXPECT_EQ(ColumnIndex("XFD1048576"), kMaxColumns - 1);
  EXPECT_EQ(ColumnIndex("XFE1"), -1);
  EXPECT_EQ(ColumnIndex("AAAA1"), -1);
  EXPECT_EQ(ColumnIndex("12"), -1);
  EXPECT_EQ(ColumnIndex(""), -1);
  for (int c : {0, 25, 26, 27, 701, 702, kMaxColumns - 1}) {
    EXPECT_EQ(ColumnIndex(ColumnName(c) + "1"), c) << ColumnName(c);
  }
  EXPECT_EQ(ColumnName(0), "A");
  EXPECT_EQ(ColumnName(27), "AB");
  EXPECT_EQ(ColumnName(kMaxColumns - 1), "XFD");
}

TEST(ReaderTest, ReadsEveryKindOfCellOfTheFirstWorksheet) {
  Result<Sheet> sheet = ReadFirstSheet(Zip(Workbook(R"(
    <row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>
    <row r="3" spans="1:6">
      <c r="A3" t="s"><v>2</v></c>
      <c r="B3" t="inlineStr"><is><t>inline</t></is></c>
      <c r="C3"><v>12345</v></c>
      <c r="D3" t="n"><v>12345.0</v></c>
      <c r="E3"><v>1.5</v></c>
      <c r="F3"><v>1E+20</v></c>
    </row>
    <row r="4"><c r="A4" t="b"><v>1</v></c><c r="B4" t="b"><v>0</v></c>
      <c r="C4" t="e"><v>#N/A</v></c>
      <c r="D4" t="str"><v>formula text</v></c><c r="E4" t="s"><v>3</v></c><c r="F4"/>
      <c r="G4" t="inlineStr"><is><t xml:space="preserve"> </t></is></c></row>
    <row r="5"><c r="B5"/></row>
  )")));
  ASSERT_TRUE(sheet.ok()) << sheet.status().ToString();
  EXPECT_EQ(sheet->name, "Servers");
  using M = std::map<std::string, std::string>;
  auto table = Table(*sheet);
  ASSERT_EQ(table.size(), 3u);  // empty rows (5) are left out; row numbers keep their gaps
  EXPECT_EQ(table[1], (M{{"A", "server_id"}, {"C", "Server Name"}}));
  EXPECT_EQ(table[3], (M{{"A", "Web 01"},
                         {"B", "inline"},
                         {"C", "12345"},
                         {"D", "12345"},
                         {"E", "1.5"},
                         {"F", "1e+20"}}));
  EXPECT_EQ(table[4], (M{{"A", "TRUE"},
                         {"B", "FALSE"},
                         {"C", "#N/A"},
                         {"D", "formula text"},
                         {"E", "a\rb & <c>"},
                         {"G", " "}}));
  EXPECT_EQ(sheet->rows[1].At(2), "12345");
  EXPECT_EQ(sheet->rows[1].At(9), "");
}

// Writer puts a ' before text a spreadsheet could take for a formula (formula_quote.h); text
// cells come back without it, whoever wrote them. Other cells are taken as they are.
TEST(ReaderTest, TheQuoteBeforeAFormulaTriggerComesOffTextCells) {
  Result<Sheet> sheet = ReadFirstSheet(Zip(Workbook(R"(
    <row r="1"><c r="A1" t="s"><v>4</v></c>
      <c r="B1" t="inlineStr"><is><t>''-x</t></is></c>
      <c r="C1" t="inlineStr"><is><t>'plain'</t></is></c>
      <c r="D1" t="inlineStr"><is><t>=not quoted</t></is></c>
      <c r="E1" t="str"><v>'=a formula's text</v></c>
      <c r="F1"><v>-5</v></c></row>
  )")));
  ASSERT_TRUE(sheet.ok()) << sheet.status().ToString();
  using M = std::map<std::string, std::string>;
  EXPECT_EQ(Table(*sheet)[1], (M{{"A", "=SUM(A1:A2)"},
                                 {"B", "'-x"},
                                 {"C", "'plain'"},
                                 {"D", "=not quoted"},
                                 {"E", "'=a formula's text"},
                                 {"F", "-5"}}));
}

TEST(ReaderTest, CellsWithoutReferencesFollowTheirNeighbours) {
  Result<Sheet> sheet = ReadFirstSheet(Zip(Workbook(R"(
    <row><c><v>1</v></c><c><v>2</v></c><c r="E1"><v>5</v></c><c><v>6</v></c></row>
    <row><c t="inlineStr"><is><t>x</t></is></c></row>)")));
  ASSERT_TRUE(sheet.ok()) << sheet.status().ToString();
  auto table = Table(*sheet);
  using M = std::map<std::string, std::string>;
  EXPECT_EQ(table[1], (M{{"A", "1"}, {"B", "2"}, {"E", "5"}, {"F", "6"}}));
  EXPECT_EQ(table[2], (M{{"A", "x"}}));
}

TEST(ReaderTest, PrefixedNamespacesAndAbsoluteTargetsAreFollowed) {
  const std::string pkg = "http://schemas.openxmlformats.org/package/2006/relationships";
  const std::string rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
  const std::string main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
  Entries e = {
      {"_rels/.rels", "<Relationships xmlns=\"" + pkg + "\"><Relationship Id=\"a\" Type=\"" + rel +
                          "/officeDocument\" Target=\"/book/main.xml\"/></Relationships>"},
      {"book/main.xml", "<x:workbook xmlns:x=\"" + main + "\" xmlns:rel=\"" + rel +
                            "\"><x:sheets><x:sheet name=\"Chart\" sheetId=\"1\" rel:id=\"c1\"/>"
                            "<x:sheet name=\"Data\" sheetId=\"2\" rel:id=\"s1\"/></x:sheets>"
                            "</x:workbook>"},
      {"book/_rels/main.xml.rels",
       "<Relationships xmlns=\"" + pkg + "\"><Relationship Id=\"c1\" Type=\"" + rel +
           "/chartsheet\" Target=\"charts/c.xml\"/><Relationship Id=\"s1\" Type=\"" + rel +
           "/worksheet\" Target=\"/sheets/../sheets/data.xml\"/></Relationships>"},
      {"book/charts/c.xml", "<chartsheet/>"},
      {"sheets/data.xml", "<x:worksheet xmlns:x=\"" + main +
                              "\"><x:sheetData><x:row x:r=\"2\"><x:c x:r=\"B2\" x:t=\"inlineStr\">"
                              "<x:is><x:t>hello</x:t></x:is></x:c></x:row></x:sheetData>"
                              "</x:worksheet>"}};
  Result<Sheet> sheet = ReadFirstSheet(Zip(e));
  ASSERT_TRUE(sheet.ok()) << sheet.status().ToString();
  EXPECT_EQ(sheet->name, "Data");  // the chart sheet before it is no worksheet
  ASSERT_EQ(sheet->rows.size(), 1u);
  EXPECT_EQ(sheet->rows[0].number, 2);
  EXPECT_EQ(sheet->rows[0].At(1), "hello");
}

void ExpectInvalid(const Result<Sheet>& r, const std::string& words) {
  SCOPED_TRACE(words);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << r.status().ToString();
  EXPECT_EQ(r.status().field(), "file");
  EXPECT_THAT(r.status().message(), ::testing::HasSubstr(words));
}

void ExpectTooLarge(const Result<Sheet>& r, const std::string& words) {
  SCOPED_TRACE(words);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kResourceExhausted) << r.status().ToString();
  EXPECT_EQ(r.status().field(), "file");
  EXPECT_THAT(r.status().message(), ::testing::HasSubstr(words));
}

TEST(ReaderTest, RejectsWhatIsNotAnXlsxWorkbook) {
  ExpectInvalid(ReadFirstSheet("server_id,server_name\nweb-01,Web\n"), "not a zip archive");
  ExpectInvalid(ReadFirstSheet(""), "empty");
  std::string zip = Zip(Workbook("<row/>"));
  ExpectInvalid(ReadFirstSheet(zip.substr(0, zip.size() / 2)), "not a zip archive");
  ExpectInvalid(ReadFirstSheet(Zip({{"readme.txt", "hello"}})), "no workbook");

  Entries no_sheets = Workbook("");
  no_sheets[1].second = R"(<workbook><sheets/></workbook>)";
  ExpectInvalid(ReadFirstSheet(Zip(no_sheets)), "no worksheet");

  Entries missing_sheet = Workbook("");
  missing_sheet.erase(missing_sheet.begin() + 4);
  ExpectInvalid(ReadFirstSheet(Zip(missing_sheet)), "worksheets/sheet1.xml is missing");

  ExpectInvalid(ReadFirstSheet(Zip(Workbook("<row><c t=\"s\"><v>7</v></c></row>"))),
                "shared string 7");
  ExpectInvalid(ReadFirstSheet(Zip(Workbook("<row><c r=\"A1\"><v>1</v></row>"))),
                "not well-formed XML");
  ExpectInvalid(ReadFirstSheet(Zip(Workbook("<row><c r=\"1A\"><v>1</v></c></row>"))),
                "bad cell reference");
  ExpectInvalid(ReadFirstSheet(Zip(Workbook("<row r=\"0\"><c><v>1</v></c></row>"))), "row number");
}

// Found by fuzz/fuzz_xlsx (reproducer fuzz/corpus/fuzz_xlsx/rows_out_of_order.xlsx).
TEST(ReaderTest, RowsMustAscend) {
  ExpectInvalid(ReadFirstSheet(Zip(Workbook(R"(<row r="2"><c><v>1</v></c></row>
      <row r="2"><c><v>2</v></c></row>)"))),
                "row 2 comes after row 2");
  ExpectInvalid(ReadFirstSheet(Zip(Workbook(R"(<row r="5"><c><v>1</v></c></row>
      <row r="3"><c><v>2</v></c></row>)"))),
                "row 3 comes after row 5");
  // A row without a number follows its predecessor; an empty row still takes its number.
  Result<Sheet> sheet = ReadFirstSheet(Zip(Workbook(R"(<row r="4"/><row><c><v>1</v></c></row>
      <row r="9"><c><v>2</v></c></row>)")));
  ASSERT_TRUE(sheet.ok()) << sheet.status().ToString();
  ASSERT_EQ(sheet->rows.size(), 2u);
  EXPECT_EQ(sheet->rows[0].number, 5);
  EXPECT_EQ(sheet->rows[1].number, 9);
}

TEST(ReaderTest, AZipBombIsStoppedByItsRatio) {
  // 80 MiB of one byte deflates to about 80 KiB: a thousand-fold.
  std::string bomb(size_t{80} << 20, ' ');
  Entries e = Workbook("");
  e[4].second = SheetXml("<row>") + bomb;
  std::string zip = Zip(e);
  EXPECT_LT(zip.size(), size_t{1} << 20);
  ExpectTooLarge(ReadFirstSheet(zip), "expands more than 200 times");
}

TEST(ReaderTest, EntryTotalAndCountLimitsHold) {
  std::string rows;
  for (int i = 1; i <= 2000; ++i) {
    rows += "<row r=\"" + std::to_string(i) + "\"><c t=\"inlineStr\"><is><t>server-" +
            std::to_string(i * 7919) + "</t></is></c></row>";
  }
  std::string zip = Zip(Workbook(rows));
  ASSERT_TRUE(ReadFirstSheet(zip).ok());
  ReadLimits entry;
  entry.max_entry_bytes = 20'000;
  ExpectTooLarge(ReadFirstSheet(zip, entry), "expands past");
  ReadLimits total;
  total.max_total_bytes = 50'000;
  ExpectTooLarge(ReadFirstSheet(zip, total), "expands past");
  ReadLimits count;
  count.max_entries = 5;
  ExpectTooLarge(ReadFirstSheet(zip, count), "6 entries");
}

// One 1 MiB shared string referred to by 1,500 cells: the sheet holds it once, and every one of
// those cells points at that one copy.
TEST(ReaderTest, CellsReferToASharedStringWithoutCopyingIt) {
  const std::string big = testing::IncompressibleText(size_t{1} << 20);
  std::string rows = "<row r=\"1\">" + testing::SharedCell("A1", 0) + "</row>";
  for (int r = 2; r <= 1501; ++r) {
    std::string n = std::to_string(r);
    rows += "<row r=\"" + n + "\">" + testing::InlineCell("A" + n, "s-" + n) +
            testing::SharedCell("D" + n, 1) + "</row>";
  }
  std::string xlsx = testing::RawWorkbook({"server_id", big}, rows);
  EXPECT_LT(xlsx.size(), size_t{900} << 10);
  Result<Sheet> sheet = ReadFirstSheet(xlsx);
  ASSERT_TRUE(sheet.ok()) << sheet.status().ToString();
  ASSERT_EQ(sheet->rows.size(), 1501u);
  std::string_view first = sheet->rows[1].At(3);
  ASSERT_TRUE(first == big);
  for (const Row& row : sheet->rows) {
    if (row.number == 1) continue;
    ASSERT_EQ(std::string_view(row.At(3)).data(), first.data()) << "row " << row.number;
    EXPECT_EQ(row.At(0), "s-" + std::to_string(row.number));
  }
  // What the sheet decodes to: the table once, and the short values.
  EXPECT_GE(sheet->text.bytes(), big.size());
  EXPECT_LT(sheet->text.bytes(), big.size() + 16 * 1024);
}

TEST(ReaderTest, DecodedTextAndCellLimitsHold) {
  std::string rows = "<row>" + testing::SharedCell("A1", 0) + testing::SharedCell("B1", 1) +
                     "</row><row>" + testing::InlineCell("A2", std::string(3000, 'x')) + "</row>";
  std::string zip = testing::RawWorkbook({std::string(5000, 'a'), "b"}, rows);
  Result<Sheet> sheet = ReadFirstSheet(zip);
  ASSERT_TRUE(sheet.ok()) << sheet.status().ToString();
  EXPECT_EQ(sheet->text.bytes(), 8001u);
  ReadLimits table;  // the shared strings alone are past it
  table.max_text_bytes = 4000;
  ExpectTooLarge(ReadFirstSheet(zip, table), "decodes to more than");
  ReadLimits values;  // the table fits, not the inline value
  values.max_text_bytes = 6000;
  ExpectTooLarge(ReadFirstSheet(zip, values), "decodes to more than");
  ReadLimits strings;
  strings.max_cells = 1;
  ExpectTooLarge(ReadFirstSheet(zip, strings), "more than 1 strings");
  ReadLimits cells;
  cells.max_cells = 2;
  ExpectTooLarge(ReadFirstSheet(zip, cells), "more than 2 cells");
}

// ---- Cross-check with a reader SMS did not write: openpyxl writes, SMS reads --------------

// A python3 that can import openpyxl: the one in PATH, else Debian's; empty when neither can.
std::string OpenpyxlPython() {
  for (std::string python : {"python3", "/usr/bin/python3"}) {
    if (std::system((python + " -c 'import openpyxl' >/dev/null 2>&1").c_str()) == 0) return python;
  }
  return "";
}

TEST(ReaderTest, ReadsWhatOpenpyxlWrites) {
  std::string python = OpenpyxlPython();
  if (python.empty()) GTEST_SKIP() << "python3-openpyxl is not installed";
  std::string path = TempPath(".xlsx");
  std::string script = TempPath(".py");
  std::ofstream(script) << R"(import datetime, sys, openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Fleet"
ws.append(["IPv4", "server_name", "SERVER_ID", "hostname"])
ws.append(["10.0.0.1", "Web 01", 12345, None])
ws.append([None, None, None, None])
ws.append(["10.0.0.2", "Ünïcode ✓", 1.25, True])
ws["F4"] = datetime.datetime(2026, 11, 28, 6, 0, 0)
ws.cell(row=6, column=2, value="after a gap")
wb.create_sheet("Second")["A1"] = "not read"
wb.save(sys.argv[1])
)";
  ASSERT_EQ(std::system((python + " " + script + " " + path).c_str()), 0);
  Result<Sheet> sheet = ReadFirstSheet(ReadFile(path));
  std::filesystem::remove(path);
  std::filesystem::remove(script);
  ASSERT_TRUE(sheet.ok()) << sheet.status().ToString();
  EXPECT_EQ(sheet->name, "Fleet");
  using M = std::map<std::string, std::string>;
  auto table = Table(*sheet);
  ASSERT_EQ(table.size(), 4u);
  EXPECT_EQ(table[1],
            (M{{"A", "IPv4"}, {"B", "server_name"}, {"C", "SERVER_ID"}, {"D", "hostname"}}));
  EXPECT_EQ(table[2], (M{{"A", "10.0.0.1"}, {"B", "Web 01"}, {"C", "12345"}}));
  // A date is a number with a date style; styles are not read. 2026-11-28 06:00 is 46354.25.
  EXPECT_EQ(
      table[4],
      (M{{"A", "10.0.0.2"}, {"B", "Ünïcode ✓"}, {"C", "1.25"}, {"D", "TRUE"}, {"F", "46354.25"}}));
  EXPECT_EQ(table[6], (M{{"B", "after a gap"}}));
}

}  // namespace
}  // namespace sms::xlsx
