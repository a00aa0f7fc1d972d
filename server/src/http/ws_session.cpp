#include "http/ws_session.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <mutex>
#include <utility>
#include <vector>

#include "http/worker_pool.hpp"

namespace tr::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using asio::awaitable;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
using WsStream = websocket::stream<asio::ip::tcp::socket>;

std::atomic<std::uint64_t> next_connection_id{1};

// A client connection as the hub sees it: a bounded queue of frames, written
// by a chain of completion handlers on the connection's strand (no coroutine
// or timer per connection for writing).
class WsConnection final : public realtime::Connection,
                           public std::enable_shared_from_this<WsConnection> {
 public:
  WsConnection(asio::ip::tcp::socket socket, const WebSocketOptions& options)
      : ws_(std::move(socket)), options_(options) {
    info_.connection_id = next_connection_id++;
  }

  WsStream& ws() { return ws_; }
  void set_identity(std::string user_id, std::string display_name, std::string session_id) {
    info_.user_id = std::move(user_id);
    info_.display_name = std::move(display_name);
    info_.session_id = std::move(session_id);
  }

  // realtime::Connection
  const realtime::ConnectionInfo& info() const override { return info_; }

  void send(realtime::Frame frame, bool ephemeral) override {
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

  void close(std::uint16_t code, std::string_view reason) override {
    {
      std::lock_guard lock(mu_);
      if (closing_) return;
      closing_ = true;
      close_code_ = code;
      close_reason_ = std::string(reason);
    }
    wake();
  }

  bool congested() const override {
    std::lock_guard lock(mu_);
    return frames_ * 2 >= options_.queue_max_frames || bytes_ * 2 >= options_.queue_max_bytes;
  }

  void when_drained(std::function<void()> callback) override {
    {
      std::lock_guard lock(mu_);
      if (!drained_locked() && !closing_) {
        on_drained_ = std::move(callback);
        return;
      }
    }
    callback();
  }

  // Lets the writer run (after the handshake). The writer is a chain of
  // completion handlers on the connection's strand, each holding the
  // connection alive: one write in flight, frames taken from the queue a
  // batch at a time, then the close frame when closing.
  void start_writer() {
    writer_idle_ = true;
    if (has_work()) wake();
  }

 private:
  // On the strand: writes what is queued, or closes, or goes idle.
  void pump() {
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

  void write_next() {
    ws_.text(true);
    const realtime::Frame& frame = batch_[next_];
    ws_.async_write(asio::buffer(*frame),
                    [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                      self->written(ec);
                    });
  }

  // A frame counts against the queue's bounds until it is written.
  void written(const beast::error_code& ec) {
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

  bool closing_now_with(std::uint16_t code) const {
    std::lock_guard lock(mu_);
    return closing_ && close_code_ == code;
  }

 public:
  // The reader ended: stop the writer without a close frame of ours.
  void reader_finished() {
    {
      std::lock_guard lock(mu_);
      if (!closing_) {
        closing_ = true;
        close_code_ = 0;
      }
    }
    wake();
  }

 private:
  // Wakes the writer if it is idle (one post per wake-up, not per frame).
  void wake() {
    if (!writer_idle_.exchange(false)) return;
    asio::post(ws_.get_executor(), [self = shared_from_this()] { self->pump(); });
  }

  bool has_work() const {
    std::lock_guard lock(mu_);
    return !queue_.empty() || closing_;
  }

  bool drained_locked() const {
    return frames_ * 4 < options_.queue_max_frames && bytes_ * 4 < options_.queue_max_bytes;
  }

  WsStream ws_;
  std::atomic<bool> writer_idle_{false};   // true: no write in flight and no pump posted
  std::vector<realtime::Frame> batch_;     // strand only: the frames being written
  std::size_t next_ = 0;                   // strand only: batch_[next_] is in flight
  const WebSocketOptions& options_;
  realtime::ConnectionInfo info_;

  mutable std::mutex mu_;
  std::vector<realtime::Frame> queue_;  // guarded by mu_; not yet taken by the writer
  std::function<void()> on_drained_;    // guarded by mu_
  std::size_t frames_ = 0;              // guarded by mu_; queued or being written
  std::size_t bytes_ = 0;               // guarded by mu_; queued or being written
  bool closing_ = false;               // guarded by mu_
  std::uint16_t close_code_ = 0;       // guarded by mu_
  std::string close_reason_;           // guarded by mu_
};

// Verifies a token on the worker pool.
awaitable<Result<AuthContext>> verify(AuthService& auth, WorkerPool& workers, std::string token) {
  workers.task_started();
  auto task = [&auth, token = std::move(token)]() -> awaitable<Result<AuthContext>> {
    co_return auth.authenticate(token);
  };
  auto pool = workers.executor();
  auto [ep, result] = co_await asio::co_spawn(pool, std::move(task), kTuple);
  workers.task_finished();
  if (ep) co_return Result<AuthContext>(Error{ErrorCode::kInternal, "token check failed"});
  co_return std::move(result);
}

std::string auth_token_of(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return "";
  const auto& o = v.as_object();
  auto* type = o.if_contains("type");
  auto* token = o.if_contains("token");
  if (!type || !type->is_string() || type->as_string() != "auth") return "";
  if (!token || !token->is_string()) return "";
  return std::string(token->as_string());
}

}  // namespace

awaitable<void> run_websocket(asio::ip::tcp::socket socket,
                              beast::http::request<beast::http::empty_body> upgrade,
                              std::string query_token, std::string remote_address,
                              RealtimeEndpoint& endpoint, WorkerPool& workers) {
  const WebSocketOptions& options = endpoint.options;
  auto conn = std::make_shared<WsConnection>(std::move(socket), options);
  WsStream& ws = conn->ws();
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds(10);
  timeouts.idle_timeout = options.idle_timeout;
  timeouts.keep_alive_pings = true;
  ws.set_option(timeouts);
  ws.read_message_max(options.max_frame_bytes);
  ws.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(beast::http::field::server, "task-reporter");
  }));
  auto [accept_ec] = co_await ws.async_accept(upgrade, kTuple);
  if (accept_ec) co_return;
  const std::string user_agent(upgrade[beast::http::field::user_agent]);
  upgrade = {};  // its header fields are not needed for the connection's life

  auto executor = co_await asio::this_coro::executor;
  conn->start_writer();

  std::optional<AuthContext> who;
  auto authenticate = [&](std::string token) -> awaitable<bool> {
    auto result = co_await verify(endpoint.auth, workers, std::move(token));
    if (!result) co_return false;
    who = *result;
    conn->set_identity(who->user_id, who->display_name, who->session_id);
    endpoint.hub.add_connection(conn);
    conn->send(realtime::make_frame(boost::json::serialize(
                   boost::json::object{{"type", "ready"}, {"user_id", who->user_id}})),
               false);
    co_return true;
  };

  if (!query_token.empty()) {
    bool ok = co_await authenticate(std::move(query_token));
    if (!ok) {
      conn->close(4401, "invalid or expired token");
      conn->reader_finished();
      co_return;
    }
  } else {
    // No token yet: it must come as the first frame within the timeout.
    std::weak_ptr<WsConnection> weak = conn;
    auto timer = std::make_shared<asio::steady_timer>(executor, options.auth_timeout);
    timer->async_wait([weak, timer](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto c = weak.lock(); c && c->info().user_id.empty()) {
        c->close(4401, "authentication required");
      }
    });
  }

  realtime::Client client;
  // Frames are read piecewise into a small fixed chunk and assembled in
  // `message`, so an idle client (a read always pending) holds no read buffer
  // of its own beyond the chunk; Beast still enforces the message size limit.
  std::array<char, 256> chunk;
  std::string message;
  for (;;) {
    auto [ec, n] = co_await ws.async_read_some(asio::buffer(chunk), kTuple);
    if (ec) break;  // closed, idle peer, or over the size limit (Beast sent 1009)
    message.append(chunk.data(), n);
    if (!ws.is_message_done()) continue;
    if (!ws.got_text()) {
      conn->close(1003, "binary frames are not supported");
      message = std::string();
      continue;  // keep reading until the close handshake ends
    }
    const std::string text = std::exchange(message, std::string());
    if (!who) {
      std::string token = auth_token_of(text);
      bool ok = false;
      if (!token.empty()) ok = co_await authenticate(std::move(token));
      if (!ok) conn->close(4401, "authenticate first: {\"type\":\"auth\",\"token\":...}");
      continue;
    }
    if (!client.connection) {
      auto serial = asio::make_strand(workers.executor());
      client.run_in_order = [serial](std::function<void()> work) {
        asio::post(serial, std::move(work));
      };
      client.actor = Actor{who->user_id, who->username, who->display_name, who->is_admin,
                           remote_address, user_agent};
      client.connection = conn;
    }
    endpoint.gateway.handle(client, text);
  }
  conn->reader_finished();
  if (who) endpoint.hub.remove_connection(conn->info().connection_id);
}

}  // namespace tr::http
