// The fan-out floor (see fanout_floor.hpp).
#include "fanout_floor.hpp"

#include "receive_ring.hpp"

#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace probes {
namespace {

constexpr std::size_t kFrameBytes = kFloorFrameBytes;
constexpr unsigned kWritesPerCall = 16;   // as the server's SendBatch

// Both ends of `count` loopback TCP connections, TCP_NODELAY as the server's.
struct Connections {
  std::vector<int> writer_ends, reader_ends;
  ~Connections() {
    for (int fd : writer_ends) ::close(fd);
    for (int fd : reader_ends) ::close(fd);
  }
};

void no_delay(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void connect_all(int count, Connections& out) {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) fail("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  auto* any = reinterpret_cast<sockaddr*>(&address);
  if (::bind(listener, any, sizeof address) != 0 || ::listen(listener, count) != 0 ||
      ::getsockname(listener, any, &length) != 0) {
    fail("listen on 127.0.0.1");
  }
  for (int i = 0; i < count; ++i) {
    const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (client < 0) fail("socket (raise ulimit -n?)");
    out.reader_ends.push_back(client);
    if (::connect(client, any, sizeof address) != 0) fail("connect to 127.0.0.1");
    const int accepted = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (accepted < 0) fail("accept");
    out.writer_ends.push_back(accepted);
    no_delay(client);
    no_delay(accepted);
  }
  ::close(listener);
}

// The reading side: a ReceiveRing, set up (and waited on) by the thread
// that reads, with one multishot receive per connection.
class Reader {
 public:
  Reader(const std::vector<int>& fds, std::size_t expected_frames)
      : fds_(fds), expected_(expected_frames), partial_(fds.size()) {
    latencies_.reserve(expected_frames);
  }

  void set_up() {
    receive_ = std::make_unique<bench::ReceiveRing>();
    if (!receive_->error().empty()) fail(receive_->error(), 0);
    for (std::size_t k = 0; k < fds_.size(); ++k) receive_->arm(fds_[k], k);
    io_uring_submit(&receive_->ring());
  }

  // Reads until every expected frame has come; a frame missing for 5 s fails.
  void run(bool poll) {
    while (latencies_.size() < expected_) {
      if (poll) {
        poll_for_completion();
      } else {
        io_uring_cqe* first = nullptr;
        __kernel_timespec timeout{5, 0};
        const int rc =
            io_uring_submit_and_wait_timeout(&receive_->ring(), &first, 1, &timeout, nullptr);
        if (rc == -ETIME) fail("fan-out floor: frames stopped coming", 0);
        if (rc < 0 && rc != -EINTR) fail("io_uring wait", -rc);
      }
      const std::int64_t now = now_ns();
      io_uring& ring = receive_->ring();
      unsigned head, seen = 0, returned = 0;
      io_uring_cqe* cqe;
      io_uring_for_each_cqe(&ring, head, cqe) {
        ++seen;
        const auto k = static_cast<std::size_t>(io_uring_cqe_get_data64(cqe));
        if (cqe->flags & IORING_CQE_F_BUFFER) {
          const auto id = static_cast<std::uint16_t>(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
          if (cqe->res > 0) take(k, receive_->buffer(id), static_cast<std::size_t>(cqe->res), now);
          receive_->give_back(id, returned++);
        }
        if (cqe->flags & IORING_CQE_F_MORE) continue;
        if (cqe->res < 0 && cqe->res != -ENOBUFS) fail("recv", -cqe->res);
        if (cqe->res == 0) fail("a connection closed", 0);
        receive_->arm(fds_[k], k);  // the multishot receive ended (out of buffers): again
      }
      receive_->advance(returned);
      io_uring_cq_advance(&ring, seen);
    }
  }

  std::vector<std::int64_t>& latencies() { return latencies_; }

 private:
  // Runs the deferred receives until one completes, never sleeping.
  void poll_for_completion() {
    const std::int64_t since = now_ns();
    io_uring_cqe* first = nullptr;
    for (;;) {
      if (const int rc = io_uring_get_events(&receive_->ring()); rc < 0 && rc != -EINTR) {
        fail("io_uring_get_events", -rc);
      }
      if (io_uring_peek_cqe(&receive_->ring(), &first) == 0) return;
      if (now_ns() - since > 5'000'000'000) fail("fan-out floor: frames stopped coming", 0);
    }
  }
  // Each whole frame's first 8 bytes are its round's start time.
  void take(std::size_t k, const char* bytes, std::size_t size, std::int64_t now) {
    std::string& partial = partial_[k];
    partial.append(bytes, size);
    std::size_t used = 0;
    for (; partial.size() - used >= kFrameBytes; used += kFrameBytes) {
      std::int64_t started;
      std::memcpy(&started, partial.data() + used, sizeof started);
      latencies_.push_back(now - started);
    }
    partial.erase(0, used);
  }

  const std::vector<int>& fds_;
  const std::size_t expected_;
  std::vector<std::string> partial_;  // per connection: bytes of a frame not yet whole
  std::unique_ptr<bench::ReceiveRing> receive_;
  std::vector<std::int64_t> latencies_;
};

// The writing side: each round, the frame to every connection, 16 sendmsg
// (a stamp and the body, as the server's header and shared payload) per
// io_uring_enter; completions come inline (MSG_DONTWAIT).
void write_rounds(const std::vector<int>& fds, int rounds, int gap_us) {
  io_uring ring{};
  int rc = io_uring_queue_init(kWritesPerCall, &ring,
                               IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN);
  if (rc < 0) fail("io_uring (writes)", -rc);
  const std::string body(kFrameBytes - sizeof(std::int64_t), 'f');
  std::int64_t started = 0;
  std::array<iovec, 2> parts{iovec{&started, sizeof started},
                             iovec{const_cast<char*>(body.data()), body.size()}};
  std::array<msghdr, kWritesPerCall> messages{};
  for (auto& m : messages) {
    m.msg_iov = parts.data();
    m.msg_iovlen = parts.size();
  }
  for (int round = 0; round < rounds; ++round) {
    sleep_us(gap_us);
    started = now_ns();
    for (std::size_t first = 0; first < fds.size(); first += kWritesPerCall) {
      const std::size_t count = std::min<std::size_t>(kWritesPerCall, fds.size() - first);
      for (std::size_t i = 0; i < count; ++i) {
        io_uring_sqe* sqe = io_uring_get_sqe(&ring);
        io_uring_prep_sendmsg(sqe, fds[first + i], &messages[i], MSG_DONTWAIT | MSG_NOSIGNAL);
      }
      rc = io_uring_submit_and_wait(&ring, static_cast<unsigned>(count));
      if (rc < 0) fail("io_uring submit", -rc);
      unsigned head, seen = 0;
      io_uring_cqe* cqe;
      io_uring_for_each_cqe(&ring, head, cqe) {
        ++seen;
        if (cqe->res != static_cast<int>(kFrameBytes)) {
          fail("a write did not go out whole", cqe->res < 0 ? -cqe->res : 0);
        }
      }
      io_uring_cq_advance(&ring, seen);
    }
  }
  io_uring_queue_exit(&ring);
}

}  // namespace

Percentiles fanout_floor(int connections, int rounds, int gap_us, bool poll) {
  Connections sockets;
  connect_all(connections, sockets);
  Reader reader(sockets.reader_ends,
                static_cast<std::size_t>(connections) * static_cast<std::size_t>(rounds));
  std::atomic<bool> armed{false};
  std::thread reading([&] {
    reader.set_up();
    armed = true;
    reader.run(poll);
  });
  while (!armed) sleep_us(1000);
  write_rounds(sockets.writer_ends, rounds, gap_us);
  reading.join();
  return percentiles(std::move(reader.latencies()));
}

}  // namespace probes
