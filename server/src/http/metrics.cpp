#include "http/metrics.hpp"

#include <fmt/format.h>

namespace tr::http {

void Metrics::record(const std::string& method, const std::string& route, int status,
                     std::int64_t duration_us) {
  const double seconds = static_cast<double>(duration_us) / 1e6;
  std::lock_guard lock(mu_);
  requests_[{method, route, status}]++;
  for (std::size_t i = 0; i < kBucketsSeconds.size(); ++i) {
    if (seconds <= kBucketsSeconds[i]) {
      buckets_[i]++;
      break;
    }
  }
  latency_count_++;
  latency_sum_s_ += seconds;
}

void Metrics::add_gauge(std::string name, std::string help, std::function<double()> read) {
  gauges_.push_back(Gauge{std::move(name), std::move(help), std::move(read)});
}

std::string Metrics::render() const {
  std::string out;
  out += "# HELP tr_http_requests_total HTTP requests by method, route and status.\n";
  out += "# TYPE tr_http_requests_total counter\n";
  std::lock_guard lock(mu_);
  for (const auto& [key, count] : requests_) {
    const auto& [method, route, status] = key;
    out += fmt::format("tr_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n",
                       method, route, status, count);
  }
  out += "# HELP tr_http_request_duration_seconds Time from request head to response.\n";
  out += "# TYPE tr_http_request_duration_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBucketsSeconds.size(); ++i) {
    cumulative += buckets_[i];
    out += fmt::format("tr_http_request_duration_seconds_bucket{{le=\"{}\"}} {}\n",
                       kBucketsSeconds[i], cumulative);
  }
  out += fmt::format("tr_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n",
                     latency_count_);
  out += fmt::format("tr_http_request_duration_seconds_sum {}\n", latency_sum_s_);
  out += fmt::format("tr_http_request_duration_seconds_count {}\n", latency_count_);
  out += "# HELP tr_http_open_connections Open HTTP and WebSocket connections.\n";
  out += "# TYPE tr_http_open_connections gauge\n";
  out += fmt::format("tr_http_open_connections {}\n", open_connections_.load());
  for (const auto& g : gauges_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{} {}\n", g.name, g.help, g.name, g.name,
                       g.read());
  }
  return out;
}

}  // namespace tr::http
