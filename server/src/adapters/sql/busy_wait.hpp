#pragma once
// How a SQLite connection waits for a lock another connection holds (the
// write lock, mostly, which the checkpointer's RESTART holds while it copies
// the last frames back).
//
// SQLite's own busy handler (busy_timeout) sleeps 1, 2, 5, 10, 15, 20, 25, 25,
// 25, 50, 50 and then 100 ms between tries, however soon the lock is free: a
// committer that found the lock held for a few milliseconds slept 18 to
// 180 ms, with every post of the batch waiting. This one tries again after
// 50 µs, doubling up to 1 ms, and gives up (SQLITE_BUSY) after 10 s in all,
// as busy_timeout = 10000 did.

namespace sqlite_api {
struct sqlite3;
}

namespace tr::sql {

// Installs the handler on `db` (replacing any busy_timeout); throws
// std::runtime_error on failure.
void wait_briefly_when_busy(sqlite_api::sqlite3* db);

// The pause before try number `tries` + 1, in microseconds, or -1 once the
// pauses so far add up to 10 s (for tests).
long long busy_pause_us(int tries);

}  // namespace tr::sql
