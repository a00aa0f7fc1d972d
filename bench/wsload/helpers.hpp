// Small helpers shared by the scenarios: reading a number at the start of a
// piece of frame text, turning a count map into a JSON object, and
// percent-encoding a query parameter.
#pragma once

#include <boost/json/object.hpp>

#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace wsload {

// Reads the non-negative number at the start of s into out, and how many
// characters it took into used; false if s does not start with one.
inline bool leading_number(std::string_view s, std::int64_t& out, std::size_t& used) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  used = static_cast<std::size_t>(end - s.data());
  return ec == std::errc() && used > 0 && out >= 0;
}

inline boost::json::object counts_object(const std::map<std::string, int>& counts) {
  boost::json::object out;
  for (const auto& [key, n] : counts) out[key] = n;
  return out;
}

// Percent-encodes all but RFC 3986 unreserved characters.
inline std::string url_encode(std::string_view s) {
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", u);
      out += hex;
    }
  }
  return out;
}

}  // namespace wsload
