#include "http/server.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/ids.hpp"
#include "http/metrics.hpp"
#include "http/problem.hpp"
#include "http/router.hpp"
#include "http/worker_pool.hpp"
#include "http/ws_keepalive.hpp"
#include "http/ws_session.hpp"
#include "core/thread_name.hpp"

namespace tr::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
using Clock = std::chrono::steady_clock;

// Paths owned by the server: never answered with the browser app.
bool is_reserved_prefix(const std::string& path) {
  for (std::string_view p : {"/api", "/ws", "/healthz", "/readyz", "/metrics"}) {
    if (path.size() >= p.size() && path.compare(0, p.size(), p) == 0 &&
        (path.size() == p.size() || path[p.size()] == '/'))
      return true;
  }
  return false;
}

// A client-supplied X-Request-Id is kept when it is short and plain.
std::string request_id_from(std::string_view given) {
  if (!given.empty() && given.size() <= 64) {
    bool plain = true;
    for (char c : given) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
        plain = false;
        break;
      }
    }
    if (plain) return std::string(given);
  }
  return random_token(12);
}

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  const Router& router;
  WorkerPool& workers;
  Metrics& metrics;
  Authenticator authenticate;
  Fallback fallback;
  RealtimeEndpoint* realtime;

  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  asio::signal_set signals{ioc, SIGINT, SIGTERM};
  std::atomic<bool> stopping{false};

  // Open connections, so shutdown can close the idle ones.
  struct Conn {
    beast::tcp_stream* stream;  // valid while registered; touch only on `strand`
    asio::any_io_executor strand;
    bool idle;  // waiting for a request head
  };
  std::mutex conns_mu;
  std::unordered_map<std::uint64_t, Conn> conns;  // guarded by conns_mu
  std::uint64_t next_conn_id = 0;                 // guarded by conns_mu
  std::atomic<std::int64_t> active{0};
  WsKeepalive ws_keepalive;  // every WebSocket, swept once a second

  Impl(ServerOptions o, const Router& r, WorkerPool& w, Metrics& m, Authenticator a, Fallback f,
       RealtimeEndpoint* rt)
      : options(std::move(o)), router(r), workers(w), metrics(m), authenticate(std::move(a)),
        fallback(std::move(f)), realtime(rt) {}

  void set_idle(std::uint64_t id, bool idle) {
    std::lock_guard lock(conns_mu);
    auto it = conns.find(id);
    if (it != conns.end()) it->second.idle = idle;
  }

  awaitable<void> accept_loop() {
    for (;;) {
      auto strand = asio::make_strand(ioc);
      auto [ec, socket] = co_await acceptor.async_accept(strand, kTuple);
      if (ec) {
        if (stopping || ec == asio::error::operation_aborted) co_return;
        spdlog::warn("accept failed: {}", ec.message());
        continue;
      }
      socket.set_option(tcp::no_delay(true));
      auto ex = socket.get_executor();
      asio::co_spawn(ex, session(std::move(socket)), asio::detached);
    }
  }

  // Runs `fn` on the worker pool and resumes on the caller's strand.
  template <class F>
  awaitable<Response> on_workers(F fn) {
    workers.task_started();
    auto task = [fn = std::move(fn)]() -> awaitable<Response> { co_return fn(); };
    auto pool = workers.executor();
    auto result = co_await asio::co_spawn(pool, std::move(task), asio::as_tuple(use_awaitable));
    workers.task_finished();
    auto& [ep, response] = result;
    if (ep) {
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        spdlog::error("handler failed: {}", e.what());
      }
      co_return problem_response(Error{ErrorCode::kInternal, "an internal error occurred"});
    }
    co_return std::move(response);
  }

  // Authentication and the handler, on the worker pool.
  Response run_route(const Route& route, Request& req) {
    if (!route.options.is_public) {
      auto principal = authenticate(req, true);
      if (!*principal) return problem_response(principal->error());
      req.principal = std::move(**principal);
    }
    return call_handler(route, req);
  }

  // An inline route on the I/O thread, or nullopt when its authentication
  // (the session is not cached) or its handler needs the worker pool.
  std::optional<Response> try_inline(const Route& route, Request& req) {
    if (!route.options.is_public) {
      auto principal = authenticate(req, false);
      if (!principal) return std::nullopt;
      if (!*principal) return problem_response(principal->error());
      req.principal = std::move(**principal);
    }
    req.on_io_thread = true;
    Response response = call_handler(route, req);
    req.on_io_thread = false;
    if (response.run_on_workers) return std::nullopt;
    return response;
  }

  Response call_handler(const Route& route, Request& req) {
    try {
      return route.handler(req);
    } catch (const std::exception& e) {
      spdlog::error("handler {} {} failed: {}", req.method, route.pattern, e.what());
      return problem_response(Error{ErrorCode::kInternal, "an internal error occurred"});
    }
  }

  // Refuse, then stop reading and close gently so the answer reaches a client
  // that is still sending (no RST under the response).
  static awaitable<void> lingering_close(beast::tcp_stream& stream) {
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    std::array<char, 8192> sink;
    std::size_t drained = 0;
    stream.expires_after(std::chrono::seconds(2));
    while (drained < 16 * 1024 * 1024) {
      auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
      if (rec) break;
      drained += n;
    }
    stream.socket().close(ec);
  }

  awaitable<void> session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    std::uint64_t conn_id;
    {
      std::lock_guard lock(conns_mu);
      conn_id = next_conn_id++;
      conns.emplace(conn_id, Conn{&stream, stream.get_executor(), true});
    }
    active++;
    metrics.connection_opened();
    std::string remote;
    {
      beast::error_code ec;
      auto ep = stream.socket().remote_endpoint(ec);
      if (!ec) remote = ep.address().to_string();
    }
    beast::flat_buffer buffer;
    bool linger = false;
    for (;;) {
      if (stopping) break;
      set_idle(conn_id, true);
      bhttp::request_parser<bhttp::empty_body> head_parser;
      head_parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
      head_parser.body_limit(boost::none);
      stream.expires_after(options.idle_timeout);
      auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, head_parser, kTuple);
      set_idle(conn_id, false);
      if (ec == bhttp::error::header_limit) {
        // GCC 12 mishandles temporaries inside co_await expressions: keep
        // every argument of an awaited call in a named local.
        Response refusal = problem_response(
            Error{ErrorCode::kHeaderTooLarge, "the request header is too large"});
        const std::string refusal_id = random_token(12);
        co_await write_plain(stream, std::move(refusal), refusal_id, false, 11);
        linger = true;
        break;
      }
      if (ec) break;  // closed, timed out, or garbage: nothing to answer
      const auto started = Clock::now();
      auto& head = head_parser.get();

      Request req;
      req.method = std::string(head.method_string());
      req.target = std::string(head.target());
      req.remote_address = remote;
      req.request_id = request_id_from(head["X-Request-Id"]);
      for (const auto& field : head) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        req.headers.emplace_back(std::move(name), std::string(field.value()));
      }
      bool keep_alive = head.keep_alive();

      Response response;
      std::string route_name = "unmatched";
      auto url = boost::urls::parse_origin_form(req.target);
      const Route* route = nullptr;
      if (!url) {
        response = problem_response(Error{ErrorCode::kNotFound, "malformed request target"});
        keep_alive = false;
      } else {
        req.path = url->path();
        for (auto param : url->params()) {
          req.query.emplace(std::string(param.key), std::string(param.value));
        }
        if (req.path == "/ws" && realtime && beast::websocket::is_upgrade(head)) {
          // The connection becomes a WebSocket; this HTTP session ends here.
          {
            std::lock_guard lock(conns_mu);
            conns.erase(conn_id);
          }
          // The WebSocket runs as a coroutine of its own on the bare socket,
          // and this session (its frame, buffers and request) ends now.
          // (Clients send nothing before the 101 answer, so the read buffer
          // holds no WebSocket bytes.)
          std::string token = req.query_param("token").value_or("");
          auto upgrade = head_parser.release();
          spdlog::info("GET /ws 101 id={}", req.request_id);
          auto socket = stream.release_socket();
          auto executor = socket.get_executor();
          // Counted as an open connection until the WebSocket ends.
          asio::co_spawn(executor,
                         run_websocket(std::move(socket), std::move(upgrade), std::move(token),
                                       std::move(remote), *realtime, workers, ws_keepalive,
                                       [this] {
                                         metrics.connection_closed();
                                         active--;
                                       }),
                         asio::detached);
          co_return;
        }
        auto match = router.match(req);
        if (match.kind == RouteMatch::Kind::kFound) {
          route = match.route;
          route_name = route->pattern;
        } else if (match.kind == RouteMatch::Kind::kMethodNotAllowed) {
          response = problem_response(
              Error{ErrorCode::kMethodNotAllowed, "method " + req.method + " is not allowed here"});
          response.set_header("Allow", match.allow);
        } else if ((req.method == "GET" || req.method == "HEAD") && fallback &&
                   !is_reserved_prefix(req.path)) {
          route_name = "static";
        } else if (req.path == "/ws") {
          response = problem_response(
              Error{ErrorCode::kUpgradeRequired, "GET /ws expects a WebSocket upgrade"});
          response.set_header("Upgrade", "websocket");
        } else {
          response = problem_response(Error{ErrorCode::kNotFound, "no such endpoint"});
        }
      }

      // The body: read under the route's limit, or refused before reading.
      const std::size_t limit =
          route && route->options.body_limit ? route->options.body_limit : options.json_body_limit;
      const auto declared = head_parser.content_length();
      bool refused_early = false;
      if (declared && *declared > limit) {
        response = problem_response(Error{ErrorCode::kPayloadTooLarge,
                                          "the request body exceeds " + std::to_string(limit) +
                                              " bytes"});
        refused_early = true;
      } else if (!head_parser.is_done()) {
        if (head[bhttp::field::expect] == "100-continue" && (route || route_name == "static")) {
          bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, head.version()};
          co_await bhttp::async_write(stream, cont, kTuple);
        }
        bhttp::request_parser<bhttp::string_body> body_parser{std::move(head_parser)};
        body_parser.body_limit(limit);
        stream.expires_after(options.body_timeout);
        auto [bec, bn] = co_await bhttp::async_read(stream, buffer, body_parser, kTuple);
        if (bec == bhttp::error::body_limit) {
          response = problem_response(Error{ErrorCode::kPayloadTooLarge,
                                            "the request body exceeds " + std::to_string(limit) +
                                                " bytes"});
          refused_early = true;
        } else if (bec) {
          break;  // client went away or stalled mid-body
        } else {
          req.body = body_parser.release().body();
        }
      }

      if (refused_early) {
        keep_alive = false;
        linger = true;
      } else if (route) {
        std::optional<Response> inline_response;
        if (route->options.run_inline) inline_response = try_inline(*route, req);
        if (inline_response) {
          response = std::move(*inline_response);
        } else {
          auto work = [this, route, &req] { return run_route(*route, req); };
          response = co_await on_workers(std::move(work));
        }
      } else if (route_name == "static") {
        response = fallback(req);
      }

      if (stopping) keep_alive = false;
      const int version = head.version();
      const bool ok = co_await write_plain(stream, std::move(response), req.request_id,
                                           keep_alive, version, &req, &route_name, started);
      if (!ok || !keep_alive) break;
    }
    if (linger) {
      co_await lingering_close(stream);
    } else {
      beast::error_code ec;
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
    {
      std::lock_guard lock(conns_mu);
      conns.erase(conn_id);
    }
    metrics.connection_closed();
    active--;
  }

  // Writes `response`; logs and counts it when `req` is given.
  awaitable<bool> write_plain(beast::tcp_stream& stream, Response response,
                              const std::string& request_id, bool keep_alive, int version,
                              const Request* req = nullptr, const std::string* route = nullptr,
                              Clock::time_point started = {}) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(response.status), version};
    if (!response.content_type.empty()) res.set(bhttp::field::content_type, response.content_type);
    res.set("X-Request-Id", request_id);
    for (auto& [name, value] : response.headers) res.set(name, value);
    res.keep_alive(keep_alive);
    const bool head_only = req && req->method == "HEAD";
    const auto body_size = response.body.size();
    res.body() = std::move(response.body);
    res.prepare_payload();
    if (head_only) {
      res.body().clear();
      res.content_length(body_size);
    }
    stream.expires_after(options.body_timeout);
    bool ok;
    if (head_only) {
      bhttp::response_serializer<bhttp::string_body> sr{res};
      auto [ec, n] = co_await bhttp::async_write_header(stream, sr, kTuple);
      ok = !ec;
    } else {
      auto [ec, n] = co_await bhttp::async_write(stream, res, kTuple);
      ok = !ec;
    }
    if (req && route) {
      const auto us =
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
      metrics.record(req->method, *route, response.status, us);
      spdlog::info("{} {} {} {:.3f}ms id={} user={}", req->method, *route, response.status,
                   static_cast<double>(us) / 1000.0, request_id,
                   req->principal ? req->principal->username : "-");
    }
    co_return ok;
  }

  void begin_shutdown() {
    if (stopping.exchange(true)) return;
    spdlog::info("shutting down: no new connections, finishing in-flight requests");
    beast::error_code ec;
    acceptor.close(ec);
    signals.cancel();
    close_idle();
    if (realtime) realtime->hub.close_all(1001, "server shutting down");
    // Check until every connection is gone or the grace period ends.
    auto deadline = Clock::now() + options.shutdown_grace;
    asio::co_spawn(
        ioc,
        [this, deadline]() -> awaitable<void> {
          asio::steady_timer timer(ioc);
          while (active > 0 && Clock::now() < deadline) {
            close_idle();
            timer.expires_after(std::chrono::milliseconds(50));
            co_await timer.async_wait(kTuple);
          }
          if (active > 0) spdlog::warn("{} connections cut at the end of the grace period", active.load());
          ioc.stop();
        },
        asio::detached);
  }

  void close_idle() {
    std::lock_guard lock(conns_mu);
    for (auto& [id, conn] : conns) {
      if (!conn.idle) continue;
      // Cancel on the connection's strand, and only if the connection is
      // still registered there (it unregisters on that strand before its
      // stream is destroyed).
      asio::post(conn.strand, [this, id = id] {
        std::lock_guard inner(conns_mu);
        auto it = conns.find(id);
        if (it == conns.end()) return;
        beast::error_code ec;
        it->second.stream->socket().cancel(ec);
      });
    }
  }
};

HttpServer::HttpServer(ServerOptions options, const Router& router, WorkerPool& workers,
                       Metrics& metrics, Authenticator authenticate, Fallback fallback,
                       RealtimeEndpoint* realtime)
    : impl_(std::make_unique<Impl>(std::move(options), router, workers, metrics,
                                   std::move(authenticate), std::move(fallback), realtime)) {}

HttpServer::~HttpServer() = default;

void HttpServer::listen() {
  auto& o = impl_->options;
  try {
    auto address = asio::ip::make_address(o.address);
    tcp::endpoint endpoint(address, o.port);
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen(asio::socket_base::max_listen_connections);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on " + o.address + ":" + std::to_string(o.port) +
                             ": " + e.what());
  }
}

std::uint16_t HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void HttpServer::run() {
  auto& impl = *impl_;
  impl.signals.async_wait([&impl](const beast::error_code& ec, int) {
    if (!ec) impl.begin_shutdown();
  });
  asio::co_spawn(impl.acceptor.get_executor(), impl.accept_loop(), asio::detached);
  if (impl.realtime) {
    // Once a second: expire typing indicators; ping silent WebSocket
    // clients and close dead ones (also while shutting down, for the close
    // handshakes).
    asio::co_spawn(
        impl.ioc,
        [&impl]() -> awaitable<void> {
          asio::steady_timer timer(impl.ioc);
          for (;;) {
            timer.expires_after(std::chrono::seconds(1));
            auto [ec] = co_await timer.async_wait(kTuple);
            if (ec) co_return;
            impl.realtime->hub.tick();
            impl.ws_keepalive.tick(steady_ms());
          }
        },
        asio::detached);
  }
  int threads = impl.options.io_threads > 0
                    ? impl.options.io_threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) {
    pool.emplace_back([&impl] {
      name_this_thread("tr-io");
      impl.ioc.run();
    });
  }
  impl.ioc.run();
  for (auto& t : pool) t.join();
  impl.ws_keepalive.end_all();  // WebSockets cut at the end of the grace period
}

void HttpServer::stop() {
  asio::post(impl_->ioc, [impl = impl_.get()] { impl->begin_shutdown(); });
}

}  // namespace tr::http
