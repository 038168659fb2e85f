#include "roles/mail/store_sent_log.h"

namespace sms::mail {

Result<std::optional<JobState>> StoreSentLog::Get(const std::string& id) {
  auto outcome = store_->GetMailOutcome(id);
  if (!outcome.ok()) return outcome.status();
  if (!outcome->has_value()) return std::optional<JobState>();
  const store::MailOutcome& o = **outcome;
  JobState state;
  state.outcome = o.outcome == OutcomeName(JobOutcome::kSent) ? JobOutcome::kSent
                                                              : JobOutcome::kFailed;
  state.error = o.error;
  state.attempts = o.attempts;
  state.at = o.at;
  return std::optional<JobState>(state);
}

Status StoreSentLog::Put(const std::string& id, const JobState& state) {
  return store_->PutMailOutcome(id, {OutcomeName(state.outcome), state.error, state.attempts,
                                     state.at});
}

}  // namespace sms::mail
