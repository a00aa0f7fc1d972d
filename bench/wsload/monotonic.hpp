// CLOCK_MONOTONIC in nanoseconds: one clock for every process on the machine,
// so a send time written by one process can be compared with a receive time
// taken in another (Node's process.hrtime.bigint() reads the same clock).
#pragma once

#include <cstdint>
#include <ctime>

namespace wsload {

inline std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace wsload
