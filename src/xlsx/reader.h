#pragma once
// Reads the first worksheet of an .xlsx workbook held in memory (libzip from a buffer, pugixml):
// shared strings, inline strings, numbers, booleans, errors and ISO dates, addressed by their
// cell references. Styles are not read: a date stored as a number comes back as that number.
//
// An upload is untrusted, so every read is bounded: the number of zip entries, the bytes each
// entry and all of them together expand to (counted as they are inflated, whatever the archive
// claims), the expansion ratio of large entries (a zip bomb inflates a thousand-fold), and what
// the sheet decodes to: its text and its cells. A shared string is decoded once; the cells that
// refer to it point at that one copy, so a string referred to a thousand times costs no more.
//
// Stateless functions; thread-safe.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sms::xlsx {

// Excel's own bounds: 1,048,576 rows and 16,384 columns (A..XFD).
inline constexpr int64_t kMaxRows = 1'048'576;
inline constexpr int kMaxColumns = 16'384;

struct ReadLimits {
  int64_t max_entries = 10'000;                   // files in the archive
  uint64_t max_entry_bytes = uint64_t{64} << 20;  // inflated size of one entry read
  uint64_t max_total_bytes = uint64_t{64} << 20;  // inflated size of all the entries read
  // Inflated / compressed, checked once an entry has inflated past ratio_floor_bytes (small
  // entries of repeated markup legitimately compress well).
  uint64_t max_ratio = 200;
  uint64_t ratio_floor_bytes = uint64_t{1} << 20;
  // The decoded text a sheet holds: its shared strings (each once) and its other cells' values.
  // Decoding never lengthens text, so this is max_total_bytes: what the entries may inflate to.
  uint64_t max_text_bytes = uint64_t{64} << 20;
  // The non-empty cells of the sheet, and (apart) the strings of the shared-string table: about
  // what max_total_bytes of the smallest cells holds. Each costs a reference (24 bytes).
  int64_t max_cells = int64_t{4} << 20;
};

// Text whose bytes never move once added: a Sheet's cells point into it. Move-only.
class TextArena {
 public:
  // A copy of `text` that lives as long as the arena, wherever it is moved.
  std::string_view Add(std::string_view text);
  uint64_t bytes() const { return bytes_; }  // the text added so far

 private:
  std::vector<std::unique_ptr<char[]>> chunks_;  // the last one is filled
  size_t used_ = 0;                              // of the last chunk
  size_t capacity_ = 0;                          // of the last chunk
  uint64_t bytes_ = 0;
};

struct Cell {
  int column = 0;          // 0 = A
  std::string_view value;  // the cell's text, held by its Sheet; see ReadFirstSheet for the form
};

struct Row {
  int64_t number = 0;       // 1-based, as Excel shows it
  std::vector<Cell> cells;  // the non-empty cells, ascending by column

  // The value in `column`, or "" when that cell is empty.
  std::string_view At(int column) const;
};

// Move-only: its cells point into its text.
struct Sheet {
  std::string name;       // as the workbook names it
  std::vector<Row> rows;  // rows with at least one non-empty cell, in sheet order
  TextArena text;         // what the cells point into (text.bytes(): its decoded size)
};

// The first worksheet of the workbook in `data`. Values: shared and inline strings as their
// text (rich text runs joined, _xHHHH_ escapes decoded, the ' that quotes a formula removed as
// formula_quote.h says); numbers in the shortest form that reads
// back the same, without ".0" when integral ("42", "1.5", "1e+20"); booleans "TRUE"/"FALSE";
// errors ("#N/A") and ISO dates (t="d") as written.
// Cells that refer to one shared string share one copy of it.
// InvalidArgument (field "file") when `data` is not a zip archive, holds no workbook or no
// worksheet, or is malformed; ResourceExhausted (field "file") when a limit is hit.
Result<Sheet> ReadFirstSheet(std::string_view data, const ReadLimits& limits = {});

// The 0-based column of a cell reference ("A1" -> 0, "AB12" -> 27, "XFD1" -> 16383), or -1
// when `ref` does not start with column letters A..XFD.
int ColumnIndex(std::string_view ref);

// The letters of a 0-based column (0 -> "A", 27 -> "AB"). REQUIRES: 0 <= column < kMaxColumns.
std::string ColumnName(int column);

}  // namespace sms::xlsx
