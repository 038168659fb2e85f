#pragma once
// SentLog: what became of each mail job id, so that a job the bus delivers again (it is
// at-least-once) is not mailed twice. The mail service looks an id up before sending and
// records the outcome after: sent, or failed for good (dead-lettered). Implementations:
// MemorySentLog (embedded, and the fake for tests); a SQL-backed one shares the record
// between mail replicas and restarts. Thread-safe.

#include <memory>
#include <optional>
#include <string>

#include "core/status.h"
#include "core/types.h"

namespace sms::mail {

enum class JobOutcome { kSent, kFailed };

const char* OutcomeName(JobOutcome outcome);  // "sent" / "failed"

struct JobState {
  JobOutcome outcome = JobOutcome::kSent;
  std::string error;  // the last delivery error (kFailed); empty when sent
  int attempts = 0;   // delivery attempts it took
  Millis at = 0;      // when the outcome was decided
};

class SentLog {
 public:
  virtual ~SentLog() = default;
  SentLog() = default;
  SentLog(const SentLog&) = delete;
  SentLog& operator=(const SentLog&) = delete;

  // The recorded state of job `id`, or nullopt when none was recorded. Unavailable when the
  // log cannot be read now.
  virtual Result<std::optional<JobState>> Get(const std::string& id) = 0;
  // Records (or replaces) the state of job `id`. Unavailable when the log cannot be written
  // now.
  virtual Status Put(const std::string& id, const JobState& state) = 0;
};

using SentLogPtr = std::shared_ptr<SentLog>;

}  // namespace sms::mail
