#pragma once
// What every machine probe shares: the clock, percentiles of samples, one
// Markdown row per probe, and stopping with a clear reason.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace probes {

inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Stops the probes with `what` and, unless it is 0, the reason `error`
// (errno by default; 0 for a failure that has none).
[[noreturn]] inline void fail(const std::string& what, int error = errno) {
  if (error != 0) {
    std::fprintf(stderr, "tr_machine_probes: %s: %s\n", what.c_str(), std::strerror(error));
  } else {
    std::fprintf(stderr, "tr_machine_probes: %s\n", what.c_str());
  }
  std::exit(1);
}

inline void sleep_us(int us) {
  if (us > 0) std::this_thread::sleep_for(std::chrono::microseconds(us));
}

struct Percentiles {
  double p50_us, p90_us;
};

inline Percentiles percentiles(std::vector<std::int64_t> ns) {
  if (ns.empty()) fail("no samples", 0);
  std::sort(ns.begin(), ns.end());
  return {static_cast<double>(ns[ns.size() / 2]) / 1000,
          static_cast<double>(ns[ns.size() * 9 / 10]) / 1000};
}

inline void row(const std::string& what, Percentiles p) {
  std::printf("| %s | %.1f | %.1f |\n", what.c_str(), p.p50_us, p.p90_us);
}

}  // namespace probes
