#include "http/ws_session.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <functional>
#include <memory>
#include <utility>

#include "http/worker_pool.hpp"
#include "http/ws_connection.hpp"

namespace tr::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using asio::awaitable;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

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

// The reading half of a client connection, after the handshake: a chain of
// completion handlers (no coroutine frame per idle client), each holding the
// reader alive. Frames are read piecewise into a small chunk and assembled in
// `message_` only while a message arrives, so an idle client (a read always
// pending) holds no read buffer of its own; Beast still enforces the size
// limit. Runs on the connection's executor, like the writer.
class WsReader final : public std::enable_shared_from_this<WsReader> {
 public:
  WsReader(std::shared_ptr<WsConnection> conn, RealtimeEndpoint& endpoint, WorkerPool& workers,
           std::string remote_address, std::function<void()> on_finished)
      : conn_(std::move(conn)),
        endpoint_(endpoint),
        workers_(workers),
        on_finished_(std::move(on_finished)) {
    client_.actor.client_ip = std::move(remote_address);
  }

  // After the handshake: authenticate with the ?token= (or wait for an auth
  // frame within the timeout), then read.
  void start(std::string user_agent, std::string query_token) {
    client_.actor.user_agent = std::move(user_agent);
    conn_->start_writer();
    if (!query_token.empty()) {
      verify(std::move(query_token), true);
      return;
    }
    // No token yet: it must come as the first frame within the timeout.
    std::weak_ptr<WsConnection> weak = conn_;
    auto timer = std::make_shared<asio::steady_timer>(conn_->ws().get_executor(),
                                                      endpoint_.options.auth_timeout);
    timer->async_wait([weak, timer](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto c = weak.lock(); c && c->info().user_id.empty()) {
        c->close(4401, "authentication required");
      }
    });
    read();
  }

  // The connection ended before or after the handshake: stop the writer,
  // leave the hub, and tell the server. Once.
  void finish() {
    if (!on_finished_) return;
    conn_->reader_finished();
    if (authenticated_) endpoint_.hub.remove_connection(conn_->info().connection_id);
    std::exchange(on_finished_, nullptr)();
  }

 private:
  void read() {
    conn_->ws().async_read_some(
        asio::buffer(chunk_),
        [self = shared_from_this()](const beast::error_code& ec, std::size_t n) {
          self->on_read(ec, n);
        });
  }

  void on_read(const beast::error_code& ec, std::size_t n) {
    if (ec) {  // closed, idle peer, or over the size limit (Beast sent 1009)
      finish();
      return;
    }
    WsStream& ws = conn_->ws();
    message_.append(chunk_.data(), n);
    if (!ws.is_message_done()) return read();
    if (!ws.got_text()) {
      conn_->close(1003, "binary frames are not supported");
      message_ = std::string();
      return read();  // keep reading until the close handshake ends
    }
    std::string text = std::exchange(message_, std::string());
    if (!authenticated_) {
      std::string token = auth_token_of(text);
      if (token.empty()) {
        conn_->close(4401, kAuthFirst);
        return read();
      }
      return verify(std::move(token), false);  // reads again once verified
    }
    if (!client_.run_in_order) {
      auto serial = asio::make_strand(workers_.executor());
      client_.run_in_order = [serial](std::function<void()> work) {
        asio::post(serial, std::move(work));
      };
    }
    endpoint_.gateway.handle(client_, text);
    read();
  }

  // Checks `token` on the worker pool, then carries on here.
  void verify(std::string token, bool from_query) {
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
      asio::post(self->conn_->ws().get_executor(),
                 [self, result = std::move(result), from_query]() mutable {
                   self->verified(std::move(result), from_query);
                 });
    });
  }

  void verified(Result<AuthContext> result, bool from_query) {
    if (!result) {
      if (from_query) {
        conn_->close(4401, "invalid or expired token");
        finish();
        return;
      }
      conn_->close(4401, kAuthFirst);
      return read();
    }
    const AuthContext& who = *result;
    authenticated_ = true;
    conn_->set_identity(who.user_id, who.display_name, who.session_id);
    client_.actor.user_id = who.user_id;
    client_.actor.username = who.username;
    client_.actor.display_name = who.display_name;
    client_.actor.is_admin = who.is_admin;
    client_.connection = conn_;
    endpoint_.hub.add_connection(conn_);
    conn_->send(realtime::make_frame(boost::json::serialize(
                    boost::json::object{{"type", "ready"}, {"user_id", who.user_id}})),
                false);
    read();
  }

  static constexpr const char* kAuthFirst =
      "authenticate first: {\"type\":\"auth\",\"token\":...}";

  std::shared_ptr<WsConnection> conn_;
  RealtimeEndpoint& endpoint_;
  WorkerPool& workers_;
  std::function<void()> on_finished_;
  bool authenticated_ = false;
  realtime::Client client_;  // actor filled in on authentication
  std::array<char, 128> chunk_;
  std::string message_;
};

}  // namespace

awaitable<void> run_websocket(asio::ip::tcp::socket socket,
                              beast::http::request<beast::http::empty_body> upgrade,
                              std::string query_token, std::string remote_address,
                              RealtimeEndpoint& endpoint, WorkerPool& workers,
                              std::function<void()> on_finished) {
  std::shared_ptr<WsReader> reader;
  try {
    const WebSocketOptions& options = endpoint.options;
    auto conn = std::make_shared<WsConnection>(std::move(socket), options);
    reader = std::make_shared<WsReader>(conn, endpoint, workers, std::move(remote_address),
                                        std::move(on_finished));
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
    if (accept_ec) {
      reader->finish();
      co_return;
    }
    // From here on handlers carry the connection; this coroutine (and the
    // upgrade request's header fields) go away.
    reader->start(std::string(upgrade[beast::http::field::user_agent]), std::move(query_token));
  } catch (const std::exception& e) {
    spdlog::error("websocket setup failed: {}", e.what());
    if (reader) {
      reader->finish();
    } else if (on_finished) {
      on_finished();
    }
  }
}

}  // namespace tr::http
