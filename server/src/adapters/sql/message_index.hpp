#pragma once
// MessageIndex (SQLite): the message search index, kept off the commit path.
//
// Indexing each message inside the transaction that stores it (an FTS5
// trigram index filled by a trigger) took half the time of every post. The
// index now lives in a database file of its own, beside the main one
// ("<name>-search.db"), with its own write lock, and a thread of its own fills
// it from the committed messages, in rounds at most every 100 ms:
//  - new messages by rowid after a high-water mark kept in the same file
//    (updated in the same transaction as the index, so a crash loses nothing);
//  - messages whose text changed (edits, deletions), logged in
//    main.message_reindex_log by a trigger (migrations 008, 009), after the
//    last log id indexed, kept in the same file and transaction; the log is
//    cleared up to that id afterwards.
// A round reads what it indexes from the main file in a short read
// transaction, then writes the index file in a transaction of its own: a
// reader of the main file holds back the checkpoint that restarts the main
// WAL, and that checkpoint holds back every writer.
// find() first indexes everything committed so far, so a search sees every
// message acknowledged before it. The file is derived data: deleted, it is
// rebuilt from the messages. Rowids of `messages` are stable because no row
// is ever deleted and the database is never VACUUMed.
//
// Thread-safe. Opens one connection of its own (the index file, with the
// main file attached as `msgs`).

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace soci {
class session;
}

namespace tr::sql {

class MessageIndex {
 public:
  // `main_path`: the main SQLite database file. Throws std::runtime_error
  // when the index file cannot be opened.
  explicit MessageIndex(const std::string& main_path);
  ~MessageIndex();

  // Something was committed: index it soon.
  void notify();

  // Message rowids in `room_id` whose text contains `fts_phrase` (an FTS5
  // phrase), not deleted, newest first, at most `limit`. Indexes what is
  // pending first. Throws on database errors.
  std::vector<long long> find(const std::string& room_id, const std::string& fts_phrase, int limit);

 private:
  void catch_up();     // indexes everything committed so far
  void run();
  bool index_some();  // one batch; false when nothing was pending

  std::unique_ptr<soci::session> session_;  // guarded by index_mu_
  std::mutex index_mu_;                      // one user of session_ at a time

  std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = false;   // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

// The index file for a main database file: "x.db" -> "x-search.db".
std::string message_index_path(const std::string& main_path);

}  // namespace tr::sql
