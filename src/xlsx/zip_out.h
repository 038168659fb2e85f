#pragma once
// ZipOut: writes a zip archive front to back (internal to src/xlsx): whole entries, or one entry
// streamed through zlib's deflate with its CRC and sizes in a data descriptor after the data,
// then the central directory. No ZIP64: an entry or the archive past 4 GiB is refused.
//
// Not thread-safe.

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sms::xlsx {

class ZipOut {
 public:
  ZipOut() = default;
  ~ZipOut();  // closes the file (without completing the archive) if Close() was not reached
  ZipOut(const ZipOut&) = delete;
  ZipOut& operator=(const ZipOut&) = delete;

  // Creates (or truncates) `path`. `level`: zlib's 1..9.
  Status Open(const std::string& path, int level);

  // Adds a whole entry, deflated.
  Status Add(const std::string& name, std::string_view data);

  // Starts an entry whose data comes through Write(); EndEntry() completes it.
  Status BeginEntry(const std::string& name);
  Status Write(std::string_view data);
  Status EndEntry();

  // Writes the central directory and closes the file.
  Status Close();

 private:
  struct Entry {
    std::string name;
    uint16_t flags = 0;
    uint32_t crc = 0;
    uint64_t compressed = 0;
    uint64_t size = 0;
    uint64_t offset = 0;  // of its local header
  };

  Status Deflate(std::string_view data, int flush);
  Status Put(const void* data, size_t n);
  Status PutLocalHeader(const Entry& e);

  std::FILE* file_ = nullptr;
  std::vector<char> file_buffer_;
  uint64_t offset_ = 0;  // bytes written so far
  int level_ = 1;
  z_stream z_{};
  bool deflating_ = false;
  std::vector<unsigned char> out_;  // deflate's output buffer
  std::vector<Entry> entries_;
  uint16_t dos_time_ = 0;
  uint16_t dos_date_ = 0;
};

}  // namespace sms::xlsx
