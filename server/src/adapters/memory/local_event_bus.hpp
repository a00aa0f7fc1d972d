#pragma once
// LocalEventBus: EventBus within one process; publish() calls each listener
// in turn on the calling thread. Thread-safe once subscriptions are made.

#include <vector>

#include "ports/event_bus.hpp"

namespace tr {

class LocalEventBus final : public EventBus {
 public:
  // ports::EventBus
  void publish(const RoomEvent& event) override {
    for (const auto& listener : listeners_) listener(event);
  }
  void subscribe(Listener listener) override { listeners_.push_back(std::move(listener)); }

 private:
  std::vector<Listener> listeners_;  // written at start-up only
};

}  // namespace tr
