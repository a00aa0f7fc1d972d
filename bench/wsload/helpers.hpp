// Small helpers shared by the scenarios: reading a number at the start of a
// piece of frame text, and turning a count map into a JSON object.
#pragma once

#include <boost/json/object.hpp>

#include <charconv>
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

}  // namespace wsload
