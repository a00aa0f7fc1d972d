// WebSocket client connection on Beast (see ws_connection.hpp).
#include "ws_connection.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/stream_base.hpp>

namespace wsload {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

WsConnection::WsConnection(asio::io_context& io) : ws_(io.get_executor()), connect_timer_(io) {}

void WsConnection::open(const tcp::endpoint& server, std::optional<asio::ip::address> source,
                        const std::string& host, const std::string& target,
                        std::chrono::milliseconds timeout, OpenHandler done) {
  state_ = State::opening;
  auto& socket = beast::get_lowest_layer(ws_);
  beast::error_code ec;
  socket.open(server.protocol(), ec);
  if (!ec && source) socket.bind(tcp::endpoint(*source, 0), ec);
  if (ec) {
    state_ = State::closed;
    return done("socket: " + ec.message());
  }
  connect_timer_.expires_after(timeout);
  connect_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    beast::error_code ignored;
    if (!ec) beast::get_lowest_layer(self->ws_).close(ignored);  // the connect fails
  });
  socket.async_connect(server, [self = shared_from_this(), host, target, timeout,
                                done = std::move(done)](beast::error_code ec) mutable {
    if (self->connect_timer_.expiry() <= std::chrono::steady_clock::now()) {
      ec = asio::error::timed_out;
    }
    self->connect_timer_.cancel();
    if (ec) {
      self->state_ = State::closed;
      return done("connect: " + ec.message());
    }
    auto& socket = beast::get_lowest_layer(self->ws_);
    socket.set_option(tcp::no_delay(true), ec);  // latency matters more than packets
    websocket::stream_base::timeout limits{};
    limits.handshake_timeout = timeout;
    limits.idle_timeout = websocket::stream_base::none();
    limits.keep_alive_pings = false;
    self->ws_.set_option(limits);
    self->ws_.auto_fragment(false);
    self->ws_.async_handshake(
        self->response_, host, target,
        [self, done = std::move(done)](beast::error_code ec) {
          if (ec) {
            self->state_ = State::closed;
            if (ec == websocket::error::upgrade_declined) {
              return done("upgrade refused: HTTP " + std::to_string(self->response_.result_int()));
            }
            return done("upgrade: " + ec.message());
          }
          self->state_ = State::open;
          self->response_ = {};
          self->read_next();
          if (!self->queue_.empty()) self->write_next();
          done("");
        });
  });
}

void WsConnection::read_next() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (self->state_ == State::closed) return;
    if (ec) return self->fail(ec);
    const auto data = self->buffer_.cdata();
    if (self->on_frame_) {
      self->on_frame_(std::string_view(static_cast<const char*>(data.data()), data.size()));
    }
    self->buffer_.clear();
    if (self->state_ == State::open) self->read_next();
  });
}

void WsConnection::send(std::string text) {
  if (state_ == State::closed) return;
  queue_.push_back(std::move(text));
  if (state_ == State::open && !writing_) write_next();
}

void WsConnection::write_next() {
  writing_ = true;
  ws_.text(true);
  ws_.async_write(asio::buffer(queue_.front()),
                  [self = shared_from_this()](beast::error_code ec, std::size_t) {
                    self->writing_ = false;
                    if (self->state_ == State::closed) return self->queue_.clear();
                    if (ec) return self->fail(ec);
                    self->queue_.pop_front();
                    if (!self->queue_.empty()) self->write_next();
                  });
}

void WsConnection::fail(const beast::error_code& ec) {
  state_ = State::closed;
  if (!writing_) queue_.clear();  // else the pending write still points into it
  int code = 1006;
  std::string reason = ec.message();
  if (ec == websocket::error::closed) {
    code = ws_.reason().code;
    reason = "closed by the server: " + std::to_string(code) + " " + std::string(ws_.reason().reason.data(), ws_.reason().reason.size());
  }
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).close(ignored);
  if (on_close_) on_close_(code, reason);
}

void WsConnection::drop() {
  if (state_ == State::closed) return;
  state_ = State::closed;
  if (!writing_) queue_.clear();
  beast::error_code ignored;
  auto& socket = beast::get_lowest_layer(ws_);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace wsload
