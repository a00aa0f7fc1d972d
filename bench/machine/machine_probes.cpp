// tr_machine_probes: what this machine charges for the steps a delivery
// cannot avoid, so that a benchmark report can say how much of its latency
// is the machine's. Prints one Markdown table row per probe:
//  - a system call (getppid), the cost every sendmsg/recv pays on entry;
//  - waking a thread blocked on a pipe, on the other CPU and on the same
//    one, after the sleeper has been idle 0, 1 and 10 ms (a virtual CPU
//    that has gone idle may take long to wake);
//  - a 32 KiB overwrite and fdatasync of a file in DIR (the WAL's commit),
//    after 2 ms and 10 ms without disk writes;
//  - the fan-out floor (fanout_floor.hpp): one frame to each of 500
//    loopback connections, 100 rounds a second, with no server at all, read
//    by a thread that polls and by one that blocks.
// Usage: tr_machine_probes DIR
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "fanout_floor.hpp"
#include "probe_stats.hpp"

namespace probes {
namespace {

void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

Percentiles syscall_cost() {
  std::vector<std::int64_t> ns;
  for (int round = 0; round < 200; ++round) {
    const std::int64_t start = now_ns();
    for (int i = 0; i < 1000; ++i) syscall(SYS_getppid);
    ns.push_back((now_ns() - start) / 1000);
  }
  return percentiles(ns);
}

// The writer sleeps `gap_us`, stamps the time and writes a byte; the reader,
// blocked in read() on `reader_cpu`, measures how long it took to run.
Percentiles wake_latency(int gap_us, int reader_cpu, int rounds) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) fail("pipe");
  std::atomic<std::int64_t> stamped{0};
  std::vector<std::int64_t> ns;
  ns.reserve(static_cast<std::size_t>(rounds));
  cpu_set_t unpinned;  // the caller's CPUs, given back at the end
  pthread_getaffinity_np(pthread_self(), sizeof unpinned, &unpinned);
  std::thread reader([&] {
    pin_to(reader_cpu);
    char byte;
    for (int i = 0; i < rounds; ++i) {
      if (::read(pipe_fds[0], &byte, 1) != 1) break;
      ns.push_back(now_ns() - stamped.load());
    }
  });
  pin_to(0);
  sleep_us(10000);
  for (int i = 0; i < rounds; ++i) {
    sleep_us(gap_us);
    stamped = now_ns();
    if (::write(pipe_fds[1], "x", 1) != 1) break;
    if (gap_us == 0) sleep_us(20);  // lets the reader block again, without idling long
  }
  reader.join();
  pthread_setaffinity_np(pthread_self(), sizeof unpinned, &unpinned);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  return percentiles(ns);
}

Percentiles sync_latency(const std::string& dir, int gap_us, int rounds) {
  const std::string path = dir + "/tr-machine-probe.tmp";
  const int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_TRUNC, 0600);
  if (fd < 0) fail("cannot create a file in " + dir);
  std::vector<char> block(32 * 1024, 'w');
  auto write_block = [&](int i) {
    const auto at = static_cast<off_t>((i % 4) * block.size());
    if (::pwrite(fd, block.data(), block.size(), at) != static_cast<ssize_t>(block.size())) {
      fail("write to " + path);
    }
  };
  for (int i = 0; i < 4; ++i) write_block(i);
  if (::fsync(fd) != 0) fail("fsync");  // the blocks exist: each round overwrites, as a wrapped WAL
  std::vector<std::int64_t> ns;
  for (int i = 0; i < rounds; ++i) {
    sleep_us(gap_us);
    const std::int64_t start = now_ns();
    write_block(i);
    if (::fdatasync(fd) != 0) fail("fdatasync");
    ns.push_back(now_ns() - start);
  }
  ::close(fd);
  ::unlink(path.c_str());
  return percentiles(ns);
}

}  // namespace
}  // namespace probes

int main(int argc, char** argv) {
  using namespace probes;
  if (argc != 2) {
    std::fprintf(stderr, "usage: tr_machine_probes DIR (a directory on the data's file system)\n");
    return 2;
  }
  const bool two_cpus = std::thread::hardware_concurrency() >= 2;
  std::printf("| probe | p50 µs | p90 µs |\n|---|---:|---:|\n");
  row("system call (getppid)", syscall_cost());
  for (const int gap : {0, 1000, 10000}) {
    const int rounds = gap >= 10000 ? 300 : 1000;
    const std::string idle = ", idle " + std::to_string(gap / 1000) + " ms";
    if (two_cpus) row("wake a thread on the other CPU" + idle, wake_latency(gap, 1, rounds));
    row("wake a thread on the same CPU" + idle, wake_latency(gap, 0, rounds));
  }
  for (const int gap : {2000, 10000}) {
    row("32 KiB overwrite + fdatasync, disk idle " + std::to_string(gap / 1000) + " ms",
        sync_latency(argv[1], gap, 200));
  }
  constexpr int kConnections = 500, kRounds = 300, kGapUs = 10000;
  for (const bool poll : {true, false}) {
    row("fan-out floor: a " + std::to_string(kFloorFrameBytes) + "-byte frame to each of " +
            std::to_string(kConnections) + " loopback connections, " +
            std::to_string(1'000'000 / kGapUs) + " rounds/s, the reader " +
            (poll ? "polling" : "blocking"),
        fanout_floor(kConnections, kRounds, kGapUs, poll));
  }
  return 0;
}
