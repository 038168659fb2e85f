#pragma once
// Journal: the write-ahead log that makes the in-process bus durable. Messages are appended to
// segment files under a directory and made durable by group commit: a writer thread writes and
// fdatasyncs everything appended to it since its last sync, then tells each message's
// Delivered. Several writers ("lanes", each with its own segment file) sync side by side: a
// message goes to a lane that is not syncing when there is one, so it waits for one sync, not
// for the one in progress and then its own (disks complete concurrent syncs of different files
// about as fast as one). Replay order across lanes is by segment; consumers do not rely on
// order across keys.
// At open, every intact record of the segments left by the previous process is replayed, and
// a torn tail (a crash mid-write) is cut off. A segment is deleted once every holder of its
// records released them (every consumer group committed them) and no record will be written
// to it again.
//
// Record: u32 length of the body, u32 CRC-32 of the body, body = u8 topic length, topic,
// u32 key length, key, payload (the rest). Little-endian. Segments are named by a 20-digit
// sequence number, "00000000000000000001.journal".
//
// Thread-safe.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bus/bus.h"
#include "core/status.h"

namespace sms::bus {

struct JournalOptions {
  std::string dir;                      // created if missing
  size_t segment_bytes = 16ull << 20;  // a segment is closed once it holds this much
  size_t lanes = 4;                      // writers syncing side by side (>= 1)
  // Makes a segment's written bytes durable, like fdatasync (0 or -1 with errno). Unset:
  // fdatasync. Tests hold it to see what one sync serves.
  std::function<int(int fd)> sync;
};

// A record read back at open: its topic, key and payload, and the segment it is held in.
struct JournalRecord {
  std::string topic;
  std::string key;
  std::string payload;
  uint64_t segment = 0;
};

class Journal {
 public:
  // Opens (creating) options.dir and hands every intact record of the segments found there to
  // `replay`, oldest first, on this thread before returning. Each replayed record is held once
  // (Release it when done). New records go to a new segment. Unavailable when the directory
  // cannot be created, read or written.
  static Result<std::unique_ptr<Journal>> Open(
      const JournalOptions& options, const std::function<void(JournalRecord&&)>& replay);
  // Syncs and reports what was appended, stops the writer thread, and deletes the segments
  // whose records were all released.
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Appends a record held by `holders` (> 0) until Released. `durable`, if set, is called on
  // the writer thread once the record is on disk (OK) or could not be written (Unavailable,
  // e.g. the disk is full). Never blocks on the disk. Returns the record's segment.
  uint64_t Append(std::string_view topic, std::string_view key, std::string_view payload,
                  size_t holders, Delivered durable);
  // `count` holders of records in `segment` are done with them.
  void Release(uint64_t segment, size_t count);

  struct Stats {
    uint64_t syncs = 0;      // fdatasync calls made
    uint64_t records = 0;    // records written since open
    uint64_t bytes = 0;      // bytes written since open
    size_t segments = 0;     // segment files on disk
    uint64_t failures = 0;   // write or sync failures
  };
  Stats stats() const;

 private:
  struct Chunk {
    uint64_t segment;
    std::string bytes;
  };
  struct Segment {
    size_t holders = 0;
    size_t unwritten = 0;  // chunks appended to it and not yet written
    bool sealed = false;   // no record is appended to it any more
    bool on_disk = false;  // its file exists
  };
  // One writer: what is appended to it, its thread and its file.
  struct Lane {
    std::vector<Chunk> pending;      // guarded by mu_
    std::vector<Delivered> notes;    // guarded by mu_
    size_t records = 0;              // guarded by mu_
    bool busy = false;               // guarded by mu_: writing or syncing
    uint64_t segment = 0;            // guarded by mu_: where its appends go; 0: none yet
    size_t segment_bytes = 0;        // guarded by mu_: appended to that segment
    std::condition_variable wake;
    std::thread thread;
    // Its thread only.
    int fd = -1;
    uint64_t fd_segment = 0;
    uint64_t fd_size = 0;  // bytes known written and synced to fd
  };

  explicit Journal(JournalOptions options);
  Status Replay(const std::function<void(JournalRecord&&)>& replay);
  Lane& PickLane();  // REQUIRES: mu_ held
  // Whether `lane` may start a sync now (alone, or with a batch worth a sync of its own).
  bool CanStart(const Lane& lane) const;  // REQUIRES: mu_ held
  void WriterLoop(Lane& lane);
  // Writes `chunks` and syncs; the status every record in them gets.
  Status WriteAndSync(Lane& lane, const std::vector<Chunk>& chunks);
  Status OpenSegment(Lane& lane, uint64_t segment);
  int SyncData(int fd) const;  // options_.sync, or fdatasync
  void DeleteReleasedSegments();
  std::string PathOf(uint64_t segment) const;

  const JournalOptions options_;
  int dir_fd_ = -1;

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Lane>> lanes_;  // fixed after Open
  std::map<uint64_t, Segment> segments_;      // guarded by mu_
  uint64_t next_segment_ = 1;                 // guarded by mu_: the next new segment's number
  bool stop_ = false;                         // guarded by mu_
  Stats stats_;                               // guarded by mu_
};

}  // namespace sms::bus
