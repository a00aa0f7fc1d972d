#pragma once
// Identifiers: URL-safe, 22-character ids used as primary keys, and random
// secrets for tokens. Thread-safe.
// An id is 48 bits of creation time (ms) then 84 random bits, written with an
// alphabet in ASCII order, so ids sort by creation time: new rows land at the
// end of every index on an id instead of on a random page (fewer pages to
// write per commit), and 84 random bits keep ids unguessable.

#include <string>

namespace tr {

// A new id, e.g. "0SPXm4Uk2mQ1tZ7sYw4aHg"; later ids compare greater (from
// one millisecond to the next).
std::string new_id();

// `bytes` random bytes, base64url-encoded without padding.
std::string random_token(std::size_t bytes);

}  // namespace tr
