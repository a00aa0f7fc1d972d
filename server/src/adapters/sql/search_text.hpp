#pragma once
// How search text meets SQLite's FTS5 indexes (rooms and messages).
//
// Three characters or more: the text as one phrase of the trigram indexes.
//
// One or two characters: the trigram index cannot find
// them (a trigram is three characters), so a second FTS5 index,
// `room_search_short` (migration 007), holds every pair of neighbouring
// characters of each column, and each column's last character alone, as
// tokens: a text of one or two characters occurs in a column exactly when its
// token, or for one character a token starting with it, is there.
//
// Tokens are the hex of the pair's UTF-8 bytes, ASCII letters lowered first
// (the same case rule as LIKE), so that FTS5's `ascii` tokenizer takes each
// pair whole whatever its characters (spaces and punctuation included). UTF-8
// is prefix-free, so the hex of one character is a prefix only of tokens
// that start with that character.
//
// The index is filled by triggers that call the SQL function
// tr_search_grams(column, ...), registered on every connection.

#include <initializer_list>
#include <string>
#include <string_view>

namespace sqlite_api {
struct sqlite3;
}

namespace tr::sql {

// The tokens of some columns' text, separated by spaces (what
// tr_search_grams returns).
std::string search_grams(std::initializer_list<std::string_view> columns);

// `text` as one FTS5 phrase (quotes doubled). With the trigram tokenizer a
// phrase is a substring match: the query for three characters or more.
std::string fts5_phrase(std::string_view text);

// The FTS5 query that finds `text` (one or two characters) in room_search_short.
std::string short_search_query(std::string_view text);

// Registers tr_search_grams on `db`; throws std::runtime_error on failure.
void register_search_grams(sqlite_api::sqlite3* db);

}  // namespace tr::sql
