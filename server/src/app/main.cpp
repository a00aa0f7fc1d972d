// task-reporter: the server binary. Parses the configuration, then serves or
// runs an account command. Exit codes: 0 fine, 1 a dependency unreachable,
// 2 invalid configuration.

#include <malloc.h>

#include <algorithm>
#include <thread>

#include <csignal>

#include "app/config.hpp"
#include "app/logging.hpp"
#include "app/server_app.hpp"

int main(int argc, char** argv) {
  // A peer that hangs up must cost an error code, never the process (libldap
  // writes with write(2)).
  std::signal(SIGPIPE, SIG_IGN);
  // Large blocks (Argon2id's 19 MiB, big bodies) always come from mmap and go
  // straight back to the system when freed, instead of staying in the heap.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  // Setting the mmap threshold pins the trim threshold at 128 KiB: a request
  // that built a few hundred KiB of JSON then handed its pages back (madvise)
  // and faulted them in again on the next one. Keep up to 4 MiB free at the
  // top of each heap instead, in at most two heaps per core.
  mallopt(M_TRIM_THRESHOLD, 4 * 1024 * 1024);
  mallopt(M_ARENA_MAX, 2 * static_cast<int>(std::max(1U, std::thread::hardware_concurrency())));
  tr::app::Config config;
  auto command = tr::app::parse_command_line(argc, argv, config);
  if (command.kind == tr::app::Command::Kind::kExit) return command.exit_code;
  tr::app::setup_logging(config.log_format, config.log_level);
  const int code = command.kind == tr::app::Command::Kind::kServe
                       ? tr::app::run_server(config)
                       : tr::app::run_user_command(config, command);
  tr::app::flush_logging();
  return code;
}
