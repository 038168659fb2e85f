#include "xlsx/zip_out.h"

#include <cerrno>
#include <cstring>
#include <ctime>

namespace sms::xlsx {
namespace {

constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kDataDescriptor = 0x08074b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr uint16_t kVersion = 20;  // 2.0: deflate
constexpr uint16_t kDeflate = 8;
constexpr uint16_t kFlagDescriptor = 1 << 3;  // CRC and sizes follow the data
constexpr uint64_t kMax32 = 0xFFFFFFFFu;
constexpr size_t kOutChunk = 256 * 1024;

// Little-endian fields, appended to a header being built.
void Le16(std::string& out, uint16_t v) {
  out += static_cast<char>(v & 0xFF);
  out += static_cast<char>(v >> 8);
}
void Le32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

Status IoError(const char* what) {
  return Status::Internal(std::string("xlsx: cannot ") + what + ": " + std::strerror(errno));
}

}  // namespace

ZipOut::~ZipOut() {
  if (deflating_) deflateEnd(&z_);
  if (file_ != nullptr) std::fclose(file_);
}

Status ZipOut::Open(const std::string& path, int level) {
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) return IoError(("create " + path).c_str());
  file_buffer_.resize(1 << 20);
  std::setvbuf(file_, file_buffer_.data(), _IOFBF, file_buffer_.size());
  level_ = level;
  out_.resize(kOutChunk);
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  dos_time_ = static_cast<uint16_t>(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
  dos_date_ = static_cast<uint16_t>((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
  return Status::Ok();
}

Status ZipOut::Put(const void* data, size_t n) {
  if (n > 0 && std::fwrite(data, 1, n, file_) != n) return IoError("write");
  offset_ += n;
  return Status::Ok();
}

Status ZipOut::PutLocalHeader(const Entry& e) {
  bool streamed = (e.flags & kFlagDescriptor) != 0;
  std::string h;
  Le32(h, kLocalHeader);
  Le16(h, kVersion);
  Le16(h, e.flags);
  Le16(h, kDeflate);
  Le16(h, dos_time_);
  Le16(h, dos_date_);
  Le32(h, streamed ? 0 : e.crc);
  Le32(h, streamed ? 0 : static_cast<uint32_t>(e.compressed));
  Le32(h, streamed ? 0 : static_cast<uint32_t>(e.size));
  Le16(h, static_cast<uint16_t>(e.name.size()));
  Le16(h, 0);  // no extra field
  h += e.name;
  return Put(h.data(), h.size());
}

Status ZipOut::Add(const std::string& name, std::string_view data) {
  Entry e;
  e.name = name;
  e.offset = offset_;
  e.size = data.size();
  e.crc =
      static_cast<uint32_t>(crc32_z(0, reinterpret_cast<const Bytef*>(data.data()), data.size()));
  z_stream z{};
  if (deflateInit2(&z, level_, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::Internal("xlsx: deflateInit2 failed");
  }
  std::vector<unsigned char> packed(deflateBound(&z, data.size()));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = packed.data();
  z.avail_out = static_cast<uInt>(packed.size());
  int rc = deflate(&z, Z_FINISH);
  e.compressed = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return Status::Internal("xlsx: deflate failed");
  Status st = PutLocalHeader(e);
  if (st.ok()) st = Put(packed.data(), e.compressed);
  if (st.ok()) entries_.push_back(std::move(e));
  return st;
}

Status ZipOut::BeginEntry(const std::string& name) {
  Entry e;
  e.name = name;
  e.flags = kFlagDescriptor;
  e.offset = offset_;
  Status st = PutLocalHeader(e);
  if (!st.ok()) return st;
  entries_.push_back(std::move(e));
  z_ = z_stream{};
  if (deflateInit2(&z_, level_, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::Internal("xlsx: deflateInit2 failed");
  }
  deflating_ = true;
  return Status::Ok();
}

Status ZipOut::Deflate(std::string_view data, int flush) {
  Entry& e = entries_.back();
  if (!data.empty()) {  // crc32_z(crc, NULL, 0) is not `crc` but the initial value
    e.crc = static_cast<uint32_t>(
        crc32_z(e.crc, reinterpret_cast<const Bytef*>(data.data()), data.size()));
  }
  e.size += data.size();
  z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z_.avail_in = static_cast<uInt>(data.size());
  for (;;) {
    z_.next_out = out_.data();
    z_.avail_out = static_cast<uInt>(out_.size());
    int rc = deflate(&z_, flush);
    if (rc == Z_STREAM_ERROR) return Status::Internal("xlsx: deflate failed");
    size_t produced = out_.size() - z_.avail_out;
    e.compressed += produced;
    Status st = Put(out_.data(), produced);
    if (!st.ok()) return st;
    if (flush == Z_FINISH ? rc == Z_STREAM_END : z_.avail_out != 0) break;
  }
  if (e.size > kMax32 || e.compressed > kMax32) {
    return Status::ResourceExhausted("an xlsx entry would pass 4 GiB");
  }
  return Status::Ok();
}

Status ZipOut::Write(std::string_view data) {
  // zlib counts in uInt: feed huge buffers in pieces.
  while (data.size() > kMax32 / 2) {
    Status st = Deflate(data.substr(0, kMax32 / 2), Z_NO_FLUSH);
    if (!st.ok()) return st;
    data.remove_prefix(kMax32 / 2);
  }
  return Deflate(data, Z_NO_FLUSH);
}

Status ZipOut::EndEntry() {
  Status st = Deflate({}, Z_FINISH);
  deflateEnd(&z_);
  deflating_ = false;
  if (!st.ok()) return st;
  const Entry& e = entries_.back();
  std::string d;
  Le32(d, kDataDescriptor);
  Le32(d, e.crc);
  Le32(d, static_cast<uint32_t>(e.compressed));
  Le32(d, static_cast<uint32_t>(e.size));
  return Put(d.data(), d.size());
}

Status ZipOut::Close() {
  uint64_t start = offset_;
  std::string cd;
  for (const Entry& e : entries_) {
    Le32(cd, kCentralHeader);
    Le16(cd, kVersion);  // made by
    Le16(cd, kVersion);  // needed
    Le16(cd, e.flags);
    Le16(cd, kDeflate);
    Le16(cd, dos_time_);
    Le16(cd, dos_date_);
    Le32(cd, e.crc);
    Le32(cd, static_cast<uint32_t>(e.compressed));
    Le32(cd, static_cast<uint32_t>(e.size));
    Le16(cd, static_cast<uint16_t>(e.name.size()));
    Le16(cd, 0);  // extra
    Le16(cd, 0);  // comment
    Le16(cd, 0);  // disk
    Le16(cd, 0);  // internal attributes
    Le32(cd, 0);  // external attributes
    Le32(cd, static_cast<uint32_t>(e.offset));
    cd += e.name;
  }
  if (start + cd.size() > kMax32) return Status::ResourceExhausted("an xlsx file would pass 4 GiB");
  uint32_t cd_size = static_cast<uint32_t>(cd.size());
  Le32(cd, kEndOfCentralDirectory);
  Le16(cd, 0);  // this disk
  Le16(cd, 0);  // disk of the central directory
  Le16(cd, static_cast<uint16_t>(entries_.size()));
  Le16(cd, static_cast<uint16_t>(entries_.size()));
  Le32(cd, cd_size);
  Le32(cd, static_cast<uint32_t>(start));
  Le16(cd, 0);  // comment
  Status st = Put(cd.data(), cd.size());
  if (!st.ok()) return st;
  int rc = std::fclose(file_);
  file_ = nullptr;
  if (rc != 0) return IoError("close");
  return Status::Ok();
}

}  // namespace sms::xlsx
