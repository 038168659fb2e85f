// Fuzzes xlsx::ReadFirstSheet (xlsx/reader.h), the reading of an uploaded workbook, with the
// production limits. The input is the .xlsx file itself; xlsx_mutator.cc mutates the XML
// inside the archive as well as the archive's bytes. Properties: nothing crashes, leaks or
// hits UB; a failure is InvalidArgument or ResourceExhausted naming "file"; an accepted sheet
// has rows in ascending order within Excel's 1,048,576, each with non-empty cells in
// ascending columns within A..XFD that Row::At finds again.

#include "fuzz_check.h"
#include "xlsx/reader.h"

namespace {

using sms::fuzz::Require;

void CheckSheet(const sms::xlsx::Sheet& sheet) {
  int64_t previous_row = 0;
  for (const sms::xlsx::Row& row : sheet.rows) {
    Require(row.number > previous_row && row.number <= sms::xlsx::kMaxRows,
            "rows out of order or beyond row 1,048,576");
    previous_row = row.number;
    Require(!row.cells.empty(), "a row without cells");
    int previous_column = -1;
    for (const sms::xlsx::Cell& cell : row.cells) {
      Require(cell.column > previous_column && cell.column < sms::xlsx::kMaxColumns,
              "cells out of order or beyond column XFD");
      previous_column = cell.column;
      Require(!cell.value.empty(), "an empty cell listed");
      Require(row.At(cell.column).data() == cell.value.data(), "Row::At misses a cell");
      std::string ref = sms::xlsx::ColumnName(cell.column) + std::to_string(row.number);
      Require(sms::xlsx::ColumnIndex(ref) == cell.column, "ColumnIndex(ColumnName(c)) != c");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sms::Result<sms::xlsx::Sheet> sheet = sms::xlsx::ReadFirstSheet(sms::fuzz::AsText(data, size));
  if (sheet.ok()) {
    CheckSheet(*sheet);
  } else {
    sms::Code code = sheet.status().code();
    Require(code == sms::Code::kInvalidArgument || code == sms::Code::kResourceExhausted,
            "rejected, not InvalidArgument or ResourceExhausted");
    Require(sheet.status().field() == "file", "a rejection that does not name \"file\"");
  }
  return 0;
}
