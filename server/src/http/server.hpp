#pragma once
// HttpServer: the listener and one coroutine per connection (Beast, C++20
// coroutines, each connection on its own strand, N I/O threads). It reads a
// request head, routes it, authenticates it, reads the body under the route's
// limit, runs the handler (on the worker pool unless inline), and writes the
// response with X-Request-Id. Limits: header size (431), body size (413),
// idle and body timeouts. Refusals sent while the client is still sending are
// followed by a lingering close. SIGINT/SIGTERM: stop accepting, close idle
// connections, let in-flight requests finish within the grace period.
// Beast stays inside server.cpp; this header is cheap to include.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "http/message.hpp"

namespace tr::http {

class Router;
class Metrics;
class WorkerPool;
struct RealtimeEndpoint;

struct ServerOptions {
  std::string address = "0.0.0.0";
  std::uint16_t port = 8080;  // 0 = pick a free port (tests)
  int io_threads = 0;         // 0 = one per core
  std::size_t json_body_limit = 1024 * 1024;
  std::size_t header_limit = 16 * 1024;
  std::chrono::milliseconds idle_timeout{30'000};  // waiting for a request head
  std::chrono::milliseconds body_timeout{60'000};  // reading a body
  std::chrono::milliseconds shutdown_grace{10'000};
};

// Verifies the bearer token of a request. With may_block (on the worker pool)
// it always answers; without (on an I/O thread, for inline routes) it answers
// from memory or returns nullopt, and the request moves to the worker pool.
using Authenticator = std::function<std::optional<Result<Principal>>(const Request&, bool may_block)>;
// Answers GET/HEAD requests no route matched outside the API (static app).
using Fallback = std::function<Response(const Request&)>;

class HttpServer {
 public:
  // `realtime` (may be null) serves GET /ws.
  HttpServer(ServerOptions options, const Router& router, WorkerPool& workers, Metrics& metrics,
             Authenticator authenticate, Fallback fallback, RealtimeEndpoint* realtime = nullptr);
  ~HttpServer();

  // Binds and listens. Throws std::runtime_error("cannot listen on ...").
  void listen();
  // The bound port (after listen()).
  std::uint16_t port() const;

  // Serves until SIGINT/SIGTERM or stop(), then shuts down gracefully.
  void run();
  // Asks run() to shut down. Thread-safe.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tr::http
