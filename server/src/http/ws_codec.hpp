#pragma once
// WebSocket framing (RFC 6455), server side, without I/O: the parser of the
// frames a client sends and the headers of the frames the server sends.
//
// FrameParser takes the bytes read from a client in any pieces and turns them
// into events: a whole text message (fragments joined, UTF-8 checked), a
// ping, a pong, a close. A frame that breaks the protocol ends parsing with a
// kFail event naming the close code to answer with: 1002 (unmasked frame,
// reserved bits, bad opcode, bad control frame, continuation out of place),
// 1003 (binary data, which this server does not take), 1007 (text that is not
// UTF-8), 1009 (a message over the size limit, refused on its header before
// its payload is held). Extensions are never negotiated, so no reserved bit
// may be set. Memory is held only while a frame or message is incomplete.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tr::http::ws {

enum class Opcode : std::uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

inline constexpr std::uint16_t kCloseNormal = 1000;
inline constexpr std::uint16_t kCloseProtocolError = 1002;
inline constexpr std::uint16_t kCloseUnsupportedData = 1003;
inline constexpr std::uint16_t kCloseNoStatus = 1005;  // received without a code; never sent
inline constexpr std::uint16_t kCloseInvalidPayload = 1007;
inline constexpr std::uint16_t kClosePolicyViolation = 1008;
inline constexpr std::uint16_t kCloseTooBig = 1009;

// The longest header a server frame needs.
inline constexpr std::size_t kMaxHeaderBytes = 10;

// Writes the header of an unfragmented, unmasked server frame carrying
// `payload_size` bytes into `out`; returns its length (2, 4 or 10).
std::size_t write_header(Opcode opcode, std::size_t payload_size, std::uint8_t* out);

// The payload of a close frame: the code, then the reason cut to fit the
// 125 bytes of a control frame (at a character boundary).
std::string close_payload(std::uint16_t code, std::string_view reason);

struct Event {
  enum class Kind { kText, kPing, kPong, kClose, kFail };
  Kind kind;
  std::string payload;     // kText: the message; kPing, kPong: the data; kClose: the reason
  std::uint16_t code = 0;  // kClose: the client's code (kCloseNoStatus without one);
                           // kFail: the code to close with
};

class FrameParser {
 public:
  explicit FrameParser(std::size_t max_message_bytes) : max_message_(max_message_bytes) {}

  // Parses `data` (the next bytes from the client) and appends what it
  // completes to `events`. After a kClose or kFail event the parser takes
  // nothing more.
  void feed(std::string_view data, std::vector<Event>& events);

  bool done() const { return done_; }

 private:
  // Parses one frame at the front of `data`; returns the bytes it used, or 0
  // when the frame is not complete yet.
  std::size_t parse_frame(std::string_view data, std::vector<Event>& events);
  void fail(std::uint16_t code, std::vector<Event>& events);

  std::size_t max_message_;
  std::string partial_;  // the start of a frame not complete yet
  std::string message_;  // the fragments of a text message so far
  bool in_message_ = false;
  bool done_ = false;
};

}  // namespace tr::http::ws
