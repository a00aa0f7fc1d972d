#pragma once
// Identifiers: random, URL-safe, 22-character ids (128 bits, base64url) used as
// primary keys, and random secrets for tokens. Thread-safe.

#include <string>

namespace tr {

// A new random id, e.g. "3qX9v0bK2mQ1tZ7sYw4aHg".
std::string new_id();

// `bytes` random bytes, base64url-encoded without padding.
std::string random_token(std::size_t bytes);

}  // namespace tr
