#pragma once
// Database: a pool of SOCI sessions to SQLite or PostgreSQL, chosen by URL.
//   sqlite:///abs/path.db   sqlite://relative/path.db   (WAL, foreign keys, a short busy wait;
//                           the WAL is checkpointed by a thread of its own, not by
//                           whichever writer happens to cross the threshold)
//   postgresql://user:pass@host:port/dbname            (any libpq URI)
// Every call blocks: use it from the worker pool. Thread-safe.
// SQL is written once for both dialects where it can be; what differs is asked
// through dialect() in one named function per difference.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <soci/soci.h>

#include "adapters/sql/statement_cache.hpp"

namespace tr::sql {

enum class Dialect { kSqlite, kPostgres };

class Database;

// A borrowed session; returned to the pool when destroyed.
class Lease {
 public:
  Lease(Database& db, std::size_t slot);
  ~Lease();
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  soci::session& operator*() const { return *session_; }
  soci::session* operator->() const { return session_; }
  // This connection's prepared statements (see statement_cache.hpp).
  StatementCache& statements() const;

 private:
  Database& db_;
  std::size_t slot_;
  soci::session* session_;
};

// A write transaction: BEGIN IMMEDIATE on SQLite (no upgrade deadlocks between
// pooled connections), BEGIN on PostgreSQL. Rolls back unless commit() ran.
class Transaction {
 public:
  explicit Transaction(const Lease& lease);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  soci::session& session_;
  StatementCache& statements_;
  bool done_ = false;
};

class Database {
 public:
  // Opens `pool_size` connections. Throws std::runtime_error with one clear
  // line (without the password) when the URL is bad or the server unreachable.
  static std::unique_ptr<Database> open(const std::string& url, std::size_t pool_size);
  ~Database();

  Dialect dialect() const { return dialect_; }
  bool is_sqlite() const { return dialect_ == Dialect::kSqlite; }
  // SQLite: the database file's path (empty on PostgreSQL).
  const std::string& sqlite_path() const { return sqlite_path_; }

  // SQLite: once the WAL holds more than this since it last started over,
  // it is copied back by a blocking checkpoint, after which commits write it
  // again from its start. Under a steady stream of commits the background
  // PASSIVE checkpoints never reach the end of the WAL, which would
  // otherwise grow without bound. The file keeps its length: commits
  // overwrite blocks it already has instead of growing it, which syncs
  // faster. Default 64 MiB.
  void set_wal_limit(std::uintmax_t bytes) { wal_limit_ = bytes; }
  // How many times that blocking checkpoint has run.
  std::uint64_t wal_restarts() const { return wal_restarts_.load(); }

  // Borrows a session, waiting for a free one.
  Lease acquire();

  // Round-trip to the server. Empty string when fine, else the reason.
  std::string ping();

  std::size_t pool_size() const { return size_; }
  std::size_t in_use() const;

  // The URL with any password replaced by "***", for logs.
  static std::string redact(const std::string& url);

 private:
  friend class Lease;
  Database(Dialect dialect, std::size_t size);
  void run_checkpoints();

  Dialect dialect_;
  std::string sqlite_path_;
  std::atomic<std::uintmax_t> wal_limit_{64u << 20};
  std::atomic<std::uint64_t> wal_restarts_{0};
  std::atomic<int> wal_frames_{0};  // in the WAL after the last commit (0 after a restart)
  std::size_t size_;
  std::unique_ptr<soci::connection_pool> pool_;
  std::vector<std::unique_ptr<StatementCache>> caches_;  // by slot; destroyed before pool_
  std::atomic<std::size_t> in_use_{0};

  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool stopping_ = false;  // guarded by checkpoint_mu_
  std::thread checkpointer_;  // SQLite only
};

}  // namespace tr::sql
