// A libFuzzer custom mutator for fuzz_xlsx. Byte flips in a zip archive mostly break its
// checksums, so the reader would rarely get past libzip. This one usually opens the archive,
// mutates one entry (its XML with libFuzzer's own mutations and dictionary, or its name, or
// drops it) and writes the archive again, stored or deflated; now and then it mutates the
// archive's bytes instead, so libzip's checks and the reader's limits are fuzzed too.

#include <zip.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

constexpr zip_int64_t kMaxEntries = 64;
constexpr size_t kMaxEntryBytes = size_t{1} << 20;

struct Entry {
  std::string name;
  std::string data;
};

// Reads every entry of `zip` into `out`; false when one cannot be read whole.
bool ReadEntries(zip_t* zip, std::vector<Entry>& out) {
  zip_int64_t n = zip_get_num_entries(zip, 0);
  if (n < 0 || n > kMaxEntries) return false;
  for (zip_int64_t i = 0; i < n; ++i) {
    auto index = static_cast<zip_uint64_t>(i);
    const char* name = zip_get_name(zip, index, ZIP_FL_ENC_RAW);
    zip_file_t* file = name != nullptr ? zip_fopen_index(zip, index, 0) : nullptr;
    if (file == nullptr) return false;
    Entry& e = out.emplace_back(Entry{name, {}});
    char chunk[16384];
    zip_int64_t got = 0;
    while ((got = zip_fread(file, chunk, sizeof chunk)) > 0 && e.data.size() <= kMaxEntryBytes) {
      e.data.append(chunk, static_cast<size_t>(got));
    }
    zip_fclose(file);
    if (got < 0 || e.data.size() > kMaxEntryBytes) return false;
  }
  return true;
}

// The entries of the zip archive `data`; nullopt when libzip cannot read it.
std::optional<std::vector<Entry>> Unpack(std::string_view data) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(data.data(), data.size(), 0, &error);
  zip_t* zip = source != nullptr ? zip_open_from_source(source, ZIP_RDONLY, &error) : nullptr;
  zip_error_fini(&error);
  if (zip == nullptr) {
    if (source != nullptr) zip_source_free(source);
    return std::nullopt;
  }
  std::vector<Entry> entries;
  bool read = ReadEntries(zip, entries);
  zip_discard(zip);
  if (!read) return std::nullopt;
  return entries;
}

// The bytes a written buffer source holds.
std::optional<std::string> SourceBytes(zip_source_t* source) {
  if (zip_source_open(source) != 0) return std::nullopt;
  std::string out;
  char chunk[16384];
  zip_int64_t got = 0;
  while ((got = zip_source_read(source, chunk, sizeof chunk)) > 0) {
    out.append(chunk, static_cast<size_t>(got));
  }
  zip_source_close(source);
  if (got < 0) return std::nullopt;
  return out;
}

// `entries` written as a zip archive, every entry stored or deflated; nullopt on failure.
std::optional<std::string> Pack(const std::vector<Entry>& entries, bool deflate) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(nullptr, 0, 0, &error);
  zip_t* zip = source != nullptr ? zip_open_from_source(source, ZIP_TRUNCATE, &error) : nullptr;
  zip_error_fini(&error);
  if (zip == nullptr) {
    if (source != nullptr) zip_source_free(source);
    return std::nullopt;
  }
  zip_source_keep(source);  // zip_close must leave it for us to read
  for (const Entry& e : entries) {
    zip_source_t* content = zip_source_buffer(zip, e.data.data(), e.data.size(), 0);
    zip_int64_t index =
        content != nullptr ? zip_file_add(zip, e.name.c_str(), content, ZIP_FL_OVERWRITE) : -1;
    if (index < 0) {
      if (content != nullptr) zip_source_free(content);
      continue;  // a name libzip will not take (empty): the entry is dropped
    }
    zip_set_file_compression(zip, static_cast<zip_uint64_t>(index),
                             deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 1);
  }
  std::optional<std::string> out;
  if (zip_close(zip) == 0) {
    out = SourceBytes(source);
  } else {
    zip_discard(zip);
  }
  zip_source_free(source);
  return out;
}

// Mutates `s` in place with libFuzzer's mutations, letting it grow by up to half again.
void MutateBytes(std::string& s) {
  if (s.empty()) s = " ";  // libFuzzer mutates at least one byte
  size_t size = s.size();
  s.resize(size + size / 2 + 64);
  s.resize(LLVMFuzzerMutate(reinterpret_cast<uint8_t*>(s.data()), size, s.size()));
}

// Picks the entry to mutate: usually a worksheet or the shared strings, which hold the cells.
Entry& Pick(std::vector<Entry>& entries, std::minstd_rand& rng) {
  std::vector<size_t> cells;
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string& n = entries[i].name;
    if (n.find("worksheets/") != std::string::npos ||
        n.find("sharedStrings") != std::string::npos) {
      cells.push_back(i);
    }
  }
  if (!cells.empty() && rng() % 3 != 0) return entries[cells[rng() % cells.size()]];
  return entries[rng() % entries.size()];
}

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  std::minstd_rand rng(seed);
  if (rng() % 8 == 0) return LLVMFuzzerMutate(data, size, max_size);
  std::optional<std::vector<Entry>> entries =
      Unpack(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!entries || entries->empty()) return LLVMFuzzerMutate(data, size, max_size);
  Entry& target = Pick(*entries, rng);
  unsigned what = rng() % 20;
  if (what == 0) {
    target = entries->back();
    entries->pop_back();
  } else if (what <= 2) {
    MutateBytes(target.name);
  } else {
    MutateBytes(target.data);
  }
  std::optional<std::string> packed = Pack(*entries, rng() % 2 == 0);
  if (!packed || packed->empty() || packed->size() > max_size) {
    return LLVMFuzzerMutate(data, size, max_size);
  }
  std::memcpy(data, packed->data(), packed->size());
  return packed->size();
}
