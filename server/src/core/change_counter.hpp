#pragma once
// ChangeCounter: a number that grows whenever the data behind some cached
// answers changes. A reader takes current() *before* it reads the data and
// keeps its answer tagged with that value; the answer stays good only while
// current() still returns it. A writer calls bump() after its change is
// committed and before it answers its own client, so that client's next read
// never sees an older answer. Thread-safe, lock-free.

#include <atomic>
#include <cstdint>

namespace tr {

class ChangeCounter {
 public:
  std::uint64_t current() const { return value_.load(std::memory_order_acquire); }
  void bump() { value_.fetch_add(1, std::memory_order_acq_rel); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

}  // namespace tr
