#pragma once
// ReceiveRing: an io_uring that reads many sockets for one thread, as the
// benchmarks' clients do. Each socket gets one multishot receive into a ring
// of provided buffers; the ring defers its work to the thread that set it up
// (SINGLE_ISSUER | DEFER_TASKRUN), so a whole burst is read in the one system
// call that asks for completions. Needs Linux 6.1 or later: error() says why
// the ring could not be set up (empty when it was). One thread only.
// Header-only: shared by bench/wsload and bench/machine.
#include <liburing.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace bench {

class ReceiveRing {
 public:
  static constexpr unsigned kBuffers = 2048;  // more than a burst's frames
  static constexpr std::size_t kBufferBytes = 4096;

  ReceiveRing() {
    io_uring_params params{};
    params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQSIZE;
    params.cq_entries = kCompletions;
    if (const int rc = io_uring_queue_init_params(kSubmissions, &ring_, &params); rc < 0) {
      error_ = std::string("io_uring (Linux 6.1 or later): ") + std::strerror(-rc);
      return;
    }
    ready_ = true;
    void* entries = nullptr;
    if (::posix_memalign(&entries, 4096, kBuffers * sizeof(io_uring_buf)) != 0) {
      error_ = "out of memory";
      return;
    }
    buffers_ = static_cast<io_uring_buf_ring*>(entries);
    io_uring_buf_ring_init(buffers_);
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<std::uint64_t>(buffers_);
    reg.ring_entries = kBuffers;
    reg.bgid = kGroup;
    if (const int rc = io_uring_register_buf_ring(&ring_, &reg, 0); rc < 0) {
      error_ = std::string("io_uring provided buffers: ") + std::strerror(-rc);
      return;
    }
    for (unsigned id = 0; id < kBuffers; ++id) give_back(static_cast<std::uint16_t>(id), id);
    advance(kBuffers);
  }
  ~ReceiveRing() {
    if (ready_) io_uring_queue_exit(&ring_);  // cancels what is still armed
    std::free(buffers_);
  }
  ReceiveRing(const ReceiveRing&) = delete;
  ReceiveRing& operator=(const ReceiveRing&) = delete;

  const std::string& error() const { return error_; }
  io_uring& ring() { return ring_; }

  // A multishot receive on `fd`, its completions marked `k` (user_data).
  void arm(int fd, std::uint64_t k) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) {
      io_uring_submit(&ring_);
      sqe = io_uring_get_sqe(&ring_);
    }
    io_uring_prep_recv_multishot(sqe, fd, nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = kGroup;
    io_uring_sqe_set_data64(sqe, k);
  }
  // The bytes of buffer `id` (a completion's IORING_CQE_BUFFER_SHIFT bits).
  char* buffer(std::uint16_t id) { return memory_.data() + id * kBufferBytes; }
  // Returns buffer `id` to the ring, `offset` places after the last returned;
  // advance() then publishes that many.
  void give_back(std::uint16_t id, unsigned offset) {
    io_uring_buf_ring_add(buffers_, buffer(id), kBufferBytes, id,
                          io_uring_buf_ring_mask(kBuffers), static_cast<int>(offset));
  }
  void advance(unsigned count) { io_uring_buf_ring_advance(buffers_, static_cast<int>(count)); }

 private:
  static constexpr unsigned kSubmissions = 1024;  // the first receives go in slices
  static constexpr unsigned kCompletions = 8192;
  static constexpr std::uint16_t kGroup = 0;

  io_uring ring_{};
  bool ready_ = false;
  io_uring_buf_ring* buffers_ = nullptr;  // kBuffers entries, page-aligned
  std::vector<char> memory_ = std::vector<char>(kBuffers * kBufferBytes);
  std::string error_;
};

}  // namespace bench
