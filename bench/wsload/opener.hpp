// Opens many connections at once — at most `concurrency` being set up at a
// time. Afterwards each connection's frames and close go to the given sinks,
// with the connection's position in the list. (The fan-out's subscribers
// open and subscribe on bare sockets instead: raw_subscribers.hpp.)
#pragma once

#include "job.hpp"
#include "ws_connection.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace wsload {

struct Server {
  boost::asio::ip::tcp::endpoint endpoint;
  std::string host;  // for the Host header: "127.0.0.1:8080"
};

struct OpenOptions {
  int concurrency = 64;
  int spread = 0;  // source addresses 127.0.0.(2 + index % spread); 0 = any
  Millis timeout{10000};
};

struct OpenOutcome {
  std::vector<std::shared_ptr<WsConnection>> conns;  // in spec order; null where it failed
  int failed = 0;
  std::vector<std::string> errors;  // the first few
  double ms = 0;                    // wall time to open them all
};

using FrameSink = std::function<void(std::size_t position, std::string_view text)>;
using CloseSink = std::function<void(std::size_t position, int code, const std::string& reason)>;

// Returns the router between the connections and the sinks: the caller keeps
// it as long as it wants frames (the connections only point to it).
std::shared_ptr<void> open_all(boost::asio::io_context& io, const Server& server,
                               const std::vector<ConnSpec>& specs, const OpenOptions& options,
                               FrameSink frames, CloseSink closes,
                               std::function<void(OpenOutcome)> done);

}  // namespace wsload
