#pragma once
// FaultSwitches: the switches of a faulty store (faulty_store.h) and how a call obeys them; the
// root of its layers, each of which forwards one interface. Thread-safe.

#include <atomic>
#include <memory>

#include "core/status.h"

namespace sms::testing {

template <class Interface>
class FaultSwitches : public Interface {
 public:
  template <class Inner>
  explicit FaultSwitches(const std::shared_ptr<Inner>& /*inner*/) {}

  // While set, Ping and every call fail with Unavailable (a database that is down).
  void SetDown(bool down) { down_ = down; }
  // While set, every write (ApplyHeartbeats, SweepOffline and every call that creates, updates
  // or deletes) fails with Unavailable "database or disk is full" and writes nothing; Ping and
  // reads still answer (a full disk).
  void SetWritesFail(bool fail) { writes_fail_ = fail; }

 protected:
  // A read: fails while down, else `call()`.
  template <class Call>
  auto Read(const Call& call) -> decltype(call()) {
    if (down_) return Down();
    return call();
  }
  // A write: fails while down or while writes fail, else `call()`.
  template <class Call>
  auto Write(const Call& call) -> decltype(call()) {
    if (WritesFail()) return WriteError();
    return call();
  }
  bool WritesFail() const { return down_ || writes_fail_; }
  Status WriteError() const {
    return down_ ? Down() : Status::Unavailable("database or disk is full (injected)");
  }
  static Status Down() { return Status::Unavailable("store is down (injected)"); }

 private:
  std::atomic<bool> down_{false};
  std::atomic<bool> writes_fail_{false};
};

}  // namespace sms::testing
