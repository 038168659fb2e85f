#include "store/sqlite_checkpointer.h"

#include <chrono>

#include "core/thread_name.h"

namespace sms::store {

Checkpointer::Checkpointer(std::unique_ptr<Connection> conn, FairMutex& writer_mu,
                           int threshold_frames)
    : conn_(std::move(conn)),
      writer_mu_(writer_mu),
      threshold_frames_(threshold_frames),
      thread_([this] {
        NameThisThread("sms-checkpoint");
        Run();
      }) {}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void Checkpointer::OnCommit(int wal_frames) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    wake = wal_frames_ < threshold_frames_ && wal_frames >= threshold_frames_;
    wal_frames_ = wal_frames;
  }
  if (wake) cv_.notify_one();
}

void Checkpointer::Run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    // The timeout also checkpoints a WAL that stopped growing below the threshold.
    cv_.wait_for(lock, std::chrono::seconds(5),
                 [this] { return stop_ || wal_frames_ >= threshold_frames_; });
    if (stop_ || wal_frames_ == 0) continue;
    lock.unlock();
    bool caught_up = CheckpointOnce();
    lock.lock();
    // A long read can pin old frames and keep a checkpoint from catching up: don't spin.
    if (!caught_up) cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stop_; });
  }
}

bool Checkpointer::CheckpointOnce() {
  // A failure (a busy database, a full disk) is retried at the next round; the WAL only grows
  // meanwhile, which costs space, not correctness.
  (void)conn_->CheckpointPassive();
  std::lock_guard writer(writer_mu_);
  Result<std::pair<int, int>> done = conn_->CheckpointPassive();
  bool caught_up = done.ok() && done->first == done->second;
  std::lock_guard lock(mu_);
  // Caught up: the next commit restarts the WAL and reports its new, small size.
  if (caught_up) wal_frames_ = 0;
  return caught_up;
}

}  // namespace sms::store
