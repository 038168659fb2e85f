#pragma once
// WorkPool: a few threads that run submitted tasks in order, with a bounded queue, for work
// that must not run on an I/O thread (password hashing, parsing an upload). Its threads may
// run at a lower CPU priority, so that such work yields to the I/O threads. Thread-safe.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sms {

struct WorkPoolOptions {
  size_t threads = 1;        // REQUIRES: > 0
  size_t queue_limit = 64;   // tasks waiting beyond those running; more are refused
  int nice = 0;              // added to the threads' nice value (0..19: lower priority)
  std::string name = "sms-pool";  // its threads' name (core/thread_name.h)
};

class WorkPool {
 public:
  explicit WorkPool(WorkPoolOptions options);
  // Runs what is queued, then joins the threads.
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues `task`; false (and `task` dropped) when queue_limit tasks wait already.
  bool Submit(std::function<void()> task);
  // Tasks waiting (not running).
  size_t queued() const;

 private:
  void Run();

  const WorkPoolOptions options_;
  mutable std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stop_ = false;                        // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace sms
