// FrameParser against generated input (fixed seeds, so every run is the same):
// streams of valid client frames come back as exactly the messages and pings
// they carry, however the bytes are cut; the same streams with bytes changed,
// and plain noise, never crash the parser (the test build runs under
// ASan/UBSan), never yield anything after a close or a failure, and never
// yield a text message that is not UTF-8 or over the limit.
#include "http/ws_codec.hpp"
#include "ws_client_frame.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/strings.hpp"

namespace tr::http::ws {
namespace {

constexpr std::size_t kLimit = 70'000;

// A client frame masked with a random key.
std::string client_frame(std::uint8_t first_byte, std::string_view payload, std::mt19937& rng) {
  std::array<char, 4> key;
  for (char& k : key) k = static_cast<char>(rng() & 0xFF);
  return testing::client_frame(first_byte, payload, key);
}

// Random UTF-8 text of about `size` bytes: ASCII, Chinese and emoji.
std::string random_text(std::size_t size, std::mt19937& rng) {
  static const std::vector<std::string> kPieces = {"a", "Z", "7", " ", "{", "\"", "沖", "壓", "機",
                                                   "卡", "料", "😀", "é", "\xF0\x9F\x94\xA7"};
  std::string out;
  while (out.size() < size) out += kPieces[rng() % kPieces.size()];
  return out;
}

std::size_t random_size(std::mt19937& rng) {
  // The length encodings' edges come up often.
  static const std::size_t kEdges[] = {0, 1, 125, 126, 127, 65535, 65536, 65537};
  if (rng() % 4 == 0) return kEdges[rng() % std::size(kEdges)];
  return rng() % 3000;
}

struct Stream {
  std::string bytes;
  std::vector<Event> expected;
};

// A few text messages (some cut into fragments at any byte, even inside a
// character, with pings between the fragments), each followed now and then
// by a ping or a pong.
Stream valid_stream(std::mt19937& rng) {
  Stream s;
  const int messages = 1 + static_cast<int>(rng() % 6);
  for (int m = 0; m < messages; ++m) {
    const std::string text = random_text(random_size(rng), rng);
    const int fragments = 1 + static_cast<int>(rng() % 4);
    std::size_t at = 0;
    for (int f = 0; f < fragments; ++f) {
      const bool last = f == fragments - 1;
      const std::size_t size = last ? text.size() - at : rng() % (text.size() - at + 1);
      const std::uint8_t opcode = f == 0 ? 0x1 : 0x0;
      s.bytes += client_frame(static_cast<std::uint8_t>((last ? 0x80 : 0x00) | opcode),
                              std::string_view(text).substr(at, size), rng);
      at += size;
      if (!last && rng() % 3 == 0) {
        const std::string data = random_text(rng() % 40, rng);
        s.bytes += client_frame(0x89, data, rng);
        s.expected.push_back(Event{Event::Kind::kPing, data, 0});
      }
    }
    s.expected.push_back(Event{Event::Kind::kText, text, 0});
    if (rng() % 4 == 0) {
      s.bytes += client_frame(0x8A, "", rng);
      s.expected.push_back(Event{Event::Kind::kPong, "", 0});
    }
  }
  return s;
}

// Feeds `bytes` in pieces of random sizes (1 byte up to all of it).
std::vector<Event> feed_in_pieces(const std::string& bytes, std::mt19937& rng, FrameParser& parser) {
  std::vector<Event> events;
  std::size_t at = 0;
  while (at < bytes.size()) {
    const std::size_t max_piece = rng() % 2 ? 7 : bytes.size();
    const std::size_t piece = 1 + rng() % max_piece;
    parser.feed(std::string_view(bytes).substr(at, piece), events);
    at += piece;
  }
  return events;
}

TEST(WsCodecRandom, ValidStreamsComeBackExactlyHoweverTheBytesAreCut) {
  for (std::uint32_t seed = 1; seed <= 300; ++seed) {
    std::mt19937 rng(seed);
    const Stream s = valid_stream(rng);
    FrameParser parser(kLimit);
    const std::vector<Event> events = feed_in_pieces(s.bytes, rng, parser);
    ASSERT_EQ(events.size(), s.expected.size()) << "seed " << seed;
    for (std::size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(events[i].kind, s.expected[i].kind) << "seed " << seed << " event " << i;
      EXPECT_EQ(events[i].payload, s.expected[i].payload) << "seed " << seed << " event " << i;
    }
    EXPECT_FALSE(parser.done()) << "seed " << seed;
  }
}

// What a parser may hand on, whatever it was fed.
void expect_sane(const std::vector<Event>& events, const FrameParser& parser, std::uint32_t seed) {
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    const bool ends = e.kind == Event::Kind::kClose || e.kind == Event::Kind::kFail;
    if (ends) {
      EXPECT_EQ(i, events.size() - 1) << "seed " << seed << ": events after a close or a failure";
      EXPECT_TRUE(parser.done()) << "seed " << seed;
    }
    if (e.kind == Event::Kind::kText) {
      EXPECT_TRUE(is_valid_utf8(e.payload)) << "seed " << seed;
      EXPECT_LE(e.payload.size(), kLimit) << "seed " << seed;
    }
    if (e.kind == Event::Kind::kPing || e.kind == Event::Kind::kPong) {
      EXPECT_LE(e.payload.size(), 125u) << "seed " << seed;
    }
    if (e.kind == Event::Kind::kFail) {
      const std::uint16_t c = e.code;
      EXPECT_TRUE(c == kCloseProtocolError || c == kCloseUnsupportedData ||
                  c == kCloseInvalidPayload || c == kCloseTooBig)
          << "seed " << seed << ": code " << c;
    }
  }
}

TEST(WsCodecRandom, ChangedBytesAndNoiseNeverBreakTheParser) {
  for (std::uint32_t seed = 1; seed <= 600; ++seed) {
    std::mt19937 rng(seed);
    std::string bytes;
    if (seed % 5 == 0) {
      bytes.resize(rng() % 4000);
      for (char& c : bytes) c = static_cast<char>(rng() & 0xFF);  // plain noise
    } else {
      bytes = valid_stream(rng).bytes;
      const int changes = 1 + static_cast<int>(rng() % 4);
      for (int i = 0; i < changes && !bytes.empty(); ++i) {
        bytes[rng() % bytes.size()] = static_cast<char>(rng() & 0xFF);
      }
      if (rng() % 4 == 0) bytes.resize(rng() % (bytes.size() + 1));  // cut short
    }
    FrameParser parser(kLimit);
    const std::vector<Event> events = feed_in_pieces(bytes, rng, parser);
    expect_sane(events, parser, seed);
  }
}

}  // namespace
}  // namespace tr::http::ws
