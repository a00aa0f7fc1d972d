#pragma once
// FlushScope: lets a burst of work on one thread finish its output in one go.
// While a scope is open on a thread, an object that would otherwise hand its
// output to another thread at once (a WebSocket writer waking its I/O
// thread for every frame) may defer() itself instead; when the outermost
// scope on that thread closes, every deferred object's flush() runs there,
// in the order deferred. So a thread that delivers a whole batch of events
// writes each connection's frames together, itself, without a wake-up per
// frame. Scopes nest (only the outermost flushes). Thread-local by nature:
// neither copyable nor movable.

#include <cstdint>
#include <memory>

namespace tr {

class Flushable {
 public:
  virtual ~Flushable() = default;
  // Runs on the scope's thread (when it closes, or in flush_if_many());
  // handles its own failures.
  virtual void flush() noexcept = 0;
};

class FlushScope {
 public:
  FlushScope();
  ~FlushScope();
  FlushScope(const FlushScope&) = delete;
  FlushScope& operator=(const FlushScope&) = delete;

  // The outermost scope open on the calling thread, as a number no other
  // scope (on any thread) has had; 0 when none is open.
  static std::uint64_t current();
  // Keeps `target` for the flush of the scope open on the calling thread;
  // false (nothing kept) when none is open.
  static bool defer(std::shared_ptr<Flushable> target);
  // Flushes now when 64 or more are deferred, so that the first of a large
  // fan-out need not wait for the last. Call it where no lock is held.
  static void flush_if_many();
  // From a flush() running on this thread: has `last`'s flush() run once
  // more after every target of this flush has flushed (once, however often
  // it is asked), so flush() implementations can gather their work and
  // complete it together. False, and nothing kept, when no flush runs on
  // this thread: the caller completes its work itself.
  static bool flush_last(Flushable& last);
};

}  // namespace tr
