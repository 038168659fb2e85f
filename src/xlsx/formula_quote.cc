#include "xlsx/formula_quote.h"

namespace sms::xlsx {

bool NeedsFormulaQuote(std::string_view text) {
  size_t i = text.find_first_not_of('\'');
  if (i == std::string_view::npos) return false;
  char c = text[i];
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

std::string_view UnquoteFormula(std::string_view text) {
  if (!text.empty() && text.front() == '\'' && NeedsFormulaQuote(text)) text.remove_prefix(1);
  return text;
}

}  // namespace sms::xlsx
