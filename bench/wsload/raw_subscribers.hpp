// RawSubscribers: the fan-out's subscriber connections on bare sockets, read
// through one epoll set that the event loop watches — the least client CPU
// per received frame (one recv per readable socket, no per-read operation
// objects), so that the load generator, which shares the server's cores,
// takes as little of them as it can.
//
// open() connects, upgrades (HTTP/1.1, RFC 6455) and subscribes each
// connection in turn, blocking, each step bounded by the timeout, and keeps
// the bytes that came after `subscribed`. start() then hands every complete
// text frame's payload to `frames` (bytes kept from open() first), answers
// pings with pongs, and reports a close frame's code — or 1006 when the
// connection just broke — to `closes`, once. Single-threaded use.
#pragma once

#include "job.hpp"
#include "opener.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace wsload {

class RawSubscribers {
 public:
  RawSubscribers(boost::asio::io_context& io, FrameSink frames, CloseSink closes);
  ~RawSubscribers();
  RawSubscribers(const RawSubscribers&) = delete;
  RawSubscribers& operator=(const RawSubscribers&) = delete;

  struct Opened {
    int failed = 0;
    std::vector<std::string> errors;  // the first few
    double ms = 0;
  };
  // Opens and subscribes specs[k] for every k (position k in the sinks).
  Opened open(const Server& server, const std::vector<ConnSpec>& specs, int spread,
              Millis timeout);

  // Starts reading (on the io_context's thread).
  void start();

  // Closes every connection without a close handshake; no sink runs afterwards.
  void drop_all();

  std::size_t open_count() const;

 private:
  struct Conn {
    int fd = -1;
    std::string pending;  // bytes of an incomplete frame
  };

  std::string open_one(const Server& server, const ConnSpec& spec, int spread, Millis timeout,
                       Conn& conn);
  void wait();
  // Reads every readable socket.
  void drain();
  void readable(std::size_t k);
  // Takes the complete frames at the front of `bytes`; returns how many
  // bytes they used, or -1 when the connection ended (closed and reported).
  std::ptrdiff_t take_frames(std::size_t k, std::string_view bytes);
  void end(std::size_t k, int code, const std::string& reason);
  void send_control(std::size_t k, std::uint8_t opcode, std::string_view payload);

  boost::asio::io_context& io_;
  FrameSink frames_;
  CloseSink closes_;
  std::vector<Conn> conns_;
  int epoll_fd_ = -1;
  boost::asio::posix::stream_descriptor epoll_watch_;
  bool dropped_ = false;
};

}  // namespace wsload
