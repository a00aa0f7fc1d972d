#pragma once
// Metrics: request counters by route and status, a latency histogram, and
// gauges sampled at scrape time, rendered in the Prometheus text format.
// record() is thread-safe and cheap (one short mutex section per request).

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace tr::http {

class Metrics {
 public:
  // One finished request. `route` is the pattern ("/api/rooms/{room_id}").
  void record(const std::string& method, const std::string& route, int status,
              std::int64_t duration_us);

  void connection_opened() { open_connections_++; }
  void connection_closed() { open_connections_--; }

  // A gauge read when /metrics is scraped, e.g. worker-pool queue depth.
  void add_gauge(std::string name, std::string help, std::function<double()> read);

  std::string render() const;

 private:
  static constexpr std::array<double, 12> kBucketsSeconds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0};

  struct Gauge {
    std::string name, help;
    std::function<double()> read;
  };

  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;  // guarded by mu_
  std::array<std::uint64_t, kBucketsSeconds.size()> buckets_{};  // guarded by mu_
  std::uint64_t latency_count_ = 0;                               // guarded by mu_
  double latency_sum_s_ = 0;                                      // guarded by mu_
  std::vector<Gauge> gauges_;  // set at start-up, then read-only
  std::atomic<std::int64_t> open_connections_{0};
};

}  // namespace tr::http
