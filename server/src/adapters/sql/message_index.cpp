#include "adapters/sql/message_index.hpp"
#include "adapters/sql/busy_wait.hpp"
#include "core/thread_name.hpp"

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>
#include <stdexcept>

namespace tr::sql {
namespace {

constexpr int kBatch = 1000;
constexpr auto kIdleWait = std::chrono::milliseconds(200);
// After a commit, more are gathered this long: one indexing round for them
// all, away from the moment the commit's events go out. Nothing waits on
// it: a search catches the index up itself first.
constexpr auto kGather = std::chrono::milliseconds(100);

// A text literal for SQL (ATTACH takes no bound parameter in SOCI's hands).
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  return out + "'";
}

// A value kept in the index file's index_state (0 when absent).
long long state(soci::session& s, const std::string& name) {
  long long value = 0;
  soci::indicator ind = soci::i_null;
  s << "SELECT value FROM index_state WHERE name = :n", soci::use(name), soci::into(value, ind);
  return ind == soci::i_ok ? value : 0;
}

void set_state(soci::session& s, const std::string& name, long long value) {
  s << "INSERT INTO index_state (name, value) VALUES (:n, :v) ON CONFLICT (name) DO "
       "UPDATE SET value = excluded.value",
      soci::use(name), soci::use(value);
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
    wait_briefly_when_busy(static_cast<soci::sqlite3_session_backend*>(s.get_backend())->conn_);
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

// Wakes the thread only when there was nothing pending: while it gathers a
// round (kGather) every commit would otherwise wake it for nothing, a
// futex call on the committer's path and a wake-up of an idle CPU.
void MessageIndex::notify() {
  {
    std::lock_guard lock(mu_);
    if (pending_) return;
    pending_ = true;
  }
  cv_.notify_one();
}

void MessageIndex::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait_for(lock, kIdleWait, [this] { return stopping_ || pending_; });
    if (stopping_) return;
    if (pending_ && cv_.wait_for(lock, kGather, [this] { return stopping_; })) return;
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
  const long long indexed_up_to = state(s, "messages");
  const long long reindexed_up_to = state(s, "reindex");

  // What to index, read from the main file in a snapshot of its own, held
  // only while these rows are read: a reader of the main file holds back
  // the checkpoint that restarts its WAL, and with it every writer.
  struct Change {
    long long rowid;
    bool indexed_before;              // its old text comes out first
    std::optional<std::string> text;  // the text to index; none for a deleted message
  };
  std::vector<Change> work;
  long long next = indexed_up_to;
  long long next_reindexed = reindexed_up_to;
  {
    soci::transaction snapshot(s);
    long long rowid = 0;
    std::string type, content;
    int deleted = 0;
    // New messages.
    {
      soci::statement st = (s.prepare << "SELECT rowid, type, deleted, content FROM msgs.messages "
                                         "WHERE rowid > :h ORDER BY rowid LIMIT " +
                                             std::to_string(kBatch),
                            soci::use(indexed_up_to), soci::into(rowid), soci::into(type),
                            soci::into(deleted), soci::into(content));
      if (st.execute(true)) {
        do {
          next = rowid;
          if (type != "system" && deleted == 0) work.push_back({rowid, false, std::move(content)});
        } while (st.fetch());
      }
    }
    // Messages whose text changed since they were indexed. One not indexed
    // yet is skipped: it is indexed above, or later, with its text of then.
    std::vector<long long> redo;
    {
      long long queue_id = 0;
      soci::statement st =
          (s.prepare << "SELECT queue_id, message_rowid FROM msgs.message_reindex_log WHERE "
                        "queue_id > :q ORDER BY queue_id LIMIT " +
                            std::to_string(kBatch),
           soci::use(reindexed_up_to), soci::into(queue_id), soci::into(rowid));
      if (st.execute(true)) {
        do {
          next_reindexed = queue_id;
          if (rowid <= next) redo.push_back(rowid);
        } while (st.fetch());
      }
    }
    for (long long id : redo) {
      soci::indicator ind = soci::i_null;
      s << "SELECT type, deleted, content FROM msgs.messages WHERE rowid = :r", soci::use(id),
          soci::into(type), soci::into(deleted), soci::into(content, ind);
      const bool indexed = ind == soci::i_ok && type != "system" && deleted == 0;
      work.push_back({id, true, indexed ? std::optional<std::string>(content) : std::nullopt});
    }
    snapshot.commit();
  }
  if (next == indexed_up_to && next_reindexed == reindexed_up_to) return false;

  // The index file alone, with its high-water marks in the same transaction.
  soci::transaction tx(s);
  for (const Change& change : work) {
    if (change.indexed_before) {
      s << "DELETE FROM message_index WHERE rowid = :r", soci::use(change.rowid);
    }
    if (change.text) {
      s << "INSERT INTO message_index (rowid, content) VALUES (:r, :c)", soci::use(change.rowid),
          soci::use(*change.text);
    }
  }
  set_state(s, "messages", next);
  set_state(s, "reindex", next_reindexed);
  tx.commit();
  if (next_reindexed != reindexed_up_to) {
    // Done with them (in the main file; an edit logged meanwhile has a
    // larger id and stays).
    s << "DELETE FROM msgs.message_reindex_log WHERE queue_id <= :q", soci::use(next_reindexed);
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
