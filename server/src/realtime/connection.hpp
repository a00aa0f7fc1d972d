#pragma once
// Connection: what the realtime hub needs of one WebSocket client. The
// transport (http/ws_session) implements it. send() never blocks: frames go
// to a bounded queue; a connection over its bound closes itself (1008) and
// the client catches up by seq when it reconnects. Thread-safe.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace tr::realtime {

using Frame = std::shared_ptr<const std::string>;  // serialised once, shared by recipients

struct ConnectionInfo {
  std::uint64_t connection_id = 0;
  std::string user_id;
  std::string display_name;
  std::string session_id;
};

class Connection {
 public:
  virtual ~Connection() = default;
  virtual const ConnectionInfo& info() const = 0;
  // Queues `frame`. Ephemeral frames (typing, presence) are the first dropped
  // when the queue is under pressure.
  virtual void send(Frame frame, bool ephemeral) = 0;
  // Closes with a WebSocket close code (4401 session ended, 1008 too slow).
  virtual void close(std::uint16_t code, std::string_view reason) = 0;
  // Whether the queue is too full to take a catch-up page (half its bound).
  virtual bool congested() const = 0;
  // Calls `callback` once, when the queue has drained (below a quarter of
  // its bound) or the connection closed; at once when it already is.
  virtual void when_drained(std::function<void()> callback) = 0;
};

inline Frame make_frame(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

}  // namespace tr::realtime
