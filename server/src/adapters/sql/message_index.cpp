#include "adapters/sql/message_index.hpp"
#include "core/thread_name.hpp"

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <stdexcept>

namespace tr::sql {
namespace {

constexpr int kBatch = 1000;
constexpr auto kIdleWait = std::chrono::milliseconds(200);

// A text literal for SQL (ATTACH takes no bound parameter in SOCI's hands).
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  return out + "'";
}

}  // namespace

std::string message_index_path(const std::string& main_path) {
  const std::string suffix = ".db";
  if (main_path.size() > suffix.size() &&
      main_path.compare(main_path.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return main_path.substr(0, main_path.size() - suffix.size()) + "-search.db";
  }
  return main_path + "-search";
}

MessageIndex::MessageIndex(const std::string& main_path)
    : session_(std::make_unique<soci::session>()) {
  const std::string path = message_index_path(main_path);
  try {
    session_->open(soci::sqlite3, "db=\"" + path + "\" timeout=10");
    soci::session& s = *session_;
    s << "PRAGMA journal_mode = WAL";
    s << "PRAGMA synchronous = NORMAL";  // derived data: rebuilt if ever lost
    s << "PRAGMA busy_timeout = 10000";
    s << "ATTACH DATABASE " + quoted(main_path) + " AS msgs";
    s << "CREATE VIRTUAL TABLE IF NOT EXISTS message_index USING fts5 (content, "
         "tokenize = 'trigram')";
    s << "CREATE TABLE IF NOT EXISTS index_state (name TEXT PRIMARY KEY, value INTEGER NOT NULL)";
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot open the message search index " + path + ": " + e.what());
  }
  thread_ = std::thread([this] {
    name_this_thread("tr-search-index");
    run();
  });
}

MessageIndex::~MessageIndex() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void MessageIndex::notify() {
  {
    std::lock_guard lock(mu_);
    pending_ = true;
  }
  cv_.notify_one();
}

void MessageIndex::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait_for(lock, kIdleWait, [this] { return stopping_ || pending_; });
    if (stopping_) return;
    pending_ = false;
    lock.unlock();
    try {
      while (index_some()) {
      }
    } catch (const std::exception& e) {
      spdlog::warn("message search index: {} (trying again)", e.what());
    }
    lock.lock();
  }
}

void MessageIndex::catch_up() {
  while (index_some()) {
  }
}

bool MessageIndex::index_some() {
  std::lock_guard guard(index_mu_);
  soci::session& s = *session_;
  // A deferred transaction: it reads the main file at one snapshot and
  // writes only the index file (BEGIN IMMEDIATE would lock both).
  soci::transaction tx(s);
  if (high_water_ < 0) {
    long long value = 0;
    soci::indicator ind = soci::i_null;
    s << "SELECT value FROM index_state WHERE name = 'messages'", soci::into(value, ind);
    high_water_ = ind == soci::i_ok ? value : 0;
  }
  long long next = high_water_;
  bool changed = false;

  // New messages.
  {
    long long rowid = 0;
    std::string type, content;
    int deleted = 0;
    soci::statement st = (s.prepare << "SELECT rowid, type, deleted, content FROM msgs.messages "
                                       "WHERE rowid > :h ORDER BY rowid LIMIT " +
                                           std::to_string(kBatch),
                          soci::use(high_water_), soci::into(rowid), soci::into(type),
                          soci::into(deleted), soci::into(content));
    std::vector<std::pair<long long, std::string>> rows;
    if (st.execute(true)) {
      do {
        next = rowid;
        if (type != "system" && deleted == 0) rows.emplace_back(rowid, std::move(content));
      } while (st.fetch());
    }
    for (auto& [id, text] : rows) {
      s << "INSERT INTO message_index (rowid, content) VALUES (:r, :c)", soci::use(id),
          soci::use(text);
    }
    changed = next != high_water_;
  }

  // Messages whose text changed since they were indexed.
  std::vector<long long> redone;
  {
    long long rowid = 0;
    soci::statement st = (s.prepare << "SELECT message_rowid FROM msgs.message_reindex WHERE "
                                       "message_rowid <= :h ORDER BY message_rowid LIMIT " +
                                           std::to_string(kBatch),
                          soci::use(next), soci::into(rowid));
    if (st.execute(true)) {
      do {
        redone.push_back(rowid);
      } while (st.fetch());
    }
    for (long long id : redone) {
      s << "DELETE FROM message_index WHERE rowid = :r", soci::use(id);
      s << "INSERT INTO message_index (rowid, content) SELECT rowid, content FROM msgs.messages "
           "WHERE rowid = :r AND deleted = 0 AND type <> 'system'",
          soci::use(id);
    }
  }
  if (!changed && redone.empty()) return false;
  s << "INSERT INTO index_state (name, value) VALUES ('messages', :v) ON CONFLICT (name) DO "
       "UPDATE SET value = excluded.value",
      soci::use(next);
  tx.commit();
  high_water_ = next;
  if (!redone.empty()) {
    // Done with them (in the main file; again after a crash is harmless).
    soci::transaction main_tx(s);
    for (long long id : redone) {
      s << "DELETE FROM msgs.message_reindex WHERE message_rowid = :r", soci::use(id);
    }
    main_tx.commit();
  }
  return true;
}

std::vector<long long> MessageIndex::find(const std::string& room_id,
                                          const std::string& fts_phrase, int limit) {
  catch_up();
  std::lock_guard guard(index_mu_);
  soci::session& s = *session_;
  std::vector<long long> out;
  long long rowid = 0;
  soci::statement st =
      (s.prepare << "SELECT m.rowid FROM msgs.messages m WHERE m.room_id = :room AND m.deleted = "
                    "0 AND m.rowid IN (SELECT rowid FROM message_index WHERE message_index "
                    "MATCH :q) ORDER BY m.seq DESC LIMIT " +
                        std::to_string(limit),
       soci::use(room_id), soci::use(fts_phrase), soci::into(rowid));
  if (st.execute(true)) {
    do {
      out.push_back(rowid);
    } while (st.fetch());
  }
  return out;
}

}  // namespace tr::sql
