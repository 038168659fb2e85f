#include "mail/sent_log.h"

namespace sms::mail {

const char* OutcomeName(JobOutcome outcome) {
  return outcome == JobOutcome::kSent ? "sent" : "failed";
}

}  // namespace sms::mail
