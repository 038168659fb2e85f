#include "history/history.h"

#include <utility>

#include "history/sql_history.h"

namespace sms::history {

Result<HistoryPtr> MakeHistory(const HistoryConfig& config, store::StorePtr store) {
  if (!config.search_url.empty()) {
    std::string_view url = config.search_url;
    std::string scheme(url.substr(0, url.find(':')));
    return Status::InvalidArgument(
        "unsupported search URL scheme: \"" + scheme + "\" (only the SQL history is available)",
        "search_url");
  }
  if (store == nullptr) return Status::InvalidArgument("the SQL history needs a store", "store");
  return HistoryPtr(std::make_shared<SqlHistory>(std::move(store)));
}

}  // namespace sms::history
