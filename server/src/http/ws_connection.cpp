#include "http/ws_connection.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

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
