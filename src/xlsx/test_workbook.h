#pragma once
// Test support: a minimal .xlsx (one worksheet, a shared-string table) built from raw XML with
// ZipOut, for fixtures a writer of whole workbooks would not produce.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "xlsx/zip_out.h"

namespace sms::xlsx::testing {

// `n` letters and digits from a fixed pseudo-random sequence: text deflate cannot shrink much
// (about 3/4), so a large string is no zip bomb.
inline std::string IncompressibleText(size_t n) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out(n, ' ');
  uint64_t x = 0x9E3779B97F4A7C15u;
  for (char& c : out) {
    x = x * 6364136223846793005u + 1442695040888963407u;
    c = kAlphabet[(x >> 33) % 62];
  }
  return out;
}

// A shared-string cell: `ref` ("D2") refers to string `index` of the table.
inline std::string SharedCell(const std::string& ref, size_t index) {
  return "<c r=\"" + ref + "\" t=\"s\"><v>" + std::to_string(index) + "</v></c>";
}

// An inline-string cell.
inline std::string InlineCell(const std::string& ref, const std::string& text) {
  return "<c r=\"" + ref + "\" t=\"inlineStr\"><is><t>" + text + "</t></is></c>";
}

// The bytes of an .xlsx whose shared-string table holds `shared` (plain text, no markup) and
// whose one worksheet, "Sheet1", holds `sheet_data` (the <row> elements).
inline std::string RawWorkbook(const std::vector<std::string>& shared,
                               const std::string& sheet_data) {
  const std::string rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
  const std::string pkg = "http://schemas.openxmlformats.org/package/2006/relationships";
  const std::string main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
  std::string sst = "<sst xmlns=\"" + main + "\">";
  for (const std::string& s : shared) sst += "<si><t>" + s + "</t></si>";
  sst += "</sst>";
  static int counter = 0;
  std::string path = ::testing::TempDir() + "raw_workbook_" + std::to_string(::getpid()) + "_" +
                     std::to_string(counter++) + ".xlsx";
  ZipOut zip;
  Status st = zip.Open(path, 6);
  if (st.ok()) {
    st = zip.Add("_rels/.rels", "<Relationships xmlns=\"" + pkg +
                                    "\"><Relationship Id=\"rId1\" Type=\"" + rel +
                                    "/officeDocument\" Target=\"xl/workbook.xml\"/>"
                                    "</Relationships>");
  }
  if (st.ok()) {
    st = zip.Add("xl/workbook.xml", "<workbook xmlns=\"" + main + "\" xmlns:r=\"" + rel +
                                        "\"><sheets><sheet name=\"Sheet1\" sheetId=\"1\" "
                                        "r:id=\"rId1\"/></sheets></workbook>");
  }
  if (st.ok()) {
    st = zip.Add("xl/_rels/workbook.xml.rels",
                 "<Relationships xmlns=\"" + pkg + "\"><Relationship Id=\"rId1\" Type=\"" + rel +
                     "/worksheet\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" "
                     "Type=\"" +
                     rel +
                     "/sharedStrings\" Target=\"sharedStrings.xml\"/>"
                     "</Relationships>");
  }
  if (st.ok()) st = zip.Add("xl/sharedStrings.xml", sst);
  if (st.ok()) {
    st = zip.Add("xl/worksheets/sheet1.xml", "<worksheet xmlns=\"" + main + "\"><sheetData>" +
                                                 sheet_data + "</sheetData></worksheet>");
  }
  if (st.ok()) st = zip.Close();
  EXPECT_TRUE(st.ok()) << st.ToString();
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  std::filesystem::remove(path);
  return bytes.str();
}

}  // namespace sms::xlsx::testing
