#include "adapters/sql/busy_wait.hpp"

#include <soci/sqlite3/soci-sqlite3.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace tr::sql {
namespace {

constexpr long long kFirstPauseUs = 50;
constexpr long long kLongestPauseUs = 1000;
constexpr long long kGiveUpAfterUs = 10'000'000;

int on_busy(void*, int tries) {
  const long long pause = busy_pause_us(tries);
  if (pause < 0) return 0;  // SQLITE_BUSY to the caller
  std::this_thread::sleep_for(std::chrono::microseconds(pause));
  return 1;  // try again
}

}  // namespace

long long busy_pause_us(int tries) {
  // 50, 100, 200, 400 and 800 µs (1.55 ms in all), then 1 ms each.
  constexpr int kDoublings = 5;
  const long long before =
      tries <= kDoublings
          ? kFirstPauseUs * ((1LL << tries) - 1)
          : kFirstPauseUs * ((1LL << kDoublings) - 1) + (tries - kDoublings) * kLongestPauseUs;
  if (before >= kGiveUpAfterUs) return -1;
  return tries < kDoublings ? kFirstPauseUs << tries : kLongestPauseUs;
}

void wait_briefly_when_busy(sqlite_api::sqlite3* db) {
  if (sqlite_api::sqlite3_busy_handler(db, &on_busy, nullptr) != SQLITE_OK) {
    throw std::runtime_error("cannot install the SQLite busy handler");
  }
}

}  // namespace tr::sql
