#include "core/work_pool.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "core/thread_name.h"

namespace sms {

WorkPool::WorkPool(WorkPoolOptions options) : options_(options) {
  for (size_t i = 0; i < std::max<size_t>(1, options_.threads); ++i) {
    threads_.emplace_back([this] { Run(); });
  }
}

WorkPool::~WorkPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  ready_.notify_all();
  for (auto& t : threads_) t.join();
}

bool WorkPool::Submit(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    if (tasks_.size() >= options_.queue_limit) return false;
    tasks_.push_back(std::move(task));
  }
  ready_.notify_one();
  return true;
}

size_t WorkPool::queued() const {
  std::lock_guard lock(mu_);
  return tasks_.size();
}

void WorkPool::Run() {
  NameThisThread(options_.name);
  if (options_.nice > 0) {
    // Linux: a thread's nice value is its own (the tid names it).
    (void)setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), options_.nice);
  }
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      ready_.wait(lock, [&] { return stop_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping, nothing left
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace sms
