#include "http/ws_codec.hpp"

#include <algorithm>
#include <utility>

#include "core/strings.hpp"

namespace tr::http::ws {
namespace {

constexpr std::size_t kMaxControlPayload = 125;

bool is_control(std::uint8_t opcode) { return (opcode & 0x8) != 0; }

// Close codes a client may send: those RFC 6455 section 7.4 and the IANA
// registry define (1000-1003, 1007-1014; 1004 is reserved, and 1005, 1006
// and 1015 only ever stand for a missing code), and the ranges left to
// libraries and applications (3000-4999).
bool valid_close_code(std::uint16_t code) {
  if (code >= 3000 && code <= 4999) return true;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

}  // namespace

std::size_t write_header(Opcode opcode, std::size_t payload_size, std::uint8_t* out) {
  out[0] = static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(opcode));  // FIN
  if (payload_size < 126) {
    out[1] = static_cast<std::uint8_t>(payload_size);
    return 2;
  }
  if (payload_size <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<std::uint8_t>(payload_size >> 8);
    out[3] = static_cast<std::uint8_t>(payload_size);
    return 4;
  }
  out[1] = 127;
  const auto size = static_cast<std::uint64_t>(payload_size);
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(size >> (56 - 8 * i));
  return 10;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::string out;
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xFF));
  std::size_t n = std::min(reason.size(), kMaxControlPayload - 2);
  // Do not cut a character in two.
  while (n < reason.size() && n > 0 && (static_cast<unsigned char>(reason[n]) & 0xC0) == 0x80) --n;
  out.append(reason.substr(0, n));
  return out;
}

void FrameParser::fail(std::uint16_t code, std::vector<Event>& events) {
  done_ = true;
  partial_ = std::string();
  message_ = std::string();
  events.push_back(Event{Event::Kind::kFail, {}, code});
}

void FrameParser::feed(std::string_view data, std::vector<Event>& events) {
  if (done_) return;
  if (!partial_.empty()) {
    // Complete the frame held back last time, then go on from `data`.
    partial_.append(data);
    std::string buffered = std::exchange(partial_, std::string());
    std::string_view rest = buffered;
    while (!done_ && !rest.empty()) {
      const std::size_t used = parse_frame(rest, events);
      if (used == 0) break;
      rest.remove_prefix(used);
    }
    if (done_ || rest.empty()) return;
    if (rest.size() == buffered.size()) {
      partial_ = std::move(buffered);  // still the same incomplete frame
    } else {
      partial_.assign(rest);
    }
    return;
  }
  while (!done_ && !data.empty()) {
    const std::size_t used = parse_frame(data, events);
    if (used == 0) break;
    data.remove_prefix(used);
  }
  if (!done_ && !data.empty()) partial_.assign(data);
}

std::size_t FrameParser::parse_frame(std::string_view data, std::vector<Event>& events) {
  if (data.size() < 2) return 0;
  const auto b0 = static_cast<std::uint8_t>(data[0]);
  const auto b1 = static_cast<std::uint8_t>(data[1]);
  const bool fin = (b0 & 0x80) != 0;
  const std::uint8_t opcode = b0 & 0x0F;
  if ((b0 & 0x70) != 0) return fail(kCloseProtocolError, events), 0;  // no extensions
  if ((b1 & 0x80) == 0) return fail(kCloseProtocolError, events), 0;  // clients must mask

  // Checks that need only the first two bytes come first, so that a frame
  // that must be refused is refused before its payload is waited for.
  const bool control = is_control(opcode);
  const std::uint64_t short_length = b1 & 0x7F;
  if (control) {
    if (opcode > static_cast<std::uint8_t>(Opcode::kPong) || !fin ||
        short_length > kMaxControlPayload) {
      return fail(kCloseProtocolError, events), 0;
    }
  } else if (opcode == static_cast<std::uint8_t>(Opcode::kBinary)) {
    return fail(kCloseUnsupportedData, events), 0;
  } else if (opcode == static_cast<std::uint8_t>(Opcode::kText)) {
    if (in_message_) return fail(kCloseProtocolError, events), 0;
  } else if (opcode == static_cast<std::uint8_t>(Opcode::kContinuation)) {
    if (!in_message_) return fail(kCloseProtocolError, events), 0;
  } else {
    return fail(kCloseProtocolError, events), 0;  // reserved data opcode
  }

  std::size_t header = 2;
  std::uint64_t length = short_length;
  if (short_length == 126) {
    if (data.size() < 4) return 0;
    length = (static_cast<std::uint64_t>(static_cast<std::uint8_t>(data[2])) << 8) |
             static_cast<std::uint8_t>(data[3]);
    // RFC 6455 5.2: the minimal number of bytes MUST be used for the length.
    if (length < 126) return fail(kCloseProtocolError, events), 0;
    header = 4;
  } else if (short_length == 127) {
    if (data.size() < 10) return 0;
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | static_cast<std::uint8_t>(data[2 + i]);
    if (length >> 63 || length <= 0xFFFF) return fail(kCloseProtocolError, events), 0;
    header = 10;
  }
  if (!control && length > max_message_ - std::min(max_message_, message_.size())) {
    return fail(kCloseTooBig, events), 0;
  }
  if (data.size() < header + 4) return 0;
  const auto* mask = reinterpret_cast<const std::uint8_t*>(data.data() + header);
  header += 4;
  if (data.size() - header < length) return 0;

  std::string payload(data.substr(header, static_cast<std::size_t>(length)));
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] ^= static_cast<char>(mask[i & 3]);
  const std::size_t used = header + static_cast<std::size_t>(length);

  switch (static_cast<Opcode>(opcode)) {
    case Opcode::kText:
    case Opcode::kContinuation:
      if (message_.empty()) {
        message_ = std::move(payload);
      } else {
        message_.append(payload);
      }
      in_message_ = !fin;
      if (fin) {
        if (!is_valid_utf8(message_)) return fail(kCloseInvalidPayload, events), used;
        events.push_back(Event{Event::Kind::kText, std::exchange(message_, std::string()), 0});
      }
      break;
    case Opcode::kPing:
      events.push_back(Event{Event::Kind::kPing, std::move(payload), 0});
      break;
    case Opcode::kPong:
      events.push_back(Event{Event::Kind::kPong, std::move(payload), 0});
      break;
    case Opcode::kClose: {
      if (payload.size() == 1) return fail(kCloseProtocolError, events), used;
      std::uint16_t code = kCloseNoStatus;
      std::string reason;
      if (payload.size() >= 2) {
        code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(payload[0]) << 8) |
                                          static_cast<std::uint8_t>(payload[1]));
        if (!valid_close_code(code)) return fail(kCloseProtocolError, events), used;
        reason = payload.substr(2);
        if (!is_valid_utf8(reason)) return fail(kCloseInvalidPayload, events), used;
      }
      done_ = true;
      partial_ = std::string();
      message_ = std::string();
      events.push_back(Event{Event::Kind::kClose, std::move(reason), code});
      break;
    }
    case Opcode::kBinary:
      break;  // refused above
  }
  return used;
}

}  // namespace tr::http::ws
