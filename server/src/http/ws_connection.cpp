#include "http/ws_connection.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>

namespace tr::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

std::atomic<std::uint64_t> next_connection_id{1};

}  // namespace

WsConnection::WsConnection(asio::ip::tcp::socket socket, const WebSocketOptions& options)
    : ws_(std::move(socket)), options_(options) {
  info_.connection_id = next_connection_id++;
}

void WsConnection::set_identity(std::string user_id, std::string display_name,
                                std::string session_id) {
  info_.user_id = std::move(user_id);
  info_.display_name = std::move(display_name);
  info_.session_id = std::move(session_id);
}

void WsConnection::send(realtime::Frame frame, bool ephemeral) {
  {
    std::lock_guard lock(mu_);
    if (closing_) return;
    const bool pressured =
        frames_ * 2 >= options_.queue_max_frames || bytes_ * 2 >= options_.queue_max_bytes;
    if (ephemeral && pressured) return;  // typing and presence are dropped first
    if (frames_ >= options_.queue_max_frames ||
        bytes_ + frame->size() > options_.queue_max_bytes) {
      closing_ = true;  // too slow: close; it catches up by seq on reconnect
      close_code_ = 1008;
      close_reason_ = "too slow: reconnect and catch up";
    } else {
      bytes_ += frame->size();
      frames_++;
      queue_.push_back(std::move(frame));
    }
  }
  wake();
}

void WsConnection::close(std::uint16_t code, std::string_view reason) {
  {
    std::lock_guard lock(mu_);
    if (closing_) return;
    closing_ = true;
    close_code_ = code;
    close_reason_ = std::string(reason);
  }
  wake();
}

bool WsConnection::congested() const {
  std::lock_guard lock(mu_);
  return frames_ * 2 >= options_.queue_max_frames || bytes_ * 2 >= options_.queue_max_bytes;
}

void WsConnection::when_drained(std::function<void()> callback) {
  {
    std::lock_guard lock(mu_);
    if (!drained_locked() && !closing_) {
      on_drained_ = std::move(callback);
      return;
    }
  }
  callback();
}

void WsConnection::start_writer() {
  writer_idle_ = true;
  if (has_work()) wake();
}

void WsConnection::reader_finished() {
  {
    std::lock_guard lock(mu_);
    if (!closing_) {
      closing_ = true;
      close_code_ = 0;
    }
  }
  wake();
}

// On the executor: writes what is queued, or closes, or goes idle.
void WsConnection::pump() {
  std::uint16_t close_code = 0;
  std::string close_reason;
  {
    std::lock_guard lock(mu_);
    if (!queue_.empty() && !(closing_ && close_code_ == 1008)) {
      batch_.swap(queue_);
    } else if (closing_) {
      close_code = close_code_;
      close_reason = close_reason_;
    }
  }
  if (!batch_.empty()) {
    write_next();
    return;
  }
  if (close_code != 0) {
    if (!ws_.is_open()) return;
    websocket::close_reason why(close_code);
    close_reason.resize(std::min<std::size_t>(close_reason.size(), 120));
    why.reason.assign(close_reason.data(), close_reason.size());
    ws_.async_close(why, [self = shared_from_this()](const beast::error_code&) {});
    return;  // the writer is done for good
  }
  if (closing_now_with(0)) return;  // the socket is gone
  writer_idle_ = true;
  // A frame queued between the check above and now must not be missed.
  if (has_work() && writer_idle_.exchange(false)) pump();
}

void WsConnection::write_next() {
  ws_.text(true);
  const realtime::Frame& frame = batch_[next_];
  ws_.async_write(asio::buffer(*frame),
                  [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                    self->written(ec);
                  });
}

// A frame counts against the queue's bounds until it is written.
void WsConnection::written(const beast::error_code& ec) {
  std::function<void()> drained;
  bool slow = false;
  {
    std::lock_guard lock(mu_);
    bytes_ -= batch_[next_]->size();
    frames_--;
    if (ec) {
      closing_ = true;
      close_code_ = 0;  // the socket is gone: nothing left to say
    } else if (on_drained_ && drained_locked()) {
      drained = std::move(on_drained_);
    }
    slow = closing_ && close_code_ == 1008;
  }
  if (ec) return;
  if (drained) drained();  // the next catch-up page may come
  if (++next_ < batch_.size() && !slow) {
    write_next();
    return;
  }
  batch_.clear();
  next_ = 0;
  if (batch_.capacity() > 64) batch_.shrink_to_fit();  // an idle client keeps no big array
  pump();
}

bool WsConnection::closing_now_with(std::uint16_t code) const {
  std::lock_guard lock(mu_);
  return closing_ && close_code_ == code;
}

// Wakes the writer if it is idle (one post per wake-up, not per frame).
void WsConnection::wake() {
  if (!writer_idle_.exchange(false)) return;
  asio::post(ws_.get_executor(), [self = shared_from_this()] { self->pump(); });
}

bool WsConnection::has_work() const {
  std::lock_guard lock(mu_);
  return !queue_.empty() || closing_;
}

bool WsConnection::drained_locked() const {
  return frames_ * 4 < options_.queue_max_frames && bytes_ * 4 < options_.queue_max_bytes;
}

}  // namespace tr::http
