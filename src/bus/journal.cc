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

namespace sms::bus {
namespace {

constexpr size_t kHeader = 8;  // u32 body length, u32 CRC-32 of the body
constexpr std::string_view kSuffix = ".journal";
constexpr size_t kDigits = 20;

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
  journal->writer_ = std::thread([j = journal.get()] { j->WriterLoop(); });
  return journal;
}

Journal::Journal(JournalOptions options) : options_(std::move(options)) {}

Journal::~Journal() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
  // Nothing is written any more: every segment all of whose records were released can go,
  // the last one included, so a clean stop after a drain replays nothing.
  written_below_ = append_segment_ + 1;
  DeleteReleasedSegments();
  if (fd_ >= 0) ::close(fd_);
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
    segments_[segment] = Segment{count, true};
    total += count;
  }
  append_segment_ = found.empty() ? 1 : found.back() + 1;
  written_below_ = append_segment_;
  if (total > 0) spdlog::info("journal: replayed {} messages from {}", total, options_.dir);
  return Status::Ok();
}

uint64_t Journal::Append(std::string_view topic, std::string_view key, std::string_view payload,
                         size_t holders, Delivered durable) {
  const size_t size = kHeader + 1 + topic.size() + 4 + key.size() + payload.size();
  uint64_t segment;
  {
    std::lock_guard lock(mu_);
    if (append_bytes_ > 0 && append_bytes_ + size > options_.segment_bytes) {
      ++append_segment_;
      append_bytes_ = 0;
    }
    segment = append_segment_;
    segments_[segment].holders += holders;
    if (pending_.empty() || pending_.back().segment != segment) pending_.push_back({segment, {}});
    Encode(&pending_.back().bytes, topic.substr(0, 255), key, payload);
    append_bytes_ += size;
    ++pending_records_;
    if (durable) pending_notes_.push_back(std::move(durable));
  }
  wake_.notify_one();
  return segment;
}

void Journal::Release(uint64_t segment, size_t count) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    auto it = segments_.find(segment);
    if (it == segments_.end()) return;
    it->second.holders -= std::min(count, it->second.holders);
    wake = it->second.holders == 0 && segment < written_below_;
    release_pending_ = release_pending_ || wake;
  }
  if (wake) wake_.notify_one();
}

Journal::Stats Journal::stats() const {
  std::lock_guard lock(mu_);
  Stats s = stats_;
  s.segments = segments_.size();
  return s;
}

void Journal::WriterLoop() {
  std::vector<Chunk> chunks;
  std::vector<Delivered> notes;
  for (;;) {
    size_t records = 0;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stop_ || !pending_.empty() || release_pending_; });
      if (stop_ && pending_.empty()) break;
      chunks.swap(pending_);
      notes.swap(pending_notes_);
      records = std::exchange(pending_records_, 0);
    }
    if (!chunks.empty()) {
      Status written = WriteAndSync(chunks);
      {
        std::lock_guard lock(mu_);
        ++stats_.syncs;
        if (written.ok()) {
          stats_.records += records;
          for (const Chunk& c : chunks) stats_.bytes += c.bytes.size();
        } else {
          ++stats_.failures;
        }
        // Every segment before the last one written is complete: nothing goes there again.
        written_below_ = std::max(written_below_, chunks.back().segment);
      }
      if (!written.ok()) spdlog::error("{}", written.message());
      for (Delivered& note : notes) note(written);
      notes.clear();
      chunks.clear();
    }
    DeleteReleasedSegments();
  }
}

Status Journal::OpenSegment(uint64_t segment) {
  if (fd_ >= 0) ::close(fd_);  // synced already: every batch ends with a sync
  const std::string path = PathOf(segment);
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) return Errno("open " + path);
  fd_segment_ = segment;
  struct stat st;
  fd_size_ = ::fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  // The new name must survive a crash too.
  if (::fsync(dir_fd_) != 0) return Errno("sync " + options_.dir);
  std::lock_guard lock(mu_);
  segments_[segment].on_disk = true;
  return Status::Ok();
}

Status Journal::WriteAndSync(const std::vector<Chunk>& chunks) {
  Status status;
  for (const Chunk& chunk : chunks) {
    if (fd_ < 0 || fd_segment_ != chunk.segment) {
      if (fd_ >= 0 && ::fdatasync(fd_) != 0) status = Errno("sync " + PathOf(fd_segment_));
      if (status.ok()) status = OpenSegment(chunk.segment);
      if (!status.ok()) break;
    }
    const char* p = chunk.bytes.data();
    size_t left = chunk.bytes.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        status = Errno("write " + PathOf(fd_segment_));
        break;
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    if (!status.ok()) break;
  }
  if (status.ok() && ::fdatasync(fd_) != 0) status = Errno("sync " + PathOf(fd_segment_));
  if (status.ok()) {
    struct stat st;
    if (::fstat(fd_, &st) == 0) fd_size_ = static_cast<uint64_t>(st.st_size);
    return status;
  }
  // Cut what this batch left behind, so the records after it stay readable, and start again
  // from a fresh descriptor (after a failed sync its pages cannot be trusted).
  if (fd_ >= 0) {
    if (::ftruncate(fd_, static_cast<off_t>(fd_size_)) != 0) {
      spdlog::error("journal: cannot cut {} back: {}", PathOf(fd_segment_), std::strerror(errno));
    }
    ::close(fd_);
    fd_ = -1;
  }
  return status;
}

void Journal::DeleteReleasedSegments() {
  std::vector<uint64_t> doomed;
  {
    std::lock_guard lock(mu_);
    release_pending_ = false;
    for (auto it = segments_.begin(); it != segments_.end() && it->first < written_below_;) {
      if (it->second.holders == 0) {
        if (it->second.on_disk) doomed.push_back(it->first);
        it = segments_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (uint64_t segment : doomed) {
    if (fd_ >= 0 && fd_segment_ == segment) {
      ::close(fd_);
      fd_ = -1;
    }
    if (::unlink(PathOf(segment).c_str()) != 0 && errno != ENOENT) {
      spdlog::warn("journal: cannot delete {}: {}", PathOf(segment), std::strerror(errno));
    }
  }
}

}  // namespace sms::bus
