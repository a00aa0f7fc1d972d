#pragma once
// WsConnection: one WebSocket client after the handshake, on the bare TCP
// socket, framed by ws_codec. It is what the hub sees (realtime::Connection)
// and both halves of the socket:
//  - reading: a wait for readability, then non-blocking reads into a buffer
//    of the I/O thread, so an idle client holds no read buffer; client frames
//    go to the gateway in order; the first one may be the auth frame;
//  - writing: a bounded queue of frames (ephemeral ones dropped first under
//    pressure; over the bound: close 1008), written by a chain of completion
//    handlers with one gathered write in flight (many frames per system call,
//    each shared payload written as is, after a header of its own). Frames
//    sent inside a FlushScope (a thread delivering a batch of events) are
//    written by that thread when it flushes (unless 64 frames or 64 KiB are
//    queued, or another thread's scope holds the connection: then the
//    writer is woken at once), if the writer is idle: one
//    non-blocking write of the queue, made with the thread's other such
//    writes in one SendBatch, under mu_ (so the socket cannot close
//    meanwhile) and without waking an I/O thread; what the socket does not
//    take, even half a frame, goes on through the executor;
//  - closing: the close handshake both ways, then the socket closes and the
//    server is told once (`on_finished`);
//  - keepalive: tick() from WsKeepalive, once a second.
// Socket work runs on the socket's executor (a strand), but for that
// flush; send(), close(), congested(), when_drained(), flush() and tick()
// may be called from any thread. ws_connection.cpp holds the lifecycle and
// the reading half, ws_connection_writing.cpp the writing half.

#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/flush_scope.hpp"
#include "http/realtime_endpoint.hpp"
#include "http/send_batch.hpp"
#include "http/ws_codec.hpp"
#include "realtime/client_gateway.hpp"
#include "realtime/connection.hpp"

namespace tr::http {

class WorkerPool;
class WsKeepalive;

class WsConnection final : public realtime::Connection,
                           public Flushable,
                           public SendBatch::Writer,
                           public std::enable_shared_from_this<WsConnection> {
 public:
  WsConnection(boost::asio::ip::tcp::socket socket, RealtimeEndpoint& endpoint,
               WorkerPool& workers, WsKeepalive& keepalive, std::string remote_address,
               std::string user_agent, std::function<void()> on_finished);
  ~WsConnection() override;

  // On the socket's executor, after the handshake: authenticates with
  // `query_token` if given (else waits for an auth frame), and reads.
  void start(std::string query_token);

  // Once a second, from any thread: pings a silent client, closes one that
  // has not authenticated in time (4401), cuts a dead one or a close
  // handshake that hangs.
  void tick(std::int64_t now_ms);

  // Ends the connection at once. Only when no I/O thread runs any more (the
  // server has stopped): it also frees a connection whose handlers were
  // dropped unrun.
  void end_now();

  // realtime::Connection
  const realtime::ConnectionInfo& info() const override { return info_; }
  void send(realtime::Frame frame, bool ephemeral) override;
  void close(std::uint16_t code, std::string_view reason) override;
  bool congested() const override;
  void when_drained(std::function<void()> callback) override;

  // Flushable: writes what is queued now, on the calling thread, if the
  // writer is idle (else the writer takes it when its write is done).
  void flush() noexcept override;

  // SendBatch::Writer: the direct write that flush() handed in was made.
  void wrote(SendBatch::Slot& slot, std::ptrdiff_t result) noexcept override;

 private:
  struct Outgoing {
    ws::Opcode opcode;
    realtime::Frame payload;
    bool counted;  // a queued frame: counts against the queue's bounds
  };

  // Runs `step` on the executor; an exception ends the connection.
  void guarded(const std::function<void()>& step);

  // Reading (executor only).
  void wait_readable();
  void on_readable(const boost::system::error_code& ec);
  void handle(ws::Event& event);
  void handle_text(std::string text);
  void verify(std::string token, bool from_query);
  void verified(Result<AuthContext> result, bool from_query);

  // Writing (executor only, except wake(), and fill_direct_write() from
  // flush() on any thread).
  void wake();
  void pump();
  void write_batch();
  // With the writer claimed and mu_ held: the queued frames of a direct write.
  void fill_direct_write(SendBatch::Slot& slot);
  void written(const boost::system::error_code& ec);
  void after_close_sent();

  // Ends the connection (executor only); idempotent.
  void finish();
  void abort();  // finish(), from any thread

  bool drained_locked() const;

  boost::asio::ip::tcp::socket socket_;
  RealtimeEndpoint& endpoint_;
  WorkerPool& workers_;
  WsKeepalive& keepalive_;
  std::function<void()> on_finished_;
  realtime::ConnectionInfo info_;
  const std::int64_t started_ms_;

  // Executor only.
  ws::FrameParser parser_;
  realtime::Client client_;           // actor filled in on authentication
  std::vector<std::string> held_;     // frames read while a token is checked
  std::vector<Outgoing> writing_;     // the gathered write in flight
  std::vector<std::uint8_t> headers_;  // their headers, kMaxHeaderBytes each
  std::size_t writing_skip_ = 0;       // bytes of writing_'s first frame already written
  int writes_in_a_row_ = 0;            // made at once, since the writer last waited
  bool verifying_ = false;
  bool close_sent_ = false;
  bool close_received_ = false;
  bool failed_ = false;  // the client broke the protocol: its bytes are discarded

  // Any thread.
  std::atomic<bool> authenticated_{false};
  std::atomic<bool> finished_{false};
  std::atomic<bool> writer_idle_{false};  // no write in flight and no pump posted
  std::atomic<std::uint64_t> deferred_in_{0};  // the FlushScope it waits in (0: none)
  std::atomic<std::int64_t> last_read_ms_;
  std::atomic<std::int64_t> closing_since_ms_{0};  // set with closing_; 0 while open
  std::atomic<bool> ping_outstanding_{false};

  mutable std::mutex mu_;
  std::vector<realtime::Frame> queue_;  // guarded by mu_; not yet taken by the writer
  std::size_t head_sent_ = 0;           // guarded by mu_; bytes of queue_[0] already written
  std::string pong_;                    // guarded by mu_; a pong to send
  bool pong_due_ = false;               // guarded by mu_
  bool ping_due_ = false;               // guarded by mu_
  std::function<void()> on_drained_;    // guarded by mu_
  std::size_t frames_ = 0;              // guarded by mu_; queued or being written
  std::size_t bytes_ = 0;               // guarded by mu_; queued or being written
  bool closing_ = false;                // guarded by mu_
  std::uint16_t close_code_ = 0;        // guarded by mu_
  std::string close_reason_;            // guarded by mu_
};

}  // namespace tr::http
