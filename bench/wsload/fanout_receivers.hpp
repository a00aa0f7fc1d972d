// The fan-out subscribers: connections subscribed to the room that count the
// deliveries of every bench message i ("bench|I|SEND_NS|" in its content)
// per subscriber — so lost and duplicated deliveries are exact — and record
// the latency of each first delivery (receive time minus SEND_NS).
#pragma once

#include "frame.hpp"
#include "latency.hpp"
#include "raw_subscribers.hpp"
#include "scenario.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace wsload {

class FanoutReceivers : public std::enable_shared_from_this<FanoutReceivers> {
 public:
  explicit FanoutReceivers(const Context& context);

  // Opens and subscribes job.subscribers on bare sockets (a failure is
  // fatal), then calls ready with the time that took in ms.
  void open(std::function<void(double ms)> ready);

  // Waits (up to job.drain) until every open subscriber has every acked
  // message, then calls done with {"event":"result", "subscribers",
  // "distinct", "duplicated", "lost", "closed", "close_codes": {code: n},
  // "unexpected", "latency_us": [[us, n]...]} and drops the connections.
  void finish(const boost::json::array& acked, std::function<void(boost::json::object)> done);

  std::size_t size() const { return subs_.size(); }

 private:
  struct Subscriber {
    std::vector<std::uint8_t> counts;  // deliveries of message i (saturating at 255)
    bool closed = false;
  };

  void delivery(std::size_t k, std::string_view text);
  void closed(std::size_t k, int code, const std::string& reason);
  std::int64_t missing_acked(const Subscriber& s) const;
  void report();

  Context c_;
  std::vector<Subscriber> subs_;
  std::unique_ptr<RawSubscribers> conns_;
  FrameReader reader_;
  LatencyRecorder latencies_;
  boost::asio::steady_timer drain_timer_;
  std::function<void(boost::json::object)> done_;
  std::vector<std::uint8_t> acked_mask_;
  std::int64_t remaining_ = 0;  // acked deliveries the open subscribers still miss
  std::int64_t unexpected_ = 0;
  std::map<std::string, int> close_codes_;
  int closes_logged_ = 0;
  bool finishing_ = false;
  bool reported_ = false;
};

}  // namespace wsload
