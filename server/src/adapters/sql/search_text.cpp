#include "adapters/sql/search_text.hpp"

#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "core/strings.hpp"

namespace tr::sql {
namespace {

// Byte length of the UTF-8 sequence starting with `lead` (1 for a stray byte).
std::size_t sequence_length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

void append_hex(std::string& out, std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0F]);
  }
}

void append_column_grams(std::string& out, std::string_view column) {
  const std::string text = ascii_lower(column);
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < text.size();) {
    starts.push_back(i);
    i += sequence_length(static_cast<unsigned char>(text[i]));
  }
  starts.push_back(text.size());
  for (std::size_t k = 0; k + 1 < starts.size(); ++k) {
    // The character at k and the next one; the last character alone.
    const std::size_t end = starts[std::min(k + 2, starts.size() - 1)];
    if (!out.empty()) out.push_back(' ');
    append_hex(out, std::string_view(text).substr(starts[k], end - starts[k]));
  }
}

void sql_search_grams(sqlite_api::sqlite3_context* ctx, int argc,
                      sqlite_api::sqlite3_value** argv) {
  std::string out;
  try {
    for (int i = 0; i < argc; ++i) {
      const auto* text = sqlite_api::sqlite3_value_text(argv[i]);
      if (!text) continue;  // NULL
      const auto size = static_cast<std::size_t>(sqlite_api::sqlite3_value_bytes(argv[i]));
      append_column_grams(out, std::string_view(reinterpret_cast<const char*>(text), size));
    }
  } catch (const std::exception&) {
    sqlite_api::sqlite3_result_error_nomem(ctx);
    return;
  }
  sqlite_api::sqlite3_result_text(ctx, out.data(), static_cast<int>(out.size()),
                                  reinterpret_cast<sqlite_api::sqlite3_destructor_type>(-1));  // SQLITE_TRANSIENT
}

}  // namespace

std::string search_grams(std::initializer_list<std::string_view> columns) {
  std::string out;
  for (auto column : columns) append_column_grams(out, column);
  return out;
}

std::string fts5_phrase(std::string_view text) {
  std::string phrase = "\"";
  for (char c : text) {
    if (c == '"') phrase.push_back('"');
    phrase.push_back(c);
  }
  phrase.push_back('"');
  return phrase;
}

std::string short_search_query(std::string_view text) {
  std::string token;
  append_hex(token, ascii_lower(text));
  // One character: any pair starting with it, or a column's last character.
  return utf8_length(text) == 1 ? "\"" + token + "\"*" : "\"" + token + "\"";
}

void register_search_grams(sqlite_api::sqlite3* db) {
  const int rc = sqlite_api::sqlite3_create_function_v2(
      db, "tr_search_grams", -1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, &sql_search_grams,
      nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    throw std::runtime_error(std::string("cannot register tr_search_grams: ") +
                             sqlite_api::sqlite3_errstr(rc));
  }
}

}  // namespace tr::sql
