#include "core/ids.hpp"

#include <sys/random.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace tr {
namespace {

constexpr char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Kernel CSPRNG: ids double as unguessable secrets (refresh tokens).
void fill_random(std::uint8_t* out, std::size_t n) {
  while (n > 0) {
    ssize_t got = ::getrandom(out, n, 0);
    if (got < 0) throw std::runtime_error("getrandom failed");
    out += got;
    n -= static_cast<std::size_t>(got);
  }
}

}  // namespace

std::string random_token(std::size_t bytes) {
  std::vector<std::uint8_t> raw(bytes);
  fill_random(raw.data(), raw.size());
  std::string out;
  out.reserve(bytes * 4 / 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::uint8_t b : raw) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3F]);
  return out;
}

std::string new_id() {
  // Base64 digits in ASCII order: '-' < '0'-'9' < 'A'-'Z' < '_' < 'a'-'z'.
  static constexpr char kSortable[] =
      "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
  const auto ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  std::string out(22, '-');
  for (int i = 0; i < 8; ++i) out[i] = kSortable[(ms >> (42 - 6 * i)) & 0x3F];  // 48 bits
  std::uint8_t random[14];
  fill_random(random, sizeof random);
  for (int i = 0; i < 14; ++i) out[8 + i] = kSortable[random[i] & 0x3F];  // 84 bits
  return out;
}

}  // namespace tr
