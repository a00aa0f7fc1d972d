#pragma once
// One WebSocket client of GET /ws, after the HTTP upgrade request has been
// read: accept, authenticate (?token= or a first {"type":"auth"} frame within
// the timeout, else close 4401), register with the hub, then read client
// frames (text only: binary → 1003; over the size limit → 1009) and write
// queued frames with one write in flight (ws_connection.hpp). The handshake
// is a coroutine; after it, reading and writing are chains of completion
// handlers over the bare socket, so an idle client costs as little memory as
// Beast allows. `on_finished` runs once when the connection has ended
// (not when the server is torn down with the connection still open).
// Included by server.cpp only.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>

#include <functional>
#include <string>

#include "http/realtime_endpoint.hpp"

namespace tr::http {

class WorkerPool;

boost::asio::awaitable<void> run_websocket(
    boost::asio::ip::tcp::socket socket,
    boost::beast::http::request<boost::beast::http::empty_body> upgrade,
    std::string query_token, std::string remote_address, RealtimeEndpoint& endpoint,
    WorkerPool& workers, std::function<void()> on_finished);

}  // namespace tr::http
