#include "app/server_app.hpp"

#include <spdlog/spdlog.h>

#include <thread>

#include "adapters/sql/database.hpp"
#include "adapters/sql/migrations.hpp"
#include "http/handlers/ops_handlers.hpp"
#include "http/json_body.hpp"
#include "http/metrics.hpp"
#include "http/problem.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http/static_files.hpp"
#include "http/worker_pool.hpp"

namespace tr::app {
namespace {

std::size_t cores() { return std::max(1u, std::thread::hardware_concurrency()); }

}  // namespace

int run_server(const Config& config) {
  for (const auto& line : config.describe()) spdlog::info("config {}", line);

  const std::size_t worker_threads =
      config.worker_threads > 0 ? config.worker_threads : std::max<std::size_t>(4, 2 * cores());
  const std::size_t pool_size = config.db_pool_size > 0 ? config.db_pool_size : worker_threads;

  std::unique_ptr<sql::Database> db;
  try {
    db = sql::Database::open(config.database_url, pool_size);
    auto applied = sql::apply_migrations(*db, sql::embedded_migrations());
    for (const auto& v : applied) spdlog::info("applied migration {}", v);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }

  http::WorkerPool workers(worker_threads);
  http::Metrics metrics;
  metrics.add_gauge("tr_worker_queue_depth", "Blocking tasks queued or running.",
                    [&workers] { return static_cast<double>(workers.depth()); });
  metrics.add_gauge("tr_db_pool_in_use", "Database connections borrowed.",
                    [&db] { return static_cast<double>(db->in_use()); });
  metrics.add_gauge("tr_db_pool_size", "Database connections in the pool.",
                    [&db] { return static_cast<double>(db->pool_size()); });

  http::Router router;
  http::add_ops_routes(router, metrics, [&db] {
    std::string reason = db->ping();
    return reason.empty() ? reason : "database: " + reason;
  });
  router.add(
      "GET", "/api/version",
      [](http::Request&) {
        return http::json_response(R"({"name":"task-reporter","version":"0.1.0"})");
      },
      http::RouteOptions{.is_public = true});

  http::StaticFiles app_files(config.web_dir);
  if (app_files.empty()) spdlog::warn("no browser app at {}: only the API is served", config.web_dir);

  http::ServerOptions options;
  options.address = config.listen_host();
  options.port = config.listen_port();
  options.io_threads = config.io_threads;
  options.json_body_limit = config.max_body_bytes;
  options.idle_timeout = std::chrono::milliseconds(config.idle_timeout_ms);
  options.shutdown_grace = std::chrono::milliseconds(config.shutdown_grace_ms);

  auto authenticate = [](const http::Request&) -> Result<http::Principal> {
    return Error{ErrorCode::kUnauthorized, "authentication is required"};
  };
  http::HttpServer server(options, router, workers, metrics, authenticate,
                          [&app_files](const http::Request& req) { return app_files.serve(req); });
  try {
    server.listen();
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  spdlog::info("task-reporter listening on http://{}:{}", options.address, server.port());
  server.run();
  workers.join();
  spdlog::info("task-reporter stopped");
  return 0;
}

}  // namespace tr::app
