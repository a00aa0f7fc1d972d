#pragma once
// ClientGateway: what each client→server WebSocket frame of SPEC.md
// section 4 does (subscribe, unsubscribe, send, edit, delete, react,
// unreact, typing, read, ping). Transport-agnostic: the WebSocket session
// hands it text frames of an authenticated client and it answers through the
// client's Connection. Never blocks the caller: database work goes to the
// worker pool (in order, per client) or to the message store's group committer.
// Bad frames get an `error {code, message, ref}` and the connection stays.
// Thread-safe.

#include <string_view>

#include "domain/actor.hpp"
#include "realtime/room_hub.hpp"
#include "services/messaging/message_service.hpp"

namespace tr::realtime {

struct Client {
  Actor actor;
  std::shared_ptr<Connection> connection;
  // Runs blocking work for this client off the I/O thread, one task at a
  // time in submission order (a client's frames take effect in order).
  BlockingRunner run_in_order;
};

class ClientGateway {
 public:
  ClientGateway(RoomHub& hub, MessageService& messages);

  void handle(const Client& client, std::string_view text);

 private:
  RoomHub& hub_;
  MessageService& messages_;
};

// {"type":"error","code":...,"message":...,"ref":...}
Frame error_frame(const Error& error, std::string_view ref);

}  // namespace tr::realtime
