#pragma once
// Clock: the time source every service asks, so tests can use a manual one.
// Times are integer milliseconds since the Unix epoch, as stored in the database.
// SystemClock is thread-safe; ManualClock is thread-safe (atomic).

#include <atomic>
#include <cstdint>

namespace tr {

using EpochMs = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual EpochMs now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  EpochMs now_ms() const override;
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(EpochMs start = 1'700'000'000'000) : now_(start) {}
  EpochMs now_ms() const override { return now_.load(); }
  void advance_ms(EpochMs by) { now_ += by; }
  void set_ms(EpochMs t) { now_ = t; }

 private:
  std::atomic<EpochMs> now_;
};

}  // namespace tr
