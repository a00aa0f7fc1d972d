// What every scenario gets from main(): the event loop, the job, the server
// to connect to and the orchestrator's channel. run_* return once the work
// is scheduled, with the scenario object for main() to keep until the loop
// ends; the scenario emits its result event and stops the loop.
#pragma once

#include "control.hpp"
#include "job.hpp"
#include "opener.hpp"

#include <boost/asio/io_context.hpp>

#include <memory>

namespace wsload {

struct Context {
  boost::asio::io_context& io;
  const Job& job;
  const Server& server;
  Control& control;
};

// Fan-out: subscribers record deliveries; an optional sender posts at a rate.
//   → {"event":"ready", "opened", "failed": 0, "ms"}   ← {"cmd":"start"}
//   → {"event":"sent", "sent", "acked": [i...], "errors": {code: n}, "send_seconds"}
//     (only a process with the sender)
//   ← {"cmd":"finish", "acked": [i...]}
//   → {"event":"result", "subscribers", "distinct", "duplicated", "lost", "closed",
//      "close_codes": {code: n}, "unexpected", "latency_us": [[us, n]...]}
std::shared_ptr<void> run_fanout(const Context& context);

// Throughput: senders keep `window` sends in flight each and count acks.
//   → {"event":"ready", "opened", "failed": 0, "ms"}   ← {"cmd":"start"}
//   ← {"cmd":"finish"} (any time after start)
//   → {"event":"result", "acked" (inside the window), "acked_total", "sent", "seconds",
//      "errors": {code: n}, "latency_us": [[us, n]...]}
//     (once the window is over, the sends in flight answered and finish received)
std::shared_ptr<void> run_throughput(const Context& context);

}  // namespace wsload
