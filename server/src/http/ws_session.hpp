#pragma once
// The start of a WebSocket client of GET /ws, after the HTTP upgrade request
// has been read: Beast checks the upgrade and answers it (101, or a refusal),
// then the client runs as a WsConnection on the bare socket (ws_connection.hpp:
// authentication, frames, the hub, keepalive through `keepalive`). The
// coroutine ends there, so an idle client costs no coroutine frame.
// `on_finished` runs once when the connection has ended (not when the server
// is torn down with connections still open). Included by server.cpp only.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>

#include <functional>
#include <string>

#include "http/realtime_endpoint.hpp"

namespace tr::http {

class WorkerPool;
class WsKeepalive;

boost::asio::awaitable<void> run_websocket(
    boost::asio::ip::tcp::socket socket,
    boost::beast::http::request<boost::beast::http::empty_body> upgrade,
    std::string query_token, std::string remote_address, RealtimeEndpoint& endpoint,
    WorkerPool& workers, WsKeepalive& keepalive, std::function<void()> on_finished);

}  // namespace tr::http
