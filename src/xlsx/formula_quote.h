#pragma once
// Formula injection (OWASP "CSV injection"): a text cell beginning with = + - @ TAB or CR is
// plain text in the workbook, but a spreadsheet makes it a live formula once the cell is edited,
// or the sheet is saved as CSV and opened again: a server named =HYPERLINK(...) or
// =cmd|' /C calc'!A0 would then run. Writer writes such text with a ' in front, which
// spreadsheets show and keep as text; ReadFirstSheet takes it off. The two rules are each
// other's inverse, so any text reads back exactly as it was written:
//
//   written: one ' added   when the text is  '*[=+-@\t\r].*  (any number of ', then a trigger)
//   read:    one ' removed when the text is  '+[=+-@\t\r].*
//
// Pure functions; thread-safe.

#include <string_view>

namespace sms::xlsx {

// True when `text` is written with one ' more in front (it is zero or more ' followed by one of
// = + - @ TAB CR).
bool NeedsFormulaQuote(std::string_view text);

// `text` as read from a text cell: without its first character when that is a ' quoting a
// formula trigger (one or more ' followed by one of = + - @ TAB CR), else unchanged.
std::string_view UnquoteFormula(std::string_view text);

}  // namespace sms::xlsx
