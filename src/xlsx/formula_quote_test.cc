#include "xlsx/formula_quote.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sms::xlsx {
namespace {

// The text a cell holds for `text`, as Writer writes it.
std::string Written(std::string_view text) {
  return (NeedsFormulaQuote(text) ? "'" : "") + std::string(text);
}

TEST(FormulaQuoteTest, TextThatCouldTurnIntoAFormulaIsQuoted) {
  for (std::string_view text :
       {"=HYPERLINK(\"http://evil.example\",\"click\")", "=cmd|' /C calc'!A0", "+1+2", "-2+3",
        "@SUM(A1:A2)", "\t=1", "\r=1", "=", "'=1", "''-x", "'\t"}) {
    EXPECT_TRUE(NeedsFormulaQuote(text)) << text;
    EXPECT_EQ(Written(text), "'" + std::string(text));
  }
  for (std::string_view text :
       {"web-01", "", "'", "''", "'quoted'", " =1", "a=b", "10.0.0.1", "\n=1", "caf\xc3\xa9"}) {
    EXPECT_FALSE(NeedsFormulaQuote(text)) << text;
    EXPECT_EQ(Written(text), text);
  }
}

TEST(FormulaQuoteTest, OneQuoteComesOffWhereOneWasAdded) {
  EXPECT_EQ(UnquoteFormula("'=1+2"), "=1+2");
  EXPECT_EQ(UnquoteFormula("''=1+2"), "'=1+2");
  EXPECT_EQ(UnquoteFormula("'-x"), "-x");
  EXPECT_EQ(UnquoteFormula("'\r"), "\r");
  EXPECT_EQ(UnquoteFormula("=1+2"), "=1+2");  // unquoted: taken as it is
  EXPECT_EQ(UnquoteFormula("'quoted'"), "'quoted'");
  EXPECT_EQ(UnquoteFormula("'"), "'");
  EXPECT_EQ(UnquoteFormula(""), "");
}

// Every text of up to five characters drawn from the quote, each trigger and two others reads
// back exactly as it was written.
TEST(FormulaQuoteTest, EveryTextRoundTrips) {
  const std::string alphabet = "'=+-@\t\rax ";
  std::vector<std::string> texts = {""};
  for (size_t begin = 0, length = 0; length < 5; ++length) {
    size_t end = texts.size();
    for (size_t i = begin; i < end; ++i) {
      for (char c : alphabet) texts.push_back(texts[i] + c);
    }
    begin = end;
  }
  for (const std::string& text : texts) {
    ASSERT_EQ(UnquoteFormula(Written(text)), text) << text;
  }
}

}  // namespace
}  // namespace sms::xlsx
