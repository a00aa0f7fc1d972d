// Records latencies in whole microseconds and reports them as a sparse
// histogram [[microseconds, count], ...] in ascending order, which the
// orchestrator merges across processes and reads percentiles from.
#pragma once

#include <boost/json/array.hpp>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace wsload {

class LatencyRecorder {
 public:
  void reserve(std::size_t n) { micros_.reserve(n); }
  void add_ns(std::int64_t ns) {
    micros_.push_back(ns <= 0 ? 0u : static_cast<std::uint32_t>(std::min<std::int64_t>(ns / 1000, UINT32_MAX)));
  }
  std::size_t size() const { return micros_.size(); }

  // Sorts what was recorded and returns the histogram.
  boost::json::array histogram();

 private:
  std::vector<std::uint32_t> micros_;
};

}  // namespace wsload
