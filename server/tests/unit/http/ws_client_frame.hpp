#pragma once
// Test helper: a WebSocket frame as a client sends it (RFC 6455), with the
// length in the fewest bytes and the payload masked with `key` (or sent
// unmasked, which a server must refuse).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tr::http::ws::testing {

inline std::string client_frame(std::uint8_t first_byte, std::string_view payload,
                                std::array<char, 4> key = {0x12, 0x34, 0x56, 0x78},
                                bool mask = true) {
  std::string out;
  out.push_back(static_cast<char>(first_byte));
  const std::uint8_t mask_bit = mask ? 0x80 : 0x00;
  if (payload.size() < 126) {
    out.push_back(static_cast<char>(mask_bit | payload.size()));
  } else if (payload.size() <= 0xFFFF) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>(payload.size() >> 8));
    out.push_back(static_cast<char>(payload.size() & 0xFF));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((payload.size() >> (8 * i)) & 0xFF));
  }
  if (mask) out.append(key.data(), key.size());
  for (std::size_t i = 0; i < payload.size(); ++i) {
    out.push_back(mask ? static_cast<char>(payload[i] ^ key[i & 3]) : payload[i]);
  }
  return out;
}

}  // namespace tr::http::ws::testing
