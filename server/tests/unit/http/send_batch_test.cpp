// SendBatch on real sockets, both ways (io_uring and sendmsg): every write's
// bytes arrive, each writer hears its own result with its lock held and runs
// its follow-up with every lock released, a full socket answers -EAGAIN
// at once, and inside a FlushScope flush the batch waits for the flush's end.
#include "http/send_batch.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/flush_scope.hpp"

namespace tr::http {
namespace {

struct SocketPair {
  int writer = -1, reader = -1;
  SocketPair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) == 0) {
      writer = fds[0];
      reader = fds[1];
    }
  }
  ~SocketPair() {
    ::close(writer);
    ::close(reader);
  }
  std::string read_all() const {
    std::string out;
    char buffer[65536];
    ssize_t n;
    while ((n = ::recv(reader, buffer, sizeof buffer, MSG_DONTWAIT)) > 0) out.append(buffer, n);
    return out;
  }
};

struct Recorder final : SendBatch::Writer {
  std::mutex mu;
  std::vector<std::ptrdiff_t> results;
  bool locked_in_wrote = false;
  bool free_in_then = false;
  int thens = 0;
  void wrote(SendBatch::Slot& slot, std::ptrdiff_t result) noexcept override {
    results.push_back(result);
    locked_in_wrote = !mu.try_lock();
    if (!locked_in_wrote) mu.unlock();
    slot.then = [this] {
      ++thens;
      free_in_then = mu.try_lock();
      if (free_in_then) mu.unlock();
    };
  }
};

// Runs `run` when its FlushScope flushes: adds writes from inside a flush.
struct RunOnFlush final : Flushable {
  std::function<void()> run;
  void flush() noexcept override { run(); }
};

// Two parts, the first from the slot's scratch bytes, the second from `tail`.
void add_write(SendBatch& batch, int fd, const std::shared_ptr<Recorder>& writer,
               const std::string& head, const std::string& tail) {
  batch.make_room();
  std::unique_lock lock(writer->mu);
  SendBatch::Slot& slot = batch.slot();
  std::copy(head.begin(), head.end(), slot.scratch.begin());
  slot.buffers[0] = {slot.scratch.data(), head.size()};
  slot.buffers[1] = {const_cast<char*>(tail.data()), tail.size()};
  slot.buffer_count = 2;
  batch.add(fd, std::move(lock), writer);
}

class SendBatchBothWays : public ::testing::TestWithParam<bool> {
 protected:
  SendBatch batch_{GetParam()};
  void SetUp() override {
    if (GetParam() && !batch_.uses_ring()) GTEST_SKIP() << "io_uring is not available here";
  }
};

TEST_P(SendBatchBothWays, OutsideAFlushEachWriteIsMadeAtOnce) {
  SocketPair pair;
  auto writer = std::make_shared<Recorder>();
  const std::string tail = "world";
  add_write(batch_, pair.writer, writer, "hello, ", tail);
  ASSERT_EQ(writer->results, std::vector<std::ptrdiff_t>{12});
  EXPECT_TRUE(writer->locked_in_wrote);
  EXPECT_EQ(writer->thens, 1);
  EXPECT_TRUE(writer->free_in_then);
  EXPECT_EQ(pair.read_all(), "hello, world");
}

TEST_P(SendBatchBothWays, InsideAFlushTheWritesWaitForItsEndThenAllArrive) {
  constexpr int kSockets = 40;  // more than one batch
  std::vector<std::unique_ptr<SocketPair>> pairs;
  std::vector<std::shared_ptr<Recorder>> writers;
  for (int i = 0; i < kSockets; ++i) {
    pairs.push_back(std::make_unique<SocketPair>());
    writers.push_back(std::make_shared<Recorder>());
  }
  const std::string tail(3000, 't');
  auto adder = std::make_shared<RunOnFlush>();
  std::vector<std::size_t> results_seen_during_flush;
  adder->run = [&] {
    for (int i = 0; i < kSockets; ++i) {
      add_write(batch_, pairs[i]->writer, writers[i], "#" + std::to_string(i) + ":", tail);
    }
    // What is left of the last batch waits for the end of the flush.
    std::size_t made = 0;
    for (const auto& w : writers) made += w->results.size();
    results_seen_during_flush.push_back(made);
  };
  {
    FlushScope scope;
    FlushScope::defer(adder);
  }
  ASSERT_EQ(results_seen_during_flush.size(), 1u);
  EXPECT_EQ(results_seen_during_flush[0], 32u) << "two full batches of 16 made during the flush";
  for (int i = 0; i < kSockets; ++i) {
    const std::string head = "#" + std::to_string(i) + ":";
    ASSERT_EQ(writers[i]->results.size(), 1u) << i;
    EXPECT_EQ(writers[i]->results[0], static_cast<std::ptrdiff_t>(head.size() + tail.size())) << i;
    EXPECT_EQ(writers[i]->thens, 1);
    EXPECT_TRUE(writers[i]->free_in_then);
    EXPECT_EQ(pairs[i]->read_all(), head + tail) << i;
  }
}

TEST_P(SendBatchBothWays, AFullSocketAnswersWouldBlockAndTheOthersAreStillWritten) {
  SocketPair full, open;
  const std::string filler(65536, 'f');
  while (::send(full.writer, filler.data(), filler.size(), MSG_DONTWAIT) > 0) {
  }
  auto blocked = std::make_shared<Recorder>();
  auto fine = std::make_shared<Recorder>();
  auto adder = std::make_shared<RunOnFlush>();
  const std::string tail = "!";
  adder->run = [&] {
    add_write(batch_, full.writer, blocked, "more", tail);
    add_write(batch_, open.writer, fine, "fits", tail);
  };
  {
    FlushScope scope;
    FlushScope::defer(adder);
  }
  ASSERT_EQ(blocked->results, std::vector<std::ptrdiff_t>{-EAGAIN});
  ASSERT_EQ(fine->results, std::vector<std::ptrdiff_t>{5});
  EXPECT_EQ(open.read_all(), "fits!");
}

TEST_P(SendBatchBothWays, AClosedPeerIsAnErrorNotASignal) {
  SocketPair pair;
  ::close(pair.reader);
  pair.reader = -1;
  auto writer = std::make_shared<Recorder>();
  const std::string tail = "x";
  add_write(batch_, pair.writer, writer, "gone", tail);
  ASSERT_EQ(writer->results, std::vector<std::ptrdiff_t>{-EPIPE});  // MSG_NOSIGNAL: no SIGPIPE
}

INSTANTIATE_TEST_SUITE_P(Ways, SendBatchBothWays, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "IoUring" : "Sendmsg"; });

}  // namespace
}  // namespace tr::http
