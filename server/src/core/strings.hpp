#pragma once
// Small text helpers shared across layers. Pure functions.

#include <string>
#include <string_view>

namespace tr {

// ASCII letters lowered; other bytes (UTF-8 Chinese included) unchanged.
std::string ascii_lower(std::string_view s);

// `s` without leading and trailing ASCII whitespace.
std::string trim(std::string_view s);

// True when `s` is valid UTF-8 (shortest forms, no surrogates).
bool is_valid_utf8(std::string_view s);

// True when `s` is valid UTF-8 without control characters other than \n \t \r.
bool is_clean_utf8(std::string_view s);

// Number of Unicode code points in valid UTF-8.
std::size_t utf8_length(std::string_view s);

}  // namespace tr
