#pragma once
// WriteHealth: whether the store takes writes, judged from the writes the process really makes
// (the worker's heartbeat batches and offline sweeps, the API's creates, updates, deletes and
// imports), never from a write of its own per probe. A full disk or a database gone read-only
// still answers reads and Store::Ping, so the "store" check says ok while every write fails;
// the "store_writes" check (/readyz) says what the writers saw.
//
// The store counts as failing after `failures` failed writes in a row, while the latest of them
// is younger than `window`; the next successful write ends it at once. The window lets a replica
// that no one writes through any more (it was taken out of rotation for not being ready) come
// back instead of staying out for good on old evidence; a replica that is written to keeps
// failing as long as the writes do (the worker retries a held batch every few seconds).
// Thread-safe.

#include <memory>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "core/status.h"

namespace sms::roles {

struct WriteHealthOptions {
  int failures = 3;        // failed writes in a row that make the store failing
  Millis window = 60'000;  // how long the latest failure counts
};

class WriteHealth {
 public:
  explicit WriteHealth(ClockPtr clock, WriteHealthOptions options = {});

  // Records the outcome of one store write. OK ends a failing streak. Unavailable and Internal
  // (the store could not write) add to it; the caller's own errors (InvalidArgument, NotFound,
  // Conflict, ...) say nothing about the store and are not counted either way.
  void Record(const Status& outcome);

  // OK, or Unavailable "failing: <n> writes in a row, the latest at <RFC 3339>: <its error>"
  // while the store counts as failing (see the class comment).
  Status Check() const;

 private:
  const ClockPtr clock_;
  const WriteHealthOptions options_;
  mutable std::mutex mu_;
  int streak_ = 0;           // failed writes since the last success
  Millis last_failure_ = 0;  // when the latest of them was recorded
  std::string last_error_;
};

using WriteHealthPtr = std::shared_ptr<WriteHealth>;

// Records `outcome` on `health` when there is one (a role built without it tracks nothing).
inline void RecordWrite(const WriteHealthPtr& health, const Status& outcome) {
  if (health) health->Record(outcome);
}

}  // namespace sms::roles
