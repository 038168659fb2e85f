#pragma once
// FairMutex: a mutex that hands itself over in the order it was asked for (a ticket lock). A
// thread that takes it again and again (a loop of write transactions) cannot keep the others
// out: whoever asked while it held it goes first. BasicLockable, for std::lock_guard. Meant for
// a few threads around long critical sections (the one SQLite writer), not for hot spins.

#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace sms {

class FairMutex {
 public:
  void lock() {
    std::unique_lock lock(mu_);
    const uint64_t ticket = next_++;
    turn_.wait(lock, [&] { return serving_ == ticket; });
  }
  void unlock() {
    {
      std::lock_guard lock(mu_);
      ++serving_;
    }
    turn_.notify_all();
  }
  // The holder, if any, and the threads waiting for their turn.
  uint64_t queued() const {
    std::lock_guard lock(mu_);
    return next_ - serving_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable turn_;
  uint64_t next_ = 0;     // guarded by mu_: the next ticket handed out
  uint64_t serving_ = 0;  // guarded by mu_: the ticket that holds the mutex or may take it
};

}  // namespace sms
