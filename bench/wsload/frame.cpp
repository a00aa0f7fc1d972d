// Frame field reading with Boost.JSON (see frame.hpp).
#include "frame.hpp"

namespace wsload {

namespace json = boost::json;

namespace {

std::string_view string_in(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

}  // namespace

FrameReader::FrameReader()
    : parser_(json::storage_ptr(), json::parse_options(), parser_memory_,
                                sizeof parser_memory_) {}

bool FrameReader::parse(std::string_view text) {
  // Drop the previous frame (and any partial parse) before its memory is reused.
  parser_.reset();
  value_ = nullptr;
  resource_.emplace(value_memory_, sizeof value_memory_);
  parser_.reset(&*resource_);
  json::error_code ec;
  parser_.write(text, ec);
  if (ec) return false;  // (write() takes the text as complete: a truncated one is an error)
  value_ = parser_.release();
  return value_.is_object();
}

std::string_view FrameReader::str(std::string_view key) const {
  return value_.is_object() ? string_in(value_.get_object(), key) : std::string_view();
}

std::string_view FrameReader::str(std::string_view key, std::string_view inner) const {
  if (!value_.is_object()) return {};
  const json::value* v = value_.get_object().if_contains(key);
  return v != nullptr && v->is_object() ? string_in(v->get_object(), inner) : std::string_view();
}

}  // namespace wsload

namespace wsload {

std::string_view leading_type(std::string_view frame) {
  constexpr std::string_view kType = "{\"type\":\"";
  if (!frame.starts_with(kType)) return {};
  const std::string_view rest = frame.substr(kType.size());
  const std::size_t end = rest.find_first_of("\"\\");
  return end != std::string_view::npos && rest[end] == '"' ? rest.substr(0, end) : std::string_view();
}

Scan scan_message_content(std::string_view frame, std::string_view& content) {
  const std::string_view type = leading_type(frame);
  if (type.empty()) return Scan::unknown;
  if (type != "message") return Scan::not_message;
  const std::size_t message = frame.find("\"message\":{");
  if (message == std::string_view::npos) return Scan::unknown;
  constexpr std::string_view kContent = "\"content\":\"";
  const std::size_t key = frame.find(kContent, message);
  if (key == std::string_view::npos) return Scan::unknown;
  const std::string_view value = frame.substr(key + kContent.size());
  const std::size_t end = value.find_first_of("\"\\");
  if (end == std::string_view::npos || value[end] != '"') return Scan::unknown;
  content = value.substr(0, end);
  return Scan::found;
}

}  // namespace wsload
