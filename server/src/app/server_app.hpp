#pragma once
// The composition root: the only place that names concrete adapters. Builds
// the database, stores, services and HTTP server from a Config and runs them.

#include "app/config.hpp"

namespace tr::app {

// Opens the database, applies migrations, serves until SIGINT/SIGTERM.
// Returns the process exit code (1 when a dependency is unreachable).
int run_server(const Config& config);

// `user add` / `user passwd`: the password is read from standard input.
int run_user_command(const Config& config, const Command& command);

}  // namespace tr::app
