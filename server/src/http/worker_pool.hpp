#pragma once
// WorkerPool: the threads where blocking work runs (database, directory,
// hashing, file I/O). I/O threads hand work here and co_await the result, so
// they never block. Thread-safe.

#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace tr::http {

class WorkerPool {
 public:
  explicit WorkerPool(std::size_t threads) : pool_(threads), threads_(threads) {}
  ~WorkerPool() { pool_.join(); }

  boost::asio::thread_pool::executor_type executor() { return pool_.get_executor(); }
  std::size_t threads() const { return threads_; }

  // Tasks submitted and not yet finished (queued + running).
  std::int64_t depth() const { return depth_.load(); }
  void task_started() { depth_++; }
  void task_finished() { depth_--; }

  // Waits for queued work to finish; no new work may be posted after.
  void join() { pool_.join(); }

 private:
  boost::asio::thread_pool pool_;
  std::size_t threads_;
  std::atomic<std::int64_t> depth_{0};
};

}  // namespace tr::http
