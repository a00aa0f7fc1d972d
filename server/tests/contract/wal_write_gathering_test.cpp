// The WAL write-gathering VFS against real SQLite files: whatever one
// connection commits, another sees at once, whatever the transaction's size
// (small, a run split into several writes, longer than the gathering buffer,
// an exact multiple of 128 KiB), whether or not SQLite syncs, and after a
// transaction that spilled frames and rolled back; the file stays intact
// through checkpoints that restart the WAL.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "adapters/sql/wal_write_gathering.hpp"
#include "core/ids.hpp"

namespace tr {
namespace {

namespace fs = std::filesystem;

class Connection {
 public:
  explicit Connection(const fs::path& file) {
    if (sqlite3_open(file.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("open failed");
    sqlite3_busy_timeout(db_, 10000);
  }
  ~Connection() { sqlite3_close(db_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void exec(const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    const std::string why = err ? err : "";
    sqlite3_free(err);
    if (rc != SQLITE_OK) throw std::runtime_error(sql + ": " + why);
  }

  long long number(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sqlite3_errmsg(db_));
    }
    const long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
  }

  std::string text(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr);
    std::string out = sqlite3_step(st) == SQLITE_ROW
                          ? reinterpret_cast<const char*>(sqlite3_column_text(st, 0))
                          : "";
    sqlite3_finalize(st);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

// Inserts `rows` rows of `bytes` random bytes each in one transaction.
std::string insert_rows(long long rows, long long bytes) {
  return "INSERT INTO t (payload) SELECT randomblob(" + std::to_string(bytes) +
         ") FROM (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < " +
         std::to_string(rows) + ") SELECT n FROM c)";
}

class WalWriteGathering : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    sql::install_wal_write_gathering();
    dir_ = fs::temp_directory_path() / ("tr-wal-gathering-" + new_id());  // never reused
    fs::create_directories(dir_);
    writer_ = std::make_unique<Connection>(dir_ / "test.db");
    writer_->exec("PRAGMA journal_mode = WAL");
    writer_->exec(std::string("PRAGMA synchronous = ") + GetParam());
    writer_->exec("PRAGMA wal_autocheckpoint = 0");
    writer_->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)");
    reader_ = std::make_unique<Connection>(dir_ / "test.db");
  }
  void TearDown() override {
    reader_.reset();
    writer_.reset();
    fs::remove_all(dir_);
  }

  fs::path dir_;
  std::unique_ptr<Connection> writer_, reader_;
};

TEST_P(WalWriteGathering, IsTheDefaultVfs) {
  ASSERT_NE(sql::wal_write_gathering_vfs(), nullptr);
  EXPECT_EQ(sqlite3_vfs_find(nullptr), sql::wal_write_gathering_vfs());
}

TEST_P(WalWriteGathering, AnotherConnectionSeesEveryCommitAtOnce) {
  long long total = 0;
  // One row; about 200 pages (several writes); a run longer than the
  // gathering buffer; runs whose length is near multiples of 128 KiB.
  for (auto [rows, bytes] : {std::pair{1LL, 100LL}, {200LL, 3000LL},
                             {2500LL, 4000LL}, {31LL, 4000LL}, {32LL, 4000LL}, {1LL, 20000LL}}) {
    writer_->exec("BEGIN");
    writer_->exec(insert_rows(rows, bytes));
    writer_->exec("COMMIT");
    total += rows;
    EXPECT_EQ(reader_->number("SELECT count(*) FROM t"), total) << rows << " rows of " << bytes;
  }
  EXPECT_GT(fs::file_size(dir_ / "test.db-wal"), sql::kMaxGathered);
  EXPECT_EQ(reader_->text("PRAGMA integrity_check"), "ok");
}

TEST_P(WalWriteGathering, ARolledBackSpillLeavesNothingAndTheNextCommitIsWhole) {
  writer_->exec("PRAGMA cache_size = 10");  // pages spill into the WAL mid-transaction
  writer_->exec("BEGIN");
  writer_->exec(insert_rows(500, 1000));
  writer_->exec("UPDATE t SET payload = randomblob(900)");  // pages written twice
  writer_->exec("ROLLBACK");
  EXPECT_EQ(reader_->number("SELECT count(*) FROM t"), 0);
  writer_->exec("BEGIN");
  writer_->exec(insert_rows(500, 1000));
  writer_->exec("UPDATE t SET payload = randomblob(900)");
  writer_->exec("COMMIT");
  EXPECT_EQ(reader_->number("SELECT count(*) FROM t"), 500);
  EXPECT_EQ(reader_->number("SELECT min(length(payload)) FROM t"), 900);
  EXPECT_EQ(reader_->text("PRAGMA integrity_check"), "ok");
}

TEST_P(WalWriteGathering, CheckpointsThatRestartTheWalKeepTheFileIntact) {
  long long total = 0;
  for (int round = 0; round < 20; ++round) {
    writer_->exec(insert_rows(50, 2000));
    total += 50;
    // The next transaction writes the WAL again from its start.
    reader_->exec(round % 2 ? "PRAGMA wal_checkpoint(TRUNCATE)" : "PRAGMA wal_checkpoint(RESTART)");
    EXPECT_EQ(reader_->number("SELECT count(*) FROM t"), total);
  }
  writer_.reset();  // the last connection's close checkpoints and removes the WAL
  EXPECT_EQ(reader_->number("SELECT count(*) FROM t"), total);
  EXPECT_EQ(reader_->text("PRAGMA integrity_check"), "ok");
}

INSTANTIATE_TEST_SUITE_P(Synchronous, WalWriteGathering, ::testing::Values("FULL", "NORMAL", "OFF"));

}  // namespace
}  // namespace tr
