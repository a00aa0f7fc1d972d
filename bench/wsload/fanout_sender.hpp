// The fan-out sender: one connection that posts message i as
// {"type":"send", "client_id":"fI", "content":"bench|I|SEND_NS|"} at a fixed
// rate (SEND_NS: CLOCK_MONOTONIC at the send, which any process on the
// machine can subtract from its own receive time), then waits (bounded) for
// the acks.
#pragma once

#include "frame.hpp"
#include "latency.hpp"
#include "scenario.hpp"
#include "ws_connection.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace wsload {

class FanoutSender : public std::enable_shared_from_this<FanoutSender> {
 public:
  explicit FanoutSender(const Context& context);

  // Opens the connection (a failure is fatal), then calls ready.
  void open(std::function<void()> ready);

  // Sends job.count messages at job.rate, waits up to job.ack_drain for the
  // acks, then calls done with {"event":"sent", "sent", "acked": [i...],
  // "errors": {code: n}, "send_seconds", "ack_latency_us": histogram} —
  // the acks' latency is the server's path up to and through the commit,
  // which every delivery also waits for.
  void run(std::function<void(boost::json::object)> done);

 private:
  using Clock = std::chrono::steady_clock;

  void send_next();
  void send_one();
  void all_sent();
  void frame(std::string_view text);
  void closed(int code, const std::string& reason);
  void report();

  Context c_;
  std::vector<ConnSpec> specs_;  // just the one
  std::shared_ptr<void> opener_;
  std::shared_ptr<WsConnection> conn_;
  FrameReader reader_;
  boost::asio::steady_timer timer_;
  std::function<void(boost::json::object)> done_;
  std::string prefix_;  // {"type":"send","room_id":"…","client_id":"f
  std::string pad_;
  Clock::time_point started_;
  std::int64_t next_ = 0;
  std::int64_t outstanding_ = 0;
  std::vector<std::uint8_t> acked_flags_;
  std::vector<std::int64_t> sent_ns_;  // by message
  LatencyRecorder ack_latencies_;
  std::vector<std::int64_t> acked_;
  std::map<std::string, int> errors_;
  bool all_sent_ = false;
  bool reported_ = false;
  double send_seconds_ = 0;
};

}  // namespace wsload
