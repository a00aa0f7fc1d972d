#pragma once
// EventBus: carries committed room events to every server instance's realtime
// hub. Adapters: LocalEventBus (one process) and, for scale-out, PostgreSQL
// LISTEN/NOTIFY. publish() is called after the transaction that stored the
// event commits; it never blocks on slow consumers. Thread-safe.

#include <functional>

#include "domain/room_event.hpp"

namespace tr {

class EventBus {
 public:
  using Listener = std::function<void(const RoomEvent&)>;
  virtual ~EventBus() = default;

  // Hands a committed event to every listener (on this and other instances).
  virtual void publish(const RoomEvent& event) = 0;

  // Registers a listener; call at start-up, before events flow. Listeners
  // must return quickly (they run on the publishing thread).
  virtual void subscribe(Listener listener) = 0;
};

}  // namespace tr
