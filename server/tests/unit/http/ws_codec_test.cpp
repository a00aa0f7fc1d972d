#include "http/ws_codec.hpp"
#include "ws_client_frame.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tr::http::ws {
namespace {

// A client frame, masked with a fixed key unless `mask` is false.
std::string client_frame(std::uint8_t first_byte, std::string_view payload, bool mask = true) {
  return testing::client_frame(first_byte, payload, {0x12, 0x34, 0x56, 0x78}, mask);
}

std::string text(std::string_view payload) { return client_frame(0x81, payload); }

std::vector<Event> parse(const std::string& bytes, std::size_t limit = 64 * 1024,
                         std::size_t piece = 0) {
  FrameParser parser(limit);
  std::vector<Event> events;
  if (piece == 0) {
    parser.feed(bytes, events);
  } else {
    for (std::size_t i = 0; i < bytes.size(); i += piece) {
      parser.feed(std::string_view(bytes).substr(i, piece), events);
    }
  }
  return events;
}

void expect_fail(const std::vector<Event>& events, std::uint16_t code) {
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().kind, Event::Kind::kFail);
  EXPECT_EQ(events.back().code, code);
}

TEST(WsCodec, TextMessagesInAnyPieces) {
  const std::string big(70000 - 1, 'x');
  const std::string bytes = text("{\"type\":\"ping\"}") + text("沖壓機") + text(big);
  for (std::size_t piece : {0, 1, 3, 7, 1000}) {
    auto events = parse(bytes, 70000, piece);
    ASSERT_EQ(events.size(), 3u) << "piece " << piece;
    EXPECT_EQ(events[0].payload, "{\"type\":\"ping\"}");
    EXPECT_EQ(events[1].payload, "沖壓機");
    EXPECT_EQ(events[2].payload, big);
    for (const auto& e : events) EXPECT_EQ(e.kind, Event::Kind::kText);
  }
}

TEST(WsCodec, FragmentsAreJoinedAndControlFramesMayComeBetween) {
  const std::string bytes = client_frame(0x01, "沖") + client_frame(0x89, "are you there") +
                            client_frame(0x00, "壓") + client_frame(0x80, "機");
  auto events = parse(bytes, 1024, 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, Event::Kind::kPing);
  EXPECT_EQ(events[0].payload, "are you there");
  EXPECT_EQ(events[1].kind, Event::Kind::kText);
  EXPECT_EQ(events[1].payload, "沖壓機");  // a character split across fragments is fine
}

TEST(WsCodec, Utf8IsCheckedOnTheWholeMessageNotEachFragment) {
  // 😀 (F0 9F 98 80) split inside the character: valid once joined.
  const std::string face = "\xF0\x9F\x98\x80";
  auto joined = parse(client_frame(0x01, "a" + face.substr(0, 1)) +
                      client_frame(0x00, face.substr(1, 2)) + client_frame(0x80, face.substr(3)));
  ASSERT_EQ(joined.size(), 1u);
  EXPECT_EQ(joined[0].kind, Event::Kind::kText);
  EXPECT_EQ(joined[0].payload, "a" + face);
  // Each fragment on its own looks fine, but together they are not UTF-8: a
  // lead byte followed by another lead byte, and a sequence left unfinished.
  expect_fail(parse(client_frame(0x01, "ok \xE6") + client_frame(0x80, "\xE6\xB2\x96")),
              kCloseInvalidPayload);
  expect_fail(parse(client_frame(0x01, "ok") + client_frame(0x80, "\xE6\xB2")),
              kCloseInvalidPayload);
  // An overlong encoding split across fragments.
  expect_fail(parse(client_frame(0x01, "\xC0") + client_frame(0x80, "\xAF")), kCloseInvalidPayload);
}

TEST(WsCodec, PongsAndCloseWithCodeAndReason) {
  auto events = parse(client_frame(0x8A, "") + client_frame(0x88, std::string("\x03\xe8") + "bye") +
                      text("after close"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, Event::Kind::kPong);
  EXPECT_EQ(events[1].kind, Event::Kind::kClose);
  EXPECT_EQ(events[1].code, 1000);
  EXPECT_EQ(events[1].payload, "bye");
  auto bare = parse(client_frame(0x88, ""));
  ASSERT_EQ(bare.size(), 1u);
  EXPECT_EQ(bare[0].code, kCloseNoStatus);
}

// A close frame from the client carrying `code`.
std::string close_frame(std::uint16_t code) {
  const char bytes[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  return client_frame(0x88, std::string_view(bytes, 2));
}

TEST(WsCodec, CloseCodesTheRfcAndRegistryAllow) {
  for (std::uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013,
                             1014, 3000, 3999, 4000, 4999}) {
    auto events = parse(close_frame(code));
    ASSERT_EQ(events.size(), 1u) << code;
    EXPECT_EQ(events[0].kind, Event::Kind::kClose) << code;
    EXPECT_EQ(events[0].code, code);
  }
  // Reserved, never sent (1005, 1006, 1015 mean "no code"), unassigned, or out of range.
  for (std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    expect_fail(parse(close_frame(code)), kCloseProtocolError);
  }
}

TEST(WsCodec, ProtocolErrorsAre1002) {
  expect_fail(parse(client_frame(0x81, "hi", false)), kCloseProtocolError);  // unmasked
  expect_fail(parse(client_frame(0xC1, "hi")), kCloseProtocolError);         // RSV1
  expect_fail(parse(client_frame(0x83, "hi")), kCloseProtocolError);         // reserved opcode
  expect_fail(parse(client_frame(0x8B, "")), kCloseProtocolError);           // reserved control
  expect_fail(parse(client_frame(0x80, "hi")), kCloseProtocolError);         // stray continuation
  expect_fail(parse(client_frame(0x01, "a") + text("b")), kCloseProtocolError);  // text in a text
  expect_fail(parse(client_frame(0x09, "")), kCloseProtocolError);           // fragmented ping
  expect_fail(parse(client_frame(0x89, std::string(126, 'p'))), kCloseProtocolError);
  expect_fail(parse(client_frame(0x88, "x")), kCloseProtocolError);          // 1-byte close
  expect_fail(parse(client_frame(0x88, "\x03\xed")), kCloseProtocolError);   // code 1005
  // Lengths not written in the fewest bytes, and a 64-bit length with its top bit set.
  const std::string key = "\x12\x34\x56\x78";
  expect_fail(parse(std::string("\x81\xFE\x00\x05", 4) + key + "hello"), kCloseProtocolError);
  expect_fail(parse(std::string("\x81\xFF\0\0\0\0\0\0\x01\x00", 10) + key),
              kCloseProtocolError);
  expect_fail(parse(std::string("\x81\xFF\x80\0\0\0\0\0\0\x05", 10) + key),
              kCloseProtocolError);
}

TEST(WsCodec, BinaryIs1003InvalidUtf8Is1007) {
  expect_fail(parse(client_frame(0x82, "\x01\x02")), kCloseUnsupportedData);
  expect_fail(parse(text("\xff\xfe")), kCloseInvalidPayload);
  expect_fail(parse(text("\xed\xa0\x80")), kCloseInvalidPayload);  // a surrogate
  expect_fail(parse(client_frame(0x88, "\x03\xe8\xff")), kCloseInvalidPayload);
}

TEST(WsCodec, TooBigIsRefusedOnTheHeader) {
  expect_fail(parse(text(std::string(1025, 'x')), 1024), kCloseTooBig);
  // Fragments count together.
  expect_fail(parse(client_frame(0x01, std::string(600, 'a')) + client_frame(0x80, std::string(600, 'b')),
                    1024),
              kCloseTooBig);
  // Only the header has arrived: refused without waiting for 1 GiB.
  std::string header = client_frame(0x81, "").substr(0, 1);
  header.push_back(static_cast<char>(0x80 | 127));
  for (int i = 7; i >= 0; --i) header.push_back(static_cast<char>(((1ull << 30) >> (8 * i)) & 0xFF));
  expect_fail(parse(header, 64 * 1024), kCloseTooBig);
  EXPECT_EQ(parse(text(std::string(1024, 'x')), 1024).back().kind, Event::Kind::kText);
}

TEST(WsCodec, NothingAfterAFailure) {
  FrameParser parser(1024);
  std::vector<Event> events;
  parser.feed(client_frame(0x82, "x"), events);
  parser.feed(text("hello"), events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(parser.done());
}

TEST(WsCodec, ServerHeaders) {
  std::uint8_t h[kMaxHeaderBytes];
  EXPECT_EQ(write_header(Opcode::kText, 5, h), 2u);
  EXPECT_EQ(h[0], 0x81);
  EXPECT_EQ(h[1], 5);
  EXPECT_EQ(write_header(Opcode::kText, 300, h), 4u);
  EXPECT_EQ(h[1], 126);
  EXPECT_EQ((h[2] << 8) | h[3], 300);
  EXPECT_EQ(write_header(Opcode::kPong, 70000, h), 10u);
  EXPECT_EQ(h[0], 0x8A);
  EXPECT_EQ(h[1], 127);
  EXPECT_EQ((h[7] << 16) | (h[8] << 8) | h[9], 70000);
}

TEST(WsCodec, ClosePayloadFitsAControlFrame) {
  EXPECT_EQ(close_payload(4401, "expired"), std::string("\x11\x31") + "expired");
  const std::string chinese(200, 'x');
  EXPECT_EQ(close_payload(1000, chinese).size(), 125u);
  std::string wide;
  for (int i = 0; i < 60; ++i) wide += "機";  // 3 bytes each
  const std::string cut = close_payload(1000, wide);
  EXPECT_LE(cut.size(), 125u);
  EXPECT_EQ((cut.size() - 2) % 3, 0u) << "no character cut in two";
}

}  // namespace
}  // namespace tr::http::ws
