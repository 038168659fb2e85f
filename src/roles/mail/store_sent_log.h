#pragma once
// StoreSentLog: the mail service's SentLog in the SQL store (table mail_outcomes), shared by
// every mail replica and kept across restarts; GET /api/v1/reports/{id} reads the same record.
// Thread-safe.

#include "mail/sent_log.h"
#include "store/report_store.h"

namespace sms::mail {

class StoreSentLog final : public SentLog {
 public:
  // REQUIRES: store != nullptr.
  explicit StoreSentLog(store::ReportStorePtr store) : store_(std::move(store)) {}

  Result<std::optional<JobState>> Get(const std::string& id) override;
  Status Put(const std::string& id, const JobState& state) override;

 private:
  store::ReportStorePtr store_;
};

}  // namespace sms::mail
