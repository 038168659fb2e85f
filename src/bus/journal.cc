#include "bus/journal.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/thread_name.h"

namespace sms::bus {
namespace {

constexpr size_t kHeader = 8;  // u32 body length, u32 CRC-32 of the body
constexpr std::string_view kSuffix = ".journal";
constexpr size_t kDigits = 20;
// Records a lane must hold to start syncing while another lane syncs.
constexpr size_t kParallelBatch = 16;

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t GetU32(std::string_view s, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

uint32_t Crc(std::string_view s) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size())));
}

// Appends one encoded record to `out`.
void Encode(std::string* out, std::string_view topic, std::string_view key,
            std::string_view payload) {
  const size_t start = out->size();
  const size_t body = 1 + topic.size() + 4 + key.size() + payload.size();
  PutU32(out, static_cast<uint32_t>(body));
  PutU32(out, 0);  // the CRC, once the body is there
  out->push_back(static_cast<char>(topic.size()));
  out->append(topic);
  PutU32(out, static_cast<uint32_t>(key.size()));
  out->append(key);
  out->append(payload);
  const uint32_t crc = Crc(std::string_view(*out).substr(start + kHeader, body));
  for (int i = 0; i < 4; ++i) (*out)[start + 4 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
}

// Decodes the record at `at` in `data`: its size (header included), or 0 when what is there
// is not an intact record (the end, a torn write or damage).
size_t Decode(std::string_view data, size_t at, JournalRecord* out) {
  if (data.size() - at < kHeader) return 0;
  const size_t body = GetU32(data, at);
  if (body == 0 || body > data.size() - at - kHeader) return 0;
  std::string_view b = data.substr(at + kHeader, body);
  if (Crc(b) != GetU32(data, at + 4)) return 0;
  const size_t topic = static_cast<unsigned char>(b[0]);
  if (1 + topic + 4 > b.size()) return 0;
  const size_t key = GetU32(b, 1 + topic);
  if (1 + topic + 4 + key > b.size()) return 0;
  out->topic.assign(b.substr(1, topic));
  out->key.assign(b.substr(1 + topic + 4, key));
  out->payload.assign(b.substr(1 + topic + 4 + key));
  return kHeader + body;
}

Status Errno(const std::string& what) {
  return Status::Unavailable("journal: " + what + ": " + std::strerror(errno));
}

// The segment number of a file name, or 0 when it is not a segment's.
uint64_t SegmentOf(const std::string& name) {
  if (name.size() != kDigits + kSuffix.size() || !name.ends_with(kSuffix)) return 0;
  uint64_t n = 0;
  for (size_t i = 0; i < kDigits; ++i) {
    if (name[i] < '0' || name[i] > '9') return 0;
    n = n * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  return n;
}

}  // namespace

Result<std::unique_ptr<Journal>> Journal::Open(
    const JournalOptions& options, const std::function<void(JournalRecord&&)>& replay) {
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) return Status::Unavailable("journal: create " + options.dir + ": " + ec.message());
  std::unique_ptr<Journal> journal(new Journal(options));
  journal->dir_fd_ = ::open(options.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (journal->dir_fd_ < 0) return Errno("open " + options.dir);
  Status replayed = journal->Replay(replay);
  if (!replayed.ok()) return replayed;
  for (size_t i = 0; i < std::max<size_t>(1, options.lanes); ++i) {
    journal->lanes_.push_back(std::make_unique<Lane>());
  }
  for (auto& lane : journal->lanes_) {
    lane->thread = std::thread([j = journal.get(), l = lane.get()] {
      NameThisThread("sms-journal");
      j->WriterLoop(*l);
    });
  }
  return journal;
}

Journal::Journal(JournalOptions options) : options_(std::move(options)) {}

Journal::~Journal() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  for (auto& lane : lanes_) {
    lane->wake.notify_one();
    if (lane->thread.joinable()) lane->thread.join();
  }
  {
    // Nothing is written any more: every segment all of whose records were released can go,
    // the last ones included, so a clean stop after a drain replays nothing.
    std::lock_guard lock(mu_);
    for (auto& [number, segment] : segments_) segment.sealed = true;
  }
  DeleteReleasedSegments();
  for (auto& lane : lanes_) {
    if (lane->fd >= 0) ::close(lane->fd);
  }
  if (dir_fd_ >= 0) ::close(dir_fd_);
}

std::string Journal::PathOf(uint64_t segment) const {
  std::string digits = std::to_string(segment);
  return options_.dir + "/" + std::string(kDigits - digits.size(), '0') + digits +
         std::string(kSuffix);
}

Status Journal::Replay(const std::function<void(JournalRecord&&)>& replay) {
  std::vector<uint64_t> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(options_.dir, ec)) {
    if (uint64_t n = SegmentOf(entry.path().filename().string()); n > 0) found.push_back(n);
  }
  if (ec) return Status::Unavailable("journal: list " + options_.dir + ": " + ec.message());
  std::sort(found.begin(), found.end());
  size_t total = 0;
  for (uint64_t segment : found) {
    const std::string path = PathOf(segment);
    std::ifstream in(path, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return Status::Unavailable("journal: read " + path);
    size_t at = 0, count = 0;
    JournalRecord record;
    while (size_t n = Decode(data, at, &record)) {
      at += n;
      ++count;
      record.segment = segment;
      replay(std::move(record));
    }
    if (at < data.size()) {
      // A crash mid-write leaves a torn record at the end; nothing after it was acknowledged.
      spdlog::warn("journal: {}: cut {} bytes after the last intact record", path,
                   data.size() - at);
      if (::truncate(path.c_str(), static_cast<off_t>(at)) != 0) return Errno("truncate " + path);
    }
    if (count == 0) {
      ::unlink(path.c_str());
      continue;
    }
    segments_[segment] = Segment{.holders = count, .sealed = true, .on_disk = true};
    total += count;
  }
  next_segment_ = found.empty() ? 1 : found.back() + 1;
  if (total > 0) spdlog::info("journal: replayed {} messages from {}", total, options_.dir);
  return Status::Ok();
}

Journal::Lane& Journal::PickLane() {
  // A lane not syncing, preferring one whose batch is forming already; else the shortest queue.
  Lane* pick = nullptr;
  for (auto& lane : lanes_) {
    if (lane->busy) continue;
    if (!lane->pending.empty()) return *lane;
    if (pick == nullptr) pick = lane.get();
  }
  if (pick != nullptr) return *pick;
  pick = lanes_.front().get();
  for (auto& lane : lanes_) {
    if (lane->records < pick->records) pick = lane.get();
  }
  return *pick;
}

uint64_t Journal::Append(std::string_view topic, std::string_view key, std::string_view payload,
                         size_t holders, Delivered durable) {
  const size_t size = kHeader + 1 + topic.size() + 4 + key.size() + payload.size();
  uint64_t segment;
  Lane* lane;
  bool startable;
  {
    std::lock_guard lock(mu_);
    lane = &PickLane();
    if (lane->segment == 0 ||
        (lane->segment_bytes > 0 && lane->segment_bytes + size > options_.segment_bytes)) {
      if (lane->segment != 0) segments_[lane->segment].sealed = true;
      lane->segment = next_segment_++;
      lane->segment_bytes = 0;
    }
    segment = lane->segment;
    Segment& seg = segments_[segment];
    seg.holders += holders;
    if (lane->pending.empty() || lane->pending.back().segment != segment) {
      lane->pending.push_back({segment, {}});
      ++seg.unwritten;
    }
    Encode(&lane->pending.back().bytes, topic.substr(0, 255), key, payload);
    lane->segment_bytes += size;
    ++lane->records;
    if (durable) lane->notes.push_back(std::move(durable));
    startable = CanStart(*lane);
  }
  // A lane that may not start yet is not woken for each record only to wait again: a later
  // Append wakes it when its batch is big enough, and a lane that ends its sync wakes the
  // others.
  if (startable) lane->wake.notify_one();
  return segment;
}

void Journal::Release(uint64_t segment, size_t count) {
  bool deletable = false;
  {
    std::lock_guard lock(mu_);
    auto it = segments_.find(segment);
    if (it == segments_.end()) return;
    Segment& s = it->second;
    s.holders -= std::min(count, s.holders);
    deletable = s.holders == 0 && s.sealed && s.unwritten == 0;
  }
  if (deletable) DeleteReleasedSegments();
}

Journal::Stats Journal::stats() const {
  std::lock_guard lock(mu_);
  Stats s = stats_;
  s.segments = segments_.size();
  return s;
}

bool Journal::CanStart(const Lane& lane) const {
  return lane.records >= kParallelBatch ||
         std::none_of(lanes_.begin(), lanes_.end(), [](const auto& l) { return l->busy; });
}

void Journal::WriterLoop(Lane& lane) {
  std::vector<Chunk> chunks;
  std::vector<Delivered> notes;
  for (;;) {
    size_t records = 0;
    {
      std::unique_lock lock(mu_);
      // A lane starts its sync at once when no other lane is syncing, and beside others only
      // with a batch worth a sync of its own: each sync costs the CPU too.
      lane.wake.wait(lock, [&] { return stop_ || (!lane.pending.empty() && CanStart(lane)); });
      if (lane.pending.empty()) break;  // stopping, nothing left
      chunks.swap(lane.pending);
      notes.swap(lane.notes);
      records = std::exchange(lane.records, 0);
      lane.busy = true;
    }
    Status written = WriteAndSync(lane, chunks);
    {
      std::lock_guard lock(mu_);
      lane.busy = false;
      // A lane holding a small batch waits for no lane to be busy: tell them.
      for (auto& other : lanes_) {
        if (other.get() != &lane && !other->pending.empty()) other->wake.notify_one();
      }
      ++stats_.syncs;
      if (written.ok()) {
        stats_.records += records;
        for (const Chunk& c : chunks) stats_.bytes += c.bytes.size();
      } else {
        ++stats_.failures;
      }
      for (const Chunk& c : chunks) --segments_[c.segment].unwritten;
    }
    if (!written.ok()) spdlog::error("{}", written.message());
    for (Delivered& note : notes) note(written);
    notes.clear();
    chunks.clear();
    DeleteReleasedSegments();
  }
}

Status Journal::OpenSegment(Lane& lane, uint64_t segment) {
  if (lane.fd >= 0) ::close(lane.fd);  // synced already: every batch ends with a sync
  const std::string path = PathOf(segment);
  lane.fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (lane.fd < 0) return Errno("open " + path);
  lane.fd_segment = segment;
  struct stat st;
  lane.fd_size = ::fstat(lane.fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  // The new name must survive a crash too.
  if (::fsync(dir_fd_) != 0) return Errno("sync " + options_.dir);
  std::lock_guard lock(mu_);
  segments_[segment].on_disk = true;
  return Status::Ok();
}

int Journal::SyncData(int fd) const { return options_.sync ? options_.sync(fd) : ::fdatasync(fd); }

Status Journal::WriteAndSync(Lane& lane, const std::vector<Chunk>& chunks) {
  Status status;
  for (const Chunk& chunk : chunks) {
    if (lane.fd < 0 || lane.fd_segment != chunk.segment) {
      if (lane.fd >= 0 && SyncData(lane.fd) != 0) {
        status = Errno("sync " + PathOf(lane.fd_segment));
      }
      if (status.ok()) status = OpenSegment(lane, chunk.segment);
      if (!status.ok()) break;
    }
    const char* p = chunk.bytes.data();
    size_t left = chunk.bytes.size();
    while (left > 0) {
      ssize_t n = ::write(lane.fd, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        status = Errno("write " + PathOf(lane.fd_segment));
        break;
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    if (!status.ok()) break;
  }
  if (status.ok() && SyncData(lane.fd) != 0) {
    status = Errno("sync " + PathOf(lane.fd_segment));
  }
  if (status.ok()) {
    struct stat st;
    if (::fstat(lane.fd, &st) == 0) lane.fd_size = static_cast<uint64_t>(st.st_size);
    return status;
  }
  // Cut what this batch left behind, so the records after it stay readable, and start again
  // from a fresh descriptor (after a failed sync its pages cannot be trusted).
  if (lane.fd >= 0) {
    if (::ftruncate(lane.fd, static_cast<off_t>(lane.fd_size)) != 0) {
      spdlog::error("journal: cannot cut {} back: {}", PathOf(lane.fd_segment),
                    std::strerror(errno));
    }
    ::close(lane.fd);
    lane.fd = -1;
  }
  return status;
}

void Journal::DeleteReleasedSegments() {
  std::vector<uint64_t> doomed;
  {
    std::lock_guard lock(mu_);
    for (auto it = segments_.begin(); it != segments_.end();) {
      const Segment& seg = it->second;
      if (seg.holders == 0 && seg.sealed && seg.unwritten == 0) {
        if (seg.on_disk) doomed.push_back(it->first);
        it = segments_.erase(it);
      } else {
        ++it;
      }
    }
  }
  // A lane may still hold a deleted segment open (it closes it when it opens its next one):
  // the file goes when it is closed.
  for (uint64_t segment : doomed) {
    if (::unlink(PathOf(segment).c_str()) != 0 && errno != ENOENT) {
      spdlog::warn("journal: cannot delete {}: {}", PathOf(segment), std::strerror(errno));
    }
  }
}

}  // namespace sms::bus
