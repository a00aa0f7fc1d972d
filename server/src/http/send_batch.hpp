#pragma once
// SendBatch: the non-blocking gathered socket writes one thread makes
// together. A writer fills a slot (buffers, and scratch bytes they may point
// into), hands it in with the lock that keeps its socket open, and hears
// back on the same thread when the batch is submitted: wrote() with the
// result, its lock still held; then, once every lock of the batch is
// released, whatever it left in the slot's `then`.
//
// With io_uring a batch of up to kWrites goes to the kernel in one system
// call: on a loopback or in a VM the system call is a good part of a small
// write's cost, and a fan-out is hundreds of small writes. Where no ring can
// be set up (an old kernel, a sandbox that forbids io_uring) each write is
// one sendmsg. Either way a write never waits (MSG_DONTWAIT): what the
// socket does not take is the writer's to finish.
//
// One per thread (of_this_thread()), submitted when full and when the
// FlushScope flush in progress ends (or at once outside one); a writer
// never waits for a lock while the batch holds others (see
// WsConnection::flush()). Not for use across threads.

#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/flush_scope.hpp"

namespace tr::http {

class SendBatch final : public Flushable {
 public:
  static constexpr std::size_t kWrites = 16;       // per system call
  static constexpr std::size_t kMaxBuffers = 128;  // per write
  static constexpr std::size_t kMaxParts = 64;     // sizes a writer may note per write
  static constexpr std::size_t kScratchBytes = 1024;

  struct Slot {
    std::array<iovec, kMaxBuffers> buffers;
    std::size_t buffer_count = 0;
    std::array<std::uint8_t, kScratchBytes> scratch;  // e.g. frame headers
    std::array<std::size_t, kMaxParts> parts;         // the writer's own notes
    std::size_t part_count = 0;
    std::function<void()> then;  // run with no lock of the batch held
  };

  class Writer {
   public:
    // Bytes written (maybe fewer than given), or -errno (-EAGAIN: none).
    virtual void wrote(Slot& slot, std::ptrdiff_t result) noexcept = 0;

   protected:
    ~Writer() = default;
  };

  static SendBatch& of_this_thread();

  // `use_ring` false: one sendmsg per write (tests compare the two ways).
  explicit SendBatch(bool use_ring = true);
  ~SendBatch() override;
  SendBatch(const SendBatch&) = delete;
  SendBatch& operator=(const SendBatch&) = delete;

  bool uses_ring() const { return ring_ != nullptr; }

  // Submits now if the batch is full. Call it before taking a writer's lock.
  void make_room();
  // An empty slot for the next write (the batch has room: make_room()).
  Slot& slot();
  // Adds the slot last given out: a write on `fd`, kept open by `lock`.
  // Submits at once when no FlushScope flush runs on this thread.
  void add(int fd, std::unique_lock<std::mutex> lock, std::shared_ptr<Writer> writer);
  // Makes every write added so far and reports them.
  void submit() noexcept;

  // Flushable: submit(), when the FlushScope flush in progress ends.
  void flush() noexcept override { submit(); }

 private:
  struct Ring;
  struct Entry;

  std::unique_ptr<Ring> ring_;  // null: sendmsg
  using Entries = std::vector<std::unique_ptr<Entry>>;

  void make_writes(Entries& batch) noexcept;

  Entries pending_;  // kWrites at most, but for what a writer's `then` adds meanwhile
  std::unique_ptr<Entry> filling_;  // given out by slot(), not yet added
  std::vector<std::unique_ptr<Entry>> spare_;
};

}  // namespace tr::http
