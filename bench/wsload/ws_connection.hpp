// One WebSocket client connection (Boost.Beast over plain TCP): opening with a
// timeout (optionally from a given source address), a read loop that hands
// every frame's text to a callback, and queued writes. Single-threaded use.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace wsload {

class WsConnection : public std::enable_shared_from_this<WsConnection> {
 public:
  // error is empty on success.
  using OpenHandler = std::function<void(const std::string& error)>;
  using FrameHandler = std::function<void(std::string_view text)>;
  // code: the server's close code, or 1006 when the connection just broke.
  using CloseHandler = std::function<void(int code, const std::string& reason)>;

  explicit WsConnection(boost::asio::io_context& io);

  // Connects to `server` (from `source` if given) and upgrades at `target`
  // (path and query); `timeout` bounds the connect and the upgrade each.
  void open(const boost::asio::ip::tcp::endpoint& server,
            std::optional<boost::asio::ip::address> source, const std::string& host,
            const std::string& target, std::chrono::milliseconds timeout, OpenHandler done);

  void on_frame(FrameHandler handler) { on_frame_ = std::move(handler); }
  void on_close(CloseHandler handler) { on_close_ = std::move(handler); }

  // Queues a text frame; ignored once the connection is closed.
  void send(std::string text);

  // Drops the TCP connection without a close handshake (like ws.terminate());
  // no callbacks run afterwards.
  void drop();

  bool is_open() const { return state_ == State::open; }

 private:
  enum class State { idle, opening, open, closed };

  void read_next();
  void write_next();
  void fail(const boost::system::error_code& ec);

  // A socket bound to the io_context's own executor type: no type-erased
  // executor to copy on every read.
  using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp,
                                                  boost::asio::io_context::executor_type>;
  boost::beast::websocket::stream<Socket> ws_;
  boost::asio::steady_timer connect_timer_;
  boost::beast::websocket::response_type response_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  bool writing_ = false;
  State state_ = State::idle;
  FrameHandler on_frame_;
  CloseHandler on_close_;
};

}  // namespace wsload
