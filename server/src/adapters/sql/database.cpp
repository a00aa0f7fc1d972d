#include "adapters/sql/database.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <boost/url/parse.hpp>

#include "adapters/sql/busy_wait.hpp"
#include "adapters/sql/search_text.hpp"
#include "adapters/sql/wal_write_gathering.hpp"
#include "core/thread_name.hpp"

#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>

namespace tr::sql {
namespace {

constexpr std::string_view kSqlitePrefix = "sqlite://";

bool starts_with(const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; }

// Process-wide SQLite settings, before the first connection opens: no global
// memory statistics (a mutex taken on every allocation, shared by all
// connections), no per-connection mutexes (the pool lends a connection to
// one thread at a time), and WAL writes gathered (wal_write_gathering.hpp).
void configure_sqlite_library() {
  static std::once_flag once;
  std::call_once(once, [] {
    // SQLITE_MISUSE when the library is already initialised: keep its defaults.
    (void)sqlite_api::sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    (void)sqlite_api::sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    install_wal_write_gathering();
  });
}

void configure_sqlite(soci::session& s) {
  s << "PRAGMA journal_mode = WAL";
  s << "PRAGMA synchronous = FULL";  // an acknowledged write survives power loss
  s << "PRAGMA foreign_keys = ON";
  s << "PRAGMA temp_store = MEMORY";
  s << "PRAGMA mmap_size = 268435456";  // reads straight from the page cache
  s << "PRAGMA wal_autocheckpoint = 0";  // Database::run_checkpoints does it
  auto* backend = static_cast<soci::sqlite3_session_backend*>(s.get_backend());
  register_search_grams(backend->conn_);  // used by the search triggers
  wait_briefly_when_busy(backend->conn_);
}

// libpq keyword/value conninfo from a postgresql:// URL (SOCI mangles URIs).
std::string pg_conninfo(const std::string& url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) throw std::runtime_error("malformed database URL: " + Database::redact(url));
  auto quote = [](const std::string& v) {
    std::string out = "'";
    for (char c : v) {
      if (c == '\\' || c == '\'') out.push_back('\\');
      out.push_back(c);
    }
    return out + "'";
  };
  std::string info;
  auto add = [&](const char* key, const std::string& value) {
    if (!value.empty()) info += std::string(info.empty() ? "" : " ") + key + "=" + quote(value);
  };
  add("host", parsed->host());
  add("port", parsed->port());
  add("user", parsed->user());
  add("password", parsed->password());
  std::string db = parsed->path();
  if (!db.empty() && db.front() == '/') db.erase(0, 1);
  add("dbname", db);
  for (auto param : parsed->params()) add(std::string(param.key).c_str(), std::string(param.value));
  return info;
}

}  // namespace

Lease::Lease(Database& db, std::size_t slot)
    : db_(db), slot_(slot), session_(&db.pool_->at(slot)) {}

StatementCache& Lease::statements() const { return *db_.caches_[slot_]; }

Lease::~Lease() {
  db_.pool_->give_back(slot_);
  db_.in_use_--;
}

Transaction::Transaction(const Lease& lease) : session_(*lease), statements_(lease.statements()) {
  const bool sqlite = session_.get_backend_name() == "sqlite3";
  statements_.run(sqlite ? "BEGIN IMMEDIATE" : "BEGIN");
}

Transaction::~Transaction() {
  if (done_) return;
  try {
    session_ << "ROLLBACK";
  } catch (...) {
    // The connection is already broken; nothing more to undo.
  }
}

void Transaction::commit() {
  statements_.run("COMMIT");
  done_ = true;
}

Database::Database(Dialect dialect, std::size_t size)
    : dialect_(dialect), size_(size), pool_(std::make_unique<soci::connection_pool>(size)) {}

Database::~Database() {
  if (checkpointer_.joinable()) {
    {
      std::lock_guard lock(checkpoint_mu_);
      stopping_ = true;
    }
    checkpoint_cv_.notify_all();
    checkpointer_.join();
  }
}

// Copies the WAL back into the database file a few times a second while it
// holds 1,000 frames or more (PASSIVE: never waits for readers or writers),
// so commits stay short, and restarts it from its beginning when the part in
// use has grown past wal_limit_; SQLite itself checkpoints once more (and
// removes the file) when the last connection closes.
void Database::run_checkpoints() {
  constexpr auto kInterval = std::chrono::milliseconds(250);
  // Fewer frames than this are left in the WAL (SQLite's own default
  // threshold, 4 MiB of pages): a light load is copied back every few
  // seconds instead of four times a second, each time with a sync of the
  // database file that the commits' syncs would queue behind.
  constexpr int kMinFrames = 1000;
  constexpr std::uintmax_t kFrameHeaderBytes = 24;
  std::uintmax_t frame_bytes = 0;
  std::unique_lock lock(checkpoint_mu_);
  while (!checkpoint_cv_.wait_for(lock, kInterval, [this] { return stopping_; })) {
    // The frames written since the WAL last started over, not the file's
    // length: the file keeps its length after a restart, and a restart on
    // every round (each one holding writers back) is what that length
    // alone would ask for once it had passed the limit.
    const int frames = wal_frames_;
    if (frames < kMinFrames) continue;
    lock.unlock();
    try {
      auto lease = acquire();
      if (frame_bytes == 0) {
        long long page_size = 0;
        *lease << "PRAGMA page_size", soci::into(page_size);
        frame_bytes = static_cast<std::uintmax_t>(page_size) + kFrameHeaderBytes;
      }
      *lease << "PRAGMA wal_checkpoint(PASSIVE)";
      if (static_cast<std::uintmax_t>(frames) * frame_bytes > wal_limit_) {
        // Waits for the writer of the moment, then holds writers back while
        // it copies what PASSIVE rounds left (little); the next commit
        // writes from the start of the file again. (TRUNCATE emptied the
        // file instead: every later commit grew it anew, and writers waited
        // longer.)
        *lease << "PRAGMA wal_checkpoint(RESTART)";
        // Counted again from the next commit, which starts the WAL over (or
        // reports it still long, if this restart had to give up).
        wal_frames_ = 0;
        wal_restarts_++;
      }
    } catch (const std::exception&) {
      // Busy or failing: the next round tries again; the WAL only grows meanwhile.
    }
    lock.lock();
  }
}

std::string Database::redact(const std::string& url) {
  // postgresql://user:secret@host -> postgresql://user:***@host
  auto scheme = url.find("://");
  auto at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
  auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

std::unique_ptr<Database> Database::open(const std::string& url, std::size_t pool_size) {
  if (pool_size == 0) pool_size = 1;
  std::unique_ptr<Database> db;
  std::string connect;
  const soci::backend_factory* factory = nullptr;
  if (starts_with(url, kSqlitePrefix)) {
    std::string path = url.substr(kSqlitePrefix.size());
    if (path.empty()) throw std::runtime_error("database URL has no file path: " + url);
    auto parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    configure_sqlite_library();
    db.reset(new Database(Dialect::kSqlite, pool_size));
    db->sqlite_path_ = path;
    connect = "db=\"" + path + "\" timeout=10";
    factory = &soci::sqlite3;
  } else if (starts_with(url, "postgresql://") || starts_with(url, "postgres://")) {
    db.reset(new Database(Dialect::kPostgres, pool_size));
    connect = pg_conninfo(url);
    factory = &soci::postgresql;
  } else {
    throw std::runtime_error("database URL must start with sqlite:// or postgresql://, got: " +
                             redact(url));
  }
  for (std::size_t i = 0; i < pool_size; ++i) {
    soci::session& s = db->pool_->at(i);
    try {
      s.open(*factory, connect);
      if (db->is_sqlite()) {
        configure_sqlite(s);
        // After each commit: how many frames the WAL holds (run_checkpoints).
        auto* backend = static_cast<soci::sqlite3_session_backend*>(s.get_backend());
        auto count_frames = [](void* self, sqlite_api::sqlite3*, const char* schema, int frames) {
          if (std::strcmp(schema, "main") == 0) static_cast<Database*>(self)->wal_frames_ = frames;
          return SQLITE_OK;
        };
        sqlite_api::sqlite3_wal_hook(backend->conn_, count_frames, db.get());
      }
    } catch (const std::exception& e) {
      std::string why = e.what();
      while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
      for (auto& c : why) if (c == '\n') c = ' ';
      throw std::runtime_error("cannot open database " + redact(url) + ": " + why);
    }
    db->caches_.push_back(std::make_unique<StatementCache>(s, db->is_sqlite()));
  }
  if (db->is_sqlite()) {
    db->checkpointer_ = std::thread([raw = db.get()] {
      name_this_thread("tr-checkpoint");
      raw->run_checkpoints();
    });
  }
  return db;
}

Lease Database::acquire() {
  std::size_t slot = pool_->lease();
  in_use_++;
  return Lease(*this, slot);
}

std::size_t Database::in_use() const { return in_use_.load(); }

std::string Database::ping() {
  try {
    auto lease = acquire();
    int one = 0;
    *lease << "SELECT 1", soci::into(one);
    return one == 1 ? "" : "unexpected answer to SELECT 1";
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace tr::sql
