#include "history/history.h"

#include <utility>

#include "history/search_history.h"
#include "history/sql_history.h"
#include "history/tiered_history.h"

namespace sms::history {

Result<HistoryPtr> MakeHistory(const HistoryConfig& config, store::ServerStorePtr store) {
  if (!config.search_url.empty()) {
    SearchHistoryOptions options;
    options.url = config.search_url;
    options.index_prefix = config.search_index_prefix;
    options.grace = std::chrono::milliseconds(config.grace);
    options.retention_days = config.retention_days;
    Result<std::shared_ptr<SearchHistory>> search = SearchHistory::Make(std::move(options), store);
    if (!search.ok()) return search.status();
    // With a retention, what the search backend no longer holds is answered from SQL.
    if (config.retention_days > 0 && store != nullptr) {
      return HistoryPtr(std::make_shared<TieredHistory>(std::move(search).value(),
                                                        std::make_shared<SqlHistory>(store)));
    }
    return HistoryPtr(std::move(search).value());
  }
  if (store == nullptr) return Status::InvalidArgument("the SQL history needs a store", "store");
  return HistoryPtr(std::make_shared<SqlHistory>(std::move(store)));
}

}  // namespace sms::history
