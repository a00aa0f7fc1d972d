// The SQL adapter's own machinery on each database: cached prepared
// statements (reused, dropped after a failure, never pinning a read snapshot)
// and, on SQLite, the background WAL checkpoints.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "adapters/sql/database.hpp"
#include "contract/test_database.hpp"

namespace tr {
namespace {

using testing::Backend;

struct CountSlots {
  std::string name;
  long long n = 0;
};

struct InsertSlots {
  std::string name;
};

class DatabaseContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<testing::TestDatabase>(GetParam(), 2);
    auto lease = db_->db().acquire();
    *lease << "CREATE TABLE cache_probe (name TEXT PRIMARY KEY, payload TEXT)";
  }

  long long count(const sql::Lease& lease, const std::string& name) {
    auto q = lease.statements().get<CountSlots>(
        "SELECT COUNT(*) FROM cache_probe WHERE name <> :n", [](soci::statement& st, CountSlots& v) {
          st.exchange(soci::use(v.name));
          st.exchange(soci::into(v.n));
        });
    q->name = name;
    q.execute();
    return q->n;
  }

  void insert(const sql::Lease& lease, const std::string& name) {
    auto q = lease.statements().get<InsertSlots>(
        "INSERT INTO cache_probe (name) VALUES (:n)",
        [](soci::statement& st, InsertSlots& v) { st.exchange(soci::use(v.name)); });
    q->name = name;
    q.execute();
  }

  std::unique_ptr<testing::TestDatabase> db_;
};

TEST_P(DatabaseContract, CachedStatementsAreReusedWithNewValues) {
  auto lease = db_->db().acquire();
  const std::size_t before = lease.statements().size();
  insert(lease, "a");
  insert(lease, "b");
  EXPECT_EQ(count(lease, "none"), 2);
  EXPECT_EQ(count(lease, "a"), 1);
  EXPECT_EQ(lease.statements().size(), before + 2);
}

TEST_P(DatabaseContract, AFailedStatementIsDroppedAndPreparedAgain) {
  auto lease = db_->db().acquire();
  insert(lease, "a");
  const std::size_t cached = lease.statements().size();
  EXPECT_THROW(insert(lease, "a"), soci::soci_error);  // primary key
  EXPECT_EQ(lease.statements().size(), cached - 1);
  insert(lease, "b");  // prepared afresh, and works
  EXPECT_EQ(count(lease, "none"), 2);
}

struct NumberSlots {
  long long in = 0, out = 0;
};

TEST_P(DatabaseContract, AFullCacheNeverDropsAStatementInUse) {
  auto lease = db_->db().acquire();
  insert(lease, "a");
  auto held = lease.statements().get<CountSlots>(
      "SELECT COUNT(*) FROM cache_probe WHERE name <> :n", [](soci::statement& st, CountSlots& v) {
        st.exchange(soci::use(v.name));
        st.exchange(soci::into(v.n));
      });
  // Far more distinct statements than the cache holds, while `held` is out.
  for (int k = 0; k < 600; ++k) {
    auto q = lease.statements().get<NumberSlots>(
        "SELECT :v + " + std::to_string(k), [](soci::statement& st, NumberSlots& v) {
          st.exchange(soci::use(v.in));
          st.exchange(soci::into(v.out));
        });
    q->in = 1;
    q.execute();
    ASSERT_EQ(q->out, 1 + k);
  }
  EXPECT_LE(lease.statements().size(), 257u);
  held->name = "none";
  held.execute();
  EXPECT_EQ(held->n, 1);
}

TEST_P(DatabaseContract, ACachedReadSeesLaterCommitsOfOtherConnections) {
  auto reader = db_->db().acquire();
  EXPECT_EQ(count(reader, "none"), 0);
  {
    auto writer = db_->db().acquire();
    sql::Transaction tx(writer);
    insert(writer, "a");
    tx.commit();
  }
  EXPECT_EQ(count(reader, "none"), 1);
}

TEST_P(DatabaseContract, ACachedReadDoesNotHoldBackCheckpoints) {
  if (GetParam() != Backend::kSqlite) GTEST_SKIP() << "SQLite's WAL only";
  auto reader = db_->db().acquire();
  auto writer = db_->db().acquire();
  insert(writer, "a");
  EXPECT_EQ(count(reader, "none"), 1);  // stepped once: a read transaction unless reset
  insert(writer, "b");
  int busy = -1, log = 0, done = 0;
  *writer << "PRAGMA wal_checkpoint(TRUNCATE)", soci::into(busy), soci::into(log),
      soci::into(done);
  EXPECT_EQ(busy, 0) << "an idle cached statement kept a reader on the old snapshot";
}

TEST_P(DatabaseContract, TheWalIsCopiedBackWithoutAnyWriterWaitingForIt) {
  if (GetParam() != Backend::kSqlite) GTEST_SKIP() << "SQLite's WAL only";
  const std::string path = db_->url().substr(std::string("sqlite://").size());
  const auto size_before = std::filesystem::file_size(path);
  {
    auto lease = db_->db().acquire();
    sql::Transaction tx(lease);
    // About 1,200 pages: more than the 1,000 frames below which the
    // checkpointer leaves the WAL alone.
    const std::string payload(4000, 'x');
    for (int i = 0; i < 1200; ++i) {
      const std::string name = "n" + std::to_string(i);
      *lease << "INSERT INTO cache_probe (name, payload) VALUES (:n, :p)", soci::use(name),
          soci::use(payload);
    }
    tx.commit();
  }
  // The commit wrote only the WAL; the checkpointer copies it into the file.
  auto size = std::filesystem::file_size(path);
  for (int i = 0; i < 100 && size < size_before + 1'000'000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    size = std::filesystem::file_size(path);
  }
  EXPECT_GE(size, size_before + 1'000'000);
}

TEST_P(DatabaseContract, TheWalStaysNearItsLimitWhileWritesGoOn) {
  if (GetParam() != Backend::kSqlite) GTEST_SKIP() << "SQLite's WAL only";
  constexpr std::uintmax_t kLimit = 1'000'000;
  db_->db().set_wal_limit(kLimit);
  const std::string wal = db_->url().substr(std::string("sqlite://").size()) + "-wal";
  const std::string payload(4000, 'x');
  std::uintmax_t written = 0, largest = 0;
  // Commits of 80 KB one after another, a short pause between them as
  // between batches: PASSIVE rounds alone never reach the WAL's end, so
  // without the restart the WAL would hold all 60 MB. The checkpoint thread
  // looks every 250 ms, while up to about 10 MB arrive.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (int i = 0; written < 60 * kLimit && std::chrono::steady_clock::now() < until; ++i) {
    {
      auto lease = db_->db().acquire();
      sql::Transaction tx(lease);
      for (int k = 0; k < 20; ++k) {
        const std::string name = "w" + std::to_string(i) + "_" + std::to_string(k);
        *lease << "INSERT INTO cache_probe (name, payload) VALUES (:n, :p)", soci::use(name),
            soci::use(payload);
      }
      tx.commit();
      written += 20 * payload.size();
    }
    std::error_code ec;
    largest = std::max(largest, std::filesystem::file_size(wal, ec));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_GE(written, 60 * kLimit) << "the test wrote too little to pass the limit";
  EXPECT_GT(largest, kLimit);
  EXPECT_LT(largest, 25 * kLimit) << "the WAL was not restarted";
}

TEST_P(DatabaseContract, AWalThatWasLongOnceIsNotRestartedOnEveryRound) {
  if (GetParam() != Backend::kSqlite) GTEST_SKIP() << "SQLite's WAL only";
  // Above the 1,000 frames (4 MiB) below which the checkpointer does nothing,
  // so that it does look at the WAL below.
  constexpr std::uintmax_t kLimit = 8u << 20;
  db_->db().set_wal_limit(kLimit);
  const std::string wal = db_->url().substr(std::string("sqlite://").size()) + "-wal";
  auto commit = [&](const std::string& name) {
    auto lease = db_->db().acquire();
    sql::Transaction tx(lease);
    const std::string payload(128 * 1024, 'x');
    *lease << "INSERT INTO cache_probe (name, payload) VALUES (:n, :p)", soci::use(name),
        soci::use(payload);
    tx.commit();
  };
  // The WAL file grows past the limit (12 MiB at once), and keeps that
  // length from then on.
  for (int i = 0; i < 96; ++i) commit("big" + std::to_string(i));
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // the checkpointer settles
  {
    // Copied back, so that the next commit writes the WAL from its start.
    auto lease = db_->db().acquire();
    int busy = 1, frames = 0, copied = 0;
    for (int i = 0; i < 50 && busy != 0; ++i) {
      *lease << "PRAGMA wal_checkpoint(RESTART)", soci::into(busy), soci::into(frames),
          soci::into(copied);
      if (busy != 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(busy, 0);
  }
  ASSERT_GT(std::filesystem::file_size(wal), kLimit);
  const std::uint64_t restarts = db_->db().wal_restarts();
  // About 6 MiB more over two seconds (eight checkpoint rounds): more than the
  // checkpointer's threshold, less than the limit. The file is longer than
  // the limit all along, but the WAL in use never is: no round restarts it.
  for (int i = 0; i < 48; ++i) {
    commit("small" + std::to_string(i));
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
  }
  EXPECT_GT(std::filesystem::file_size(wal), kLimit);
  EXPECT_EQ(db_->db().wal_restarts(), restarts);
}

INSTANTIATE_TEST_SUITE_P(SqlBackends, DatabaseContract,
                         ::testing::ValuesIn(testing::all_backends(/*with_memory=*/false)),
                         testing::BackendName{});

}  // namespace
}  // namespace tr
