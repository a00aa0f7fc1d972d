#include "http/ws_session.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include <memory>
#include <utility>

#include "http/ws_connection.hpp"

namespace tr::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

asio::awaitable<void> run_websocket(asio::ip::tcp::socket socket,
                                    beast::http::request<beast::http::empty_body> upgrade,
                                    std::string query_token, std::string remote_address,
                                    RealtimeEndpoint& endpoint, WorkerPool& workers,
                                    WsKeepalive& keepalive, std::function<void()> on_finished) {
  try {
    // Beast answers the upgrade (checks its headers, writes 101 or the
    // refusal); the connection then runs on the bare socket.
    websocket::stream<asio::ip::tcp::socket> handshake(std::move(socket));
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(10);
    timeouts.idle_timeout = websocket::stream_base::none();
    handshake.set_option(timeouts);
    handshake.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(beast::http::field::server, "task-reporter");
    }));
    auto [ec] = co_await handshake.async_accept(upgrade, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      std::exchange(on_finished, nullptr)();
      co_return;
    }
    auto conn = std::make_shared<WsConnection>(
        std::move(handshake.next_layer()), endpoint, workers, keepalive,
        std::move(remote_address), std::string(upgrade[beast::http::field::user_agent]),
        std::move(on_finished));
    conn->start(std::move(query_token));
  } catch (const std::exception& e) {
    spdlog::error("websocket handshake failed: {}", e.what());
    if (on_finished) on_finished();
  }
}

}  // namespace tr::http
