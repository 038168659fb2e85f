#pragma once
// Checkpointer: keeps a SqliteStore's WAL short without making the writer pay for it.
//
// SQLite's automatic checkpoint runs inside the committing thread, which halves heartbeat
// throughput on a large fleet. Instead, after the WAL passes a threshold, a background thread
// copies frames into the database with its own connection (PASSIVE: it blocks nobody), then
// takes the store's writer mutex for a second, short pass over the frames written meanwhile.
// That pass completes the checkpoint, so the next write transaction restarts the WAL from its
// beginning instead of letting it grow. Thread-safe.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "core/fair_mutex.h"
#include "store/sqlite_connection.h"

namespace sms::store {

class Checkpointer {
 public:
  // `writer_mu` is the mutex the store holds around every write transaction.
  Checkpointer(std::unique_ptr<Connection> conn, FairMutex& writer_mu, int threshold_frames);
  ~Checkpointer();  // stops the thread; the last checkpoint happens when the store closes
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Reports the WAL size after a commit (called from the writer's WAL hook).
  void OnCommit(int wal_frames);

 private:
  void Run();
  // True when every WAL frame is now in the database.
  bool CheckpointOnce();

  std::unique_ptr<Connection> conn_;
  FairMutex& writer_mu_;
  const int threshold_frames_;

  std::mutex mu_;
  std::condition_variable cv_;
  int wal_frames_ = 0;
  bool stop_ = false;
  std::thread thread_;  // last: starts after everything above is initialised
};

}  // namespace sms::store
