// RawSubscribers: the fan-out's subscriber connections on bare sockets, read
// through io_uring — the least client CPU per received frame, so that the
// load generator, which shares the server's cores, takes as little of them
// as it can. Each socket has a multishot receive into a ring of provided
// buffers; the ring defers its work to this thread (DEFER_TASKRUN), so the
// reads of a whole burst happen in one system call. (An epoll set and one
// recv per readable socket took about a third more CPU per frame.) Needs
// io_uring (Linux 6.1 or later): without it open() fails with the reason.
//
// How the reader waits for frames:
//  - poll: the event loop never sleeps; it takes the ring's completions
//    between its other handlers. One core stays busy, but no frame waits for
//    the reader to wake up: 500 phones each have a CPU of their own, where
//    one thread that sleeps between frames delays every frame behind it by
//    its wake-ups (bench/machine.sh's fan-out floor shows how much, with no
//    server at all).
//  - block: the event loop sleeps until an eventfd that the ring signals
//    says there is work; less CPU, and the wake-ups count in the latency.
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
#include <memory>
#include <string>
#include <vector>

namespace wsload {

class RawSubscribers {
 public:
  // `poll`: how the reader waits (see above).
  RawSubscribers(boost::asio::io_context& io, FrameSink frames, CloseSink closes, bool poll);
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

  struct Ring;  // io_uring's, kept out of this header

  std::string open_one(const Server& server, const ConnSpec& spec, int spread, Millis timeout,
                       Conn& conn);
  void wait();
  void poll();
  // Takes every completed receive.
  void drain();
  void received(std::size_t k, std::string_view got);
  // Takes the complete frames at the front of `bytes`; returns how many
  // bytes they used, or -1 when the connection ended (closed and reported).
  std::ptrdiff_t take_frames(std::size_t k, std::string_view bytes);
  void end(std::size_t k, int code, const std::string& reason);
  void send_control(std::size_t k, std::uint8_t opcode, std::string_view payload);

  boost::asio::io_context& io_;
  FrameSink frames_;
  CloseSink closes_;
  std::vector<Conn> conns_;
  std::unique_ptr<Ring> ring_;
  boost::asio::posix::stream_descriptor event_watch_;  // the ring's eventfd
  const bool polling_;
  bool dropped_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // for handlers posted by poll()
};

}  // namespace wsload
