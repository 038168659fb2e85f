#include "mail/base64.h"

#include <array>
#include <cstdint>

namespace sms::mail {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Value of each base64 character; -1 for every other byte.
constexpr std::array<int8_t, 256> DecodeTable() {
  std::array<int8_t, 256> table{};
  table.fill(-1);
  for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = int8_t(i);
  return table;
}

constexpr std::array<int8_t, 256> kDecode = DecodeTable();

}  // namespace

std::string Base64Encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  for (size_t i = 0; i < data.size(); i += 3) {
    uint32_t n = static_cast<unsigned char>(data[i]) << 16;
    if (i + 1 < data.size()) n |= static_cast<unsigned char>(data[i + 1]) << 8;
    if (i + 2 < data.size()) n |= static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < data.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') pad = text[text.size() - 2] == '=' ? 2 : 1;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    size_t chars = last ? 4 - pad : 4;  // significant characters in this quantum
    uint32_t n = 0;
    for (size_t k = 0; k < 4; ++k) {
      int v = k < chars ? kDecode[static_cast<unsigned char>(text[i + k])] : 0;
      if (v < 0) return std::nullopt;  // also catches a '=' before the end
      n = n << 6 | uint32_t(v);
    }
    // Unused bits must be zero, so every byte string has exactly one encoding.
    if ((chars == 2 && (n & 0xFFFF) != 0) || (chars == 3 && (n & 0xFF) != 0)) return std::nullopt;
    out += char(n >> 16);
    if (chars > 2) out += char((n >> 8) & 0xFF);
    if (chars > 3) out += char(n & 0xFF);
  }
  return out;
}

}  // namespace sms::mail
