#pragma once
// Logging set-up: spdlog to stderr, "text" for people or "json" (one object
// per line: time, level, msg) for log collectors.

#include <string>

namespace tr::app {

void setup_logging(const std::string& format, const std::string& level);

// Writes out queued log lines; call before the process exits.
void flush_logging();

}  // namespace tr::app
