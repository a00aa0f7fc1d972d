// Reads the few fields the load generator needs from a server frame with
// Boost.JSON, reusing its memory from one frame to the next.
#pragma once

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string_view>

namespace wsload {

class FrameReader {
 public:
  FrameReader();

  // Parses `text`; false if it is not a JSON object. The fields read below
  // stay valid until the next parse().
  bool parse(std::string_view text);

  // The string at `key` (or at object `key`, then `inner`); empty if it is
  // missing or not a string.
  std::string_view str(std::string_view key) const;
  std::string_view str(std::string_view key, std::string_view inner) const;

 private:
  unsigned char parser_memory_[4096];
  unsigned char value_memory_[16384];
  // Made afresh for every frame: starts in value_memory_ and only takes heap
  // memory for a frame that does not fit.
  std::optional<boost::json::monotonic_resource> resource_;
  boost::json::parser parser_;
  boost::json::value value_;
};

}  // namespace wsload

namespace wsload {

// The fan-out receivers' fast path: finds the content of a `message` frame
// as the server writes it ({"type":"message",…,"message":{…,"content":"…"…}})
// without parsing the whole frame. A JSON string cannot hold an unescaped
// quote, so the first `"content":"` after `"message":{` is a key.
// The type of a frame that starts with {"type":"…" as the server writes it;
// empty for any other shape (then parse it properly).
std::string_view leading_type(std::string_view frame);

enum class Scan {
  found,        // content is set (no escapes in it)
  not_message,  // a frame of another type
  unknown,      // another shape, or escapes in the content: parse it properly
};
Scan scan_message_content(std::string_view frame, std::string_view& content);

}  // namespace wsload
