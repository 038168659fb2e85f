#pragma once
// Periodic: one thread that runs a function now and then every `every` ms until Stop, which
// waits for a run in progress. Thread-safe; Start once.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/thread_name.h"

namespace sms {

class Periodic {
 public:
  Periodic() = default;
  ~Periodic() { Stop(); }
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

  // `name` names the thread (core/thread_name.h).
  void Start(const std::string& name, std::chrono::milliseconds every, std::function<void()> run) {
    std::lock_guard lock(mu_);
    if (thread_.joinable() || stopping_) return;
    thread_ = std::thread([this, name, every, run = std::move(run)] {
      NameThisThread(name);
      std::unique_lock lock(mu_);
      while (!stopping_) {
        lock.unlock();
        run();
        lock.lock();
        cv_.wait_for(lock, every, [this] { return stopping_; });
      }
    });
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace sms
