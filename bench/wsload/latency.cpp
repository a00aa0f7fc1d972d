// Latency histogram (see latency.hpp).
#include "latency.hpp"

#include <algorithm>

namespace wsload {

boost::json::array LatencyRecorder::histogram() {
  std::sort(micros_.begin(), micros_.end());
  boost::json::array out;
  for (std::size_t i = 0; i < micros_.size();) {
    std::size_t j = i;
    while (j < micros_.size() && micros_[j] == micros_[i]) ++j;
    out.push_back(boost::json::array{micros_[i], j - i});
    i = j;
  }
  return out;
}

}  // namespace wsload
