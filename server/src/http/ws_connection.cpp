#include "http/ws_connection.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <utility>

#include "http/worker_pool.hpp"
#include "http/ws_keepalive.hpp"

namespace tr::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::atomic<std::uint64_t> next_connection_id{1};

constexpr std::int64_t kCloseHandshakeMs = 5000;  // then the socket is cut
constexpr std::size_t kReadBufferBytes = 16 * 1024;
constexpr std::size_t kMaxFramesPerWrite = 64;
constexpr std::size_t kMaxDeferredBytes = 64 * 1024;  // queued while a FlushScope is open
constexpr int kMaxWritesInARow = 16;  // written at once before one waits on the executor
constexpr const char* kAuthFirst = "authenticate first: {\"type\":\"auth\",\"token\":...}";

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

const char* reason_for(std::uint16_t code) {
  switch (code) {
    case ws::kCloseUnsupportedData:
      return "binary frames are not supported";
    case ws::kCloseInvalidPayload:
      return "text frames must be UTF-8";
    case ws::kCloseTooBig:
      return "message too big";
    default:
      return "protocol error";
  }
}

}  // namespace

WsConnection::WsConnection(tcp::socket socket, RealtimeEndpoint& endpoint, WorkerPool& workers,
                           WsKeepalive& keepalive, std::string remote_address,
                           std::string user_agent, std::function<void()> on_finished)
    : socket_(std::move(socket)),
      endpoint_(endpoint),
      workers_(workers),
      keepalive_(keepalive),
      on_finished_(std::move(on_finished)),
      started_ms_(steady_ms()),
      parser_(endpoint.options.max_frame_bytes),
      last_read_ms_(started_ms_) {
  info_.connection_id = next_connection_id++;
  client_.actor.client_ip = std::move(remote_address);
  client_.actor.user_agent = std::move(user_agent);
}

WsConnection::~WsConnection() = default;

void WsConnection::start(std::string query_token) {
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  if (ec) return finish();
  keepalive_.add(shared_from_this());
  writer_idle_ = true;
  if (!query_token.empty()) return verify(std::move(query_token), true);
  wait_readable();
}

void WsConnection::tick(std::int64_t now_ms) {
  if (finished_) return;
  if (const std::int64_t since = closing_since_ms_; since != 0) {
    if (now_ms - since >= kCloseHandshakeMs) abort();
    return;
  }
  const auto& options = endpoint_.options;
  if (!authenticated_ && now_ms - started_ms_ >= options.auth_timeout.count()) {
    close(4401, "authentication required");
    return;
  }
  const std::int64_t silent = now_ms - last_read_ms_;
  if (silent >= options.idle_timeout.count()) {
    abort();  // nothing at all, not even a pong
  } else if (silent >= options.idle_timeout.count() / 2 && !ping_outstanding_.exchange(true)) {
    {
      std::lock_guard lock(mu_);
      ping_due_ = true;
    }
    wake();
  }
}

// ---- the hub's side ----------------------------------------------------------

void WsConnection::send(realtime::Frame frame, bool ephemeral) {
  bool may_wait_for_scope = false;
  {
    std::lock_guard lock(mu_);
    if (closing_) return;
    const bool pressured = frames_ * 2 >= endpoint_.options.queue_max_frames ||
                           bytes_ * 2 >= endpoint_.options.queue_max_bytes;
    if (ephemeral && pressured) return;  // typing and presence are dropped first
    if (frames_ >= endpoint_.options.queue_max_frames ||
        bytes_ + frame->size() > endpoint_.options.queue_max_bytes) {
      // Too slow: close at once; it catches up by seq on reconnect.
      closing_ = true;
      close_code_ = ws::kClosePolicyViolation;
      close_reason_ = "too slow: reconnect and catch up";
      closing_since_ms_ = steady_ms();
    } else {
      bytes_ += frame->size();
      frames_++;
      queue_.push_back(std::move(frame));
      // A big batch must not pile up in the queue until its scope ends (a
      // fast client would be closed as too slow): past this, the writer
      // takes it now.
      may_wait_for_scope = frames_ < kMaxFramesPerWrite && bytes_ < kMaxDeferredBytes;
    }
  }
  if (const std::uint64_t scope = FlushScope::current(); scope != 0 && may_wait_for_scope) {
    std::uint64_t deferred_in = 0;
    if (deferred_in_.compare_exchange_strong(deferred_in, scope)) {
      try {
        FlushScope::defer(shared_from_this());
        return;
      } catch (...) {
        deferred_in_ = 0;  // not deferred after all: woken below
      }
    } else if (deferred_in == scope) {
      return;  // already deferred in this scope
    }
    // Deferred in another thread's scope: this frame does not wait for it.
  }
  wake();
}

void WsConnection::flush() noexcept {
  deferred_in_ = 0;  // first: a frame queued from now on defers again
  try {
    std::function<void()> drained;
    {
      std::lock_guard lock(mu_);
      if (queue_.empty() && !pong_due_ && !ping_due_ && !closing_) return;
      if (pong_due_ || ping_due_ || closing_) {
        // Left to the writer on the executor (woken below if idle).
      } else if (!writer_idle_.exchange(false)) {
        return;  // busy: the writer takes the queue when its write is done
      } else if (!write_queue_now_locked()) {
        // The rest goes on on the executor; the writer stays claimed.
        asio::post(socket_.get_executor(), [self = shared_from_this()] { self->pump(); });
        return;
      } else {
        writer_idle_ = true;
        if (on_drained_ && drained_locked()) drained = std::move(on_drained_);
        if (!drained) return;
      }
    }
    if (drained) return drained();
    wake();
  } catch (const std::exception& e) {
    // Out of memory, most likely, and the writer may be left claimed: the
    // connection is given up; tick() cuts it within kCloseHandshakeMs.
    spdlog::error("websocket connection {}: flush failed: {}", info_.connection_id, e.what());
    std::lock_guard lock(mu_);
    if (!closing_) {
      closing_ = true;
      closing_since_ms_ = steady_ms();
    }
  }
}

// Under mu_, with the writer claimed, on any thread: finish() closes the
// socket only after it has set closing_ under mu_, so the descriptor is
// still ours. A non-blocking send; what it does not take stays queued
// (head_sent_ marks a frame cut short).
bool WsConnection::write_queue_now_locked() {
  const std::size_t take = std::min(queue_.size(), kMaxFramesPerWrite);
  std::array<std::uint8_t, kMaxFramesPerWrite * ws::kMaxHeaderBytes> headers;
  std::array<std::size_t, kMaxFramesPerWrite> frame_bytes;
  std::array<iovec, kMaxFramesPerWrite * 2> iov;
  std::size_t count = 0;
  for (std::size_t i = 0; i < take; ++i) {
    std::uint8_t* header = headers.data() + i * ws::kMaxHeaderBytes;
    const std::string& payload = *queue_[i];
    const std::size_t header_bytes = ws::write_header(ws::Opcode::kText, payload.size(), header);
    frame_bytes[i] = header_bytes + payload.size();
    iov[count++] = {header, header_bytes};
    if (!payload.empty()) iov[count++] = {const_cast<char*>(payload.data()), payload.size()};
  }
  // Skip what an earlier write already sent of the first frame.
  std::size_t first = 0;
  for (std::size_t skip = head_sent_; skip > 0;) {
    if (skip >= iov[first].iov_len) {
      skip -= iov[first++].iov_len;
    } else {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + skip;
      iov[first].iov_len -= skip;
      skip = 0;
    }
  }
  msghdr message{};
  message.msg_iov = iov.data() + first;
  message.msg_iovlen = count - first;
  const ssize_t sent = ::sendmsg(socket_.native_handle(), &message, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (sent <= 0) return false;  // would block, or an error the executor's write will meet
  std::size_t left = static_cast<std::size_t>(sent) + head_sent_;
  std::size_t whole = 0;
  while (whole < take && left >= frame_bytes[whole]) {
    left -= frame_bytes[whole];
    bytes_ -= queue_[whole]->size();
    frames_--;
    ++whole;
  }
  head_sent_ = left;  // of the frame now first, if any
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(whole));
  return queue_.empty();
}

void WsConnection::close(std::uint16_t code, std::string_view reason) {
  {
    std::lock_guard lock(mu_);
    if (closing_) return;
    closing_ = true;
    close_code_ = code;
    close_reason_ = std::string(reason);
    closing_since_ms_ = steady_ms();
  }
  wake();
}

bool WsConnection::congested() const {
  std::lock_guard lock(mu_);
  return frames_ * 2 >= endpoint_.options.queue_max_frames ||
         bytes_ * 2 >= endpoint_.options.queue_max_bytes;
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

bool WsConnection::drained_locked() const {
  return frames_ * 4 < endpoint_.options.queue_max_frames &&
         bytes_ * 4 < endpoint_.options.queue_max_bytes;
}

// ---- reading -----------------------------------------------------------------

void WsConnection::wait_readable() {
  socket_.async_wait(tcp::socket::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       self->guarded([&] { self->on_readable(ec); });
                     });
}

// What a client's frames set off (the gateway, the hub, JSON) may throw (say,
// bad_alloc): it ends this connection, never the I/O thread's loop.
void WsConnection::guarded(const std::function<void()>& step) {
  try {
    step();
  } catch (const std::exception& e) {
    spdlog::error("websocket connection {} ended: {}", info_.connection_id, e.what());
    finish();
  }
}

void WsConnection::on_readable(const boost::system::error_code& ec) {
  if (finished_) return;
  if (ec) return finish();
  // One buffer per I/O thread: an idle connection holds none.
  thread_local std::array<char, kReadBufferBytes> buffer;
  std::vector<ws::Event> events;
  bool ended = false;  // the client went away (or reset) after what was read
  for (int reads = 0; reads < 16; ++reads) {
    boost::system::error_code rec;
    const std::size_t n = socket_.read_some(asio::buffer(buffer), rec);
    if (rec == asio::error::would_block || rec == asio::error::try_again) break;
    if (rec) {
      ended = true;
      break;
    }
    last_read_ms_ = steady_ms();
    ping_outstanding_ = false;
    if (!failed_) parser_.feed(std::string_view(buffer.data(), n), events);
    if (n < buffer.size()) break;
  }
  for (auto& event : events) {
    handle(event);
    if (finished_) return;
  }
  if (ended) return finish();
  if (!verifying_) wait_readable();  // else: once the token is checked
}

void WsConnection::handle(ws::Event& event) {
  switch (event.kind) {
    case ws::Event::Kind::kText:
      handle_text(std::move(event.payload));
      return;
    case ws::Event::Kind::kPing: {
      {
        std::lock_guard lock(mu_);
        pong_ = std::move(event.payload);
        pong_due_ = true;
      }
      wake();
      return;
    }
    case ws::Event::Kind::kPong:
      return;  // it has been read: the client is alive
    case ws::Event::Kind::kClose:
      close_received_ = true;
      if (close_sent_) return finish();  // the handshake is complete
      close(event.code == ws::kCloseNoStatus ? ws::kCloseNormal : event.code, "");
      return;
    case ws::Event::Kind::kFail:
      failed_ = true;
      close(event.code, reason_for(event.code));
      return;
  }
}

void WsConnection::handle_text(std::string text) {
  if (closing_since_ms_ != 0) return;  // nothing more is taken from a closing client
  if (authenticated_) {
    if (!client_.run_in_order) {
      auto serial = asio::make_strand(workers_.executor());
      client_.run_in_order = [serial](std::function<void()> work) {
        asio::post(serial, std::move(work));
      };
    }
    endpoint_.gateway.handle(client_, text);
    return;
  }
  if (verifying_) {
    held_.push_back(std::move(text));  // handled once the token is checked
    return;
  }
  std::string token = auth_token_of(text);
  if (token.empty()) return close(4401, kAuthFirst);
  verify(std::move(token), false);
}

// Checks `token` on the worker pool, then carries on on the executor.
void WsConnection::verify(std::string token, bool from_query) {
  verifying_ = true;
  workers_.task_started();
  asio::post(workers_.executor(), [self = shared_from_this(), token = std::move(token),
                                   from_query]() mutable {
    Result<AuthContext> result = Error{ErrorCode::kInternal, "token check failed"};
    try {
      result = self->endpoint_.auth.authenticate(token);
    } catch (const std::exception& e) {
      spdlog::error("websocket token check failed: {}", e.what());
    }
    self->workers_.task_finished();
    asio::post(self->socket_.get_executor(),
               [self, result = std::move(result), from_query]() mutable {
                 self->guarded([&] { self->verified(std::move(result), from_query); });
               });
  });
}

void WsConnection::verified(Result<AuthContext> result, bool from_query) {
  verifying_ = false;
  if (finished_) return;
  if (!result) {
    held_.clear();
    close(4401, from_query ? "invalid or expired token" : kAuthFirst);
    return wait_readable();  // for the client's side of the close handshake
  }
  const AuthContext& who = *result;
  info_.user_id = who.user_id;
  info_.display_name = who.display_name;
  info_.session_id = who.session_id;
  client_.actor.user_id = who.user_id;
  client_.actor.username = who.username;
  client_.actor.display_name = who.display_name;
  client_.actor.is_admin = who.is_admin;
  client_.connection = shared_from_this();
  authenticated_ = true;
  endpoint_.hub.add_connection(client_.connection);
  send(realtime::make_frame(boost::json::serialize(
           boost::json::object{{"type", "ready"}, {"user_id", who.user_id}})),
       false);
  for (auto& text : std::exchange(held_, {})) {
    handle_text(std::move(text));
    if (finished_) return;
  }
  wait_readable();
}

// ---- writing -----------------------------------------------------------------

namespace {

// Drops the first `n` bytes of `buffers`.
void drop_front(std::vector<asio::const_buffer>& buffers, std::size_t n) {
  std::size_t whole = 0;
  while (whole < buffers.size() && n >= buffers[whole].size()) n -= buffers[whole++].size();
  buffers.erase(buffers.begin(), buffers.begin() + static_cast<std::ptrdiff_t>(whole));
  if (n > 0) buffers.front() += n;
}

}  // namespace

// Wakes the writer if it is idle (one post per wake-up, not per frame).
void WsConnection::wake() {
  if (!writer_idle_.exchange(false)) return;
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->pump(); });
}

// On the executor: gathers what is due (the rest of a frame a flush() left
// half written, a pong, a ping, queued frames, then the close frame once the
// queue is empty or given up) and writes it, or goes idle.
void WsConnection::pump() {
  if (finished_ || close_sent_) return;
  bool close_now = false;
  std::uint16_t close_code = 0;
  std::string close_reason;
  {
    std::lock_guard lock(mu_);
    // The rest of a frame that a direct write began comes before anything else.
    if (head_sent_ > 0) {
      writing_.push_back({ws::Opcode::kText, std::move(queue_.front()), true});
      queue_.erase(queue_.begin());
      writing_skip_ = std::exchange(head_sent_, 0);
    }
    if (pong_due_) {
      writing_.push_back({ws::Opcode::kPong, realtime::make_frame(std::move(pong_)), false});
      pong_ = std::string();
      pong_due_ = false;
    }
    if (ping_due_) {
      writing_.push_back({ws::Opcode::kPing, realtime::make_frame(""), false});
      ping_due_ = false;
    }
    // Closing for being too slow, for the client's close or for a protocol
    // error: what is still queued is given up.
    const bool give_up = closing_ && (close_code_ == ws::kClosePolicyViolation ||
                                      close_received_ || failed_);
    if (give_up) {
      for (const auto& frame : queue_) bytes_ -= frame->size();
      frames_ -= queue_.size();
      queue_ = {};
    }
    const std::size_t take = std::min(queue_.size(), kMaxFramesPerWrite);
    for (std::size_t i = 0; i < take; ++i) {
      writing_.push_back({ws::Opcode::kText, std::move(queue_[i]), true});
    }
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
    if (queue_.empty() && queue_.capacity() > 64) queue_ = {};  // an idle client keeps no big array
    if (closing_ && queue_.empty()) {
      close_now = true;
      close_code = close_code_;
      close_reason = close_reason_;
    }
  }
  if (close_now) {
    if (close_code == 0) close_code = ws::kCloseNormal;
    writing_.push_back(
        {ws::Opcode::kClose, realtime::make_frame(ws::close_payload(close_code, close_reason)),
         false});
  }
  if (!writing_.empty()) return write_batch();
  writing_ = {};
  headers_ = {};
  writes_in_a_row_ = 0;
  writer_idle_ = true;
  // Work queued between the check above and now must not be missed.
  bool more;
  {
    std::lock_guard lock(mu_);
    more = !queue_.empty() || pong_due_ || ping_due_ || closing_;
  }
  if (more && writer_idle_.exchange(false)) pump();
}

void WsConnection::write_batch() {
  headers_.resize(writing_.size() * ws::kMaxHeaderBytes);
  std::vector<asio::const_buffer> buffers;
  buffers.reserve(writing_.size() * 2);
  for (std::size_t i = 0; i < writing_.size(); ++i) {
    std::uint8_t* header = headers_.data() + i * ws::kMaxHeaderBytes;
    const auto& payload = *writing_[i].payload;
    buffers.emplace_back(header, ws::write_header(writing_[i].opcode, payload.size(), header));
    if (!payload.empty()) buffers.emplace_back(payload.data(), payload.size());
  }
  drop_front(buffers, std::exchange(writing_skip_, 0));  // sent by a direct write
  // Most writes fit in the socket's send buffer: made now, on this strand,
  // they need no operation to complete later (the operation and its
  // completion were a good part of the cost of each delivery). A run of
  // them yields to the executor now and then, so the recursion through
  // written() and pump() stays shallow.
  if (writes_in_a_row_ < kMaxWritesInARow) {
    ++writes_in_a_row_;
    boost::system::error_code ec;
    while (!buffers.empty()) {
      const std::size_t n = socket_.write_some(buffers, ec);
      if (ec) break;
      drop_front(buffers, n);
    }
    if (buffers.empty()) return written({});
    if (ec != asio::error::would_block && ec != asio::error::try_again) return written(ec);
  }
  writes_in_a_row_ = 0;  // the rest when the socket drains
  asio::async_write(socket_, std::move(buffers),
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      self->written(ec);
                    });
}

// A frame counts against the queue's bounds until it is written.
void WsConnection::written(const boost::system::error_code& ec) {
  if (finished_) {
    // finish() has emptied the queue and its counts: an aborted write counts for nothing.
    writing_.clear();
    return;
  }
  std::function<void()> drained;
  bool close_written = false;
  {
    std::lock_guard lock(mu_);
    for (const auto& out : writing_) {
      if (out.counted) {
        bytes_ -= out.payload->size();
        frames_--;
      }
      close_written = close_written || out.opcode == ws::Opcode::kClose;
    }
    if (!ec && on_drained_ && drained_locked()) drained = std::move(on_drained_);
  }
  writing_.clear();
  if (ec) return finish();
  if (drained) drained();  // the next catch-up page may come
  if (close_written) {
    close_sent_ = true;
    return after_close_sent();
  }
  pump();
}

void WsConnection::after_close_sent() {
  writing_ = {};
  headers_ = {};
  if (close_received_) return finish();  // the handshake is complete
  if (failed_) {
    // The client's bytes can no longer be framed: say no more and read to
    // its end (discarding), so our close frame is not lost to a reset.
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
  }
  // Otherwise the client answers with its close frame; tick() cuts a
  // handshake that takes longer than kCloseHandshakeMs.
}

// ---- the end -------------------------------------------------------------------

void WsConnection::finish() {
  if (finished_.exchange(true)) return;
  std::function<void()> drained;
  {
    // Before the socket closes: a direct write (flush) checks closing_ under mu_.
    std::lock_guard lock(mu_);
    closing_ = true;
    queue_ = {};
    head_sent_ = 0;
    frames_ = 0;
    bytes_ = 0;
    drained = std::move(on_drained_);
  }
  boost::system::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  keepalive_.remove(info_.connection_id);
  if (authenticated_) endpoint_.hub.remove_connection(info_.connection_id);
  if (drained) drained();
  client_.connection.reset();  // it pointed here
  held_.clear();
  if (on_finished_) std::exchange(on_finished_, nullptr)();
}

void WsConnection::end_now() { finish(); }

void WsConnection::abort() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->finish(); });
}

}  // namespace tr::http
