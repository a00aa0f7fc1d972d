#pragma once
// WsConnection: one WebSocket client as the hub sees it (realtime::Connection)
// and the writing half of its socket: a bounded queue of frames (ephemeral
// ones dropped first under pressure; over the bound: close 1008), written by
// a chain of completion handlers on the connection's executor with one write
// in flight, then the close frame when closing. No coroutine or timer per
// connection. The reading half is in ws_session.cpp. Included by
// ws_session.cpp only (Beast headers).

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/realtime_endpoint.hpp"
#include "realtime/connection.hpp"

namespace tr::http {

using WsStream = boost::beast::websocket::stream<boost::asio::ip::tcp::socket>;

class WsConnection final : public realtime::Connection,
                           public std::enable_shared_from_this<WsConnection> {
 public:
  WsConnection(boost::asio::ip::tcp::socket socket, const WebSocketOptions& options);

  WsStream& ws() { return ws_; }
  void set_identity(std::string user_id, std::string display_name, std::string session_id);

  // realtime::Connection
  const realtime::ConnectionInfo& info() const override { return info_; }
  void send(realtime::Frame frame, bool ephemeral) override;
  void close(std::uint16_t code, std::string_view reason) override;
  bool congested() const override;
  void when_drained(std::function<void()> callback) override;

  // Lets the writer run (after the handshake).
  void start_writer();
  // The reader ended: stop the writer without a close frame of ours.
  void reader_finished();

 private:
  void pump();
  void write_next();
  void written(const boost::beast::error_code& ec);
  bool closing_now_with(std::uint16_t code) const;
  void wake();
  bool has_work() const;
  bool drained_locked() const;

  WsStream ws_;
  std::atomic<bool> writer_idle_{false};   // true: no write in flight and no pump posted
  std::vector<realtime::Frame> batch_;     // executor only: the frames being written
  std::size_t next_ = 0;                   // executor only: batch_[next_] is in flight
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

}  // namespace tr::http
