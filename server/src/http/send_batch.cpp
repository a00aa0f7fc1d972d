// Gathered socket writes made together (see send_batch.hpp).
#include "http/send_batch.hpp"

#include <liburing.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>

#include <spdlog/spdlog.h>

namespace tr::http {
namespace {

constexpr int kSendFlags = MSG_DONTWAIT | MSG_NOSIGNAL;

}  // namespace

struct SendBatch::Ring {
  io_uring ring{};
};

struct SendBatch::Entry {
  Slot slot;
  int fd = -1;
  msghdr message{};
  std::unique_lock<std::mutex> lock;
  std::shared_ptr<Writer> writer;
  std::ptrdiff_t result = 0;
};

SendBatch& SendBatch::of_this_thread() {
  thread_local SendBatch batch;
  return batch;
}

SendBatch::SendBatch(bool use_ring) {
  pending_.reserve(kWrites);
  spare_.reserve(kWrites);
  if (!use_ring) return;
  auto ring = std::make_unique<Ring>();
  // Each thread submits only to its own ring; completions come inline.
  int rc = io_uring_queue_init(kWrites, &ring->ring,
                               IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN);
  if (rc == -EINVAL) rc = io_uring_queue_init(kWrites, &ring->ring, 0);  // older kernels
  if (rc < 0) {
    static std::once_flag logged;
    std::call_once(logged, [rc] {
      spdlog::info("io_uring unavailable ({}): socket writes use sendmsg", -rc);
    });
    return;
  }
  ring_ = std::move(ring);
}

SendBatch::~SendBatch() {
  submit();
  if (ring_) io_uring_queue_exit(&ring_->ring);
}

void SendBatch::make_room() {
  if (pending_.size() >= kWrites) submit();
}

SendBatch::Slot& SendBatch::slot() {
  if (!filling_) {
    if (spare_.empty()) {
      filling_ = std::make_unique<Entry>();
    } else {
      filling_ = std::move(spare_.back());
      spare_.pop_back();
    }
  }
  Slot& s = filling_->slot;
  s.buffer_count = 0;
  s.part_count = 0;
  s.then = nullptr;
  return s;
}

void SendBatch::add(int fd, std::unique_lock<std::mutex> lock, std::shared_ptr<Writer> writer) {
  // If this throws, nothing is kept and `lock` lets go as it goes out of scope.
  pending_.push_back(std::move(filling_));
  Entry& e = *pending_.back();
  e.fd = fd;
  e.lock = std::move(lock);
  e.writer = std::move(writer);
  e.message = msghdr{};
  e.message.msg_iov = e.slot.buffers.data();
  e.message.msg_iovlen = e.slot.buffer_count;
  if (!FlushScope::flush_last(*this) || pending_.size() >= kWrites) submit();
}

void SendBatch::submit() noexcept {
  if (pending_.empty()) return;
  // Taken out first: what the writers set off may start a new batch here.
  Entries batch = std::exchange(pending_, {});
  make_writes(batch);
  for (auto& e : batch) e->writer->wrote(e->slot, e->result);
  for (auto& e : batch) e->lock.unlock();
  for (auto& e : batch) {
    if (!e->slot.then) continue;
    try {
      std::exchange(e->slot.then, nullptr)();
    } catch (const std::exception& ex) {
      spdlog::error("after a socket write: {}", ex.what());  // out of memory, most likely
    }
  }
  for (auto& e : batch) {
    e->writer.reset();
    e->lock = {};  // let go of the (unlocked) mutex: its connection may go
    if (spare_.size() < kWrites) spare_.push_back(std::move(e));
  }
  batch.clear();
  if (pending_.empty() && pending_.capacity() == 0) pending_.swap(batch);  // its storage again
}

// Sets each entry's result. A ring that fails is given up for sendmsg; a
// write whose outcome it did not tell (never seen so far) counts as failed.
void SendBatch::make_writes(Entries& batch) noexcept {
  constexpr std::ptrdiff_t kNotMade = PTRDIFF_MIN;
  for (auto& e : batch) e->result = kNotMade;
  if (ring_) {
    io_uring& ring = ring_->ring;
    int queued = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      io_uring_sqe* sqe = io_uring_get_sqe(&ring);
      if (sqe == nullptr) break;  // not with at most kWrites a batch; the rest: sendmsg
      io_uring_prep_sendmsg(sqe, batch[i]->fd, &batch[i]->message, kSendFlags);
      io_uring_sqe_set_data64(sqe, i);
      ++queued;
    }
    int submitted;
    do {
      submitted = io_uring_submit(&ring);
    } while (submitted == -EINTR);
    // What was submitted completes at once (MSG_DONTWAIT): the results.
    int reaped = 0;
    while (reaped < submitted) {
      io_uring_cqe* cqe = nullptr;
      const int rc = io_uring_wait_cqe(&ring, &cqe);
      if (rc == -EINTR) continue;
      if (rc < 0) break;
      batch[io_uring_cqe_get_data64(cqe)]->result = cqe->res;
      io_uring_cqe_seen(&ring, cqe);
      ++reaped;
    }
    if (submitted != queued || reaped != submitted) {
      spdlog::warn("io_uring failed (submitted {} of {}, {} seen): socket writes use sendmsg",
                   submitted, queued, reaped);
      for (int i = 0; i < submitted; ++i) {
        if (batch[static_cast<std::size_t>(i)]->result == kNotMade) {
          batch[static_cast<std::size_t>(i)]->result = -EIO;
        }
      }
      io_uring_queue_exit(&ring);  // nothing left in it is ever submitted
      ring_.reset();
    }
  }
  for (auto& e : batch) {
    if (e->result != kNotMade) continue;
    const ssize_t n = ::sendmsg(e->fd, &e->message, kSendFlags);
    e->result = n >= 0 ? n : -errno;
  }
}

}  // namespace tr::http
