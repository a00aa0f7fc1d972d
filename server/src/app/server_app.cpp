#include "app/server_app.hpp"

#include <malloc.h>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <iostream>

#include "app/components.hpp"
#include "core/ids.hpp"
#include "http/handlers/auth_handlers.hpp"
#include "http/handlers/message_handlers.hpp"
#include "http/handlers/room_handlers.hpp"
#include "http/handlers/template_handlers.hpp"
#include "http/handlers/ops_handlers.hpp"
#include "http/handlers/user_handlers.hpp"
#include "http/json_body.hpp"
#include "http/metrics.hpp"
#include "http/realtime_endpoint.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http/static_files.hpp"
#include "http/worker_pool.hpp"
#include "realtime/client_gateway.hpp"
#include "realtime/room_hub.hpp"

namespace tr::app {
namespace {

// The first start creates `admin` (local directory only).
bool bootstrap_admin(const Config& config, Components& c) {
  if (config.directory != "local") return true;
  std::string password = config.admin_password;
  const bool generated = password.empty();
  if (generated) password = random_token(15);
  auto created = c.user_service->ensure_admin(password);
  if (!created) {
    spdlog::critical("cannot create the admin account: {}", created.error().message);
    return false;
  }
  if (*created && generated) {
    // Printed once, on the console only; it is never stored in clear.
    std::cerr << "\n  First start: created account 'admin' with password " << password
              << "\n  (set TR_ADMIN_PASSWORD to choose it; change it after logging in)\n\n";
  } else if (*created) {
    spdlog::info("created account 'admin' with the password from TR_ADMIN_PASSWORD");
  }
  return true;
}

std::string read_password_from_stdin() {
  std::string password;
  std::getline(std::cin, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  return password;
}

}  // namespace

int run_user_command(const Config& config, const Command& command) {
  std::unique_ptr<Components> c;
  try {
    c = std::make_unique<Components>(config);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  const std::string password = read_password_from_stdin();
  if (command.kind == Command::Kind::kUserAdd) {
    auto created = c->user_service->create_unchecked(
        NewUser{command.username, password, command.display_name, command.email, command.admin});
    if (!created) {
      std::cerr << "task-reporter: " << created.error().message << "\n";
      return 1;
    }
    std::cout << "created " << created->username << " (" << created->user_id << ")\n";
    return 0;
  }
  auto changed = c->user_service->set_password(command.username, password);
  if (!changed) {
    std::cerr << "task-reporter: " << changed.error().message << "\n";
    return 1;
  }
  std::cout << "password changed for " << command.username << "\n";
  return 0;
}

int run_server(const Config& config) {
  for (const auto& line : config.describe()) spdlog::info("config {}", line);

  std::unique_ptr<Components> c;
  try {
    c = std::make_unique<Components>(config);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  if (!bootstrap_admin(config, *c)) return 1;

  http::WorkerPool workers(c->worker_threads);
  http::Metrics metrics;
  sql::Database& db = *c->db;
  metrics.add_gauge("tr_worker_queue_depth", "Blocking tasks queued or running.",
                    [&workers] { return static_cast<double>(workers.depth()); });
  metrics.add_gauge("tr_db_pool_in_use", "Database connections borrowed.",
                    [&db] { return static_cast<double>(db.in_use()); });
  metrics.add_gauge("tr_db_pool_size", "Database connections in the pool.",
                    [&db] { return static_cast<double>(db.pool_size()); });

  http::Router router;
  http::add_ops_routes(router, metrics, [&db] {
    std::string reason = db.ping();
    return reason.empty() ? reason : "database: " + reason;
  });
  router.add(
      "GET", "/api/version",
      [](http::Request&) {
        return http::json_response(R"({"name":"task-reporter","version":"0.1.0"})");
      },
      http::RouteOptions{.is_public = true});
  http::add_auth_routes(router, *c->auth);
  http::add_user_routes(router, *c->user_service, *c->audit);
  http::PageCache room_lists(c->room_list_changes, 16 * 1024 * 1024);
  http::add_room_routes(router, *c->room_service, room_lists);
  http::add_template_routes(router, *c->template_service);
  http::add_message_routes(router, *c->message_service);

  // Realtime: committed events reach the hub; the hub reads the timeline on
  // the worker pool when a subscriber needs to catch up.
  auto run_blocking = [&workers](std::function<void()> work) {
    boost::asio::post(workers.executor(), std::move(work));
  };
  RoomStore& room_store = *c->rooms;
  realtime::RoomHub hub(
      [&room_store](const std::string& room_id, std::int64_t after, int limit) {
        return room_store.events_after(room_id, after, limit);
      },
      [&room_store](const std::string& room_id) -> Result<std::vector<std::string>> {
        auto members = room_store.members(room_id);
        if (!members) return members.error();
        std::vector<std::string> ids;
        for (const auto& m : *members) ids.push_back(m.user_id);
        return ids;
      },
      run_blocking, c->clock);
  c->events->subscribe([&hub](const RoomEvent& event) { hub.publish(event); });
  c->auth->on_session_revoked([&hub](const std::string& session_id) { hub.close_session(session_id); });
  realtime::ClientGateway gateway(hub, *c->message_service);
  http::RealtimeEndpoint realtime_endpoint{hub, gateway, *c->auth, {}};
  metrics.add_gauge("tr_ws_connections", "Authenticated WebSocket connections.",
                    [&hub] { return static_cast<double>(hub.connection_count()); });

  http::StaticFiles app_files(config.web_dir);
  if (app_files.empty()) spdlog::warn("no browser app at {}: only the API is served", config.web_dir);

  http::ServerOptions options;
  options.address = config.listen_host();
  options.port = config.listen_port();
  options.io_threads = config.io_threads;
  options.json_body_limit = config.max_body_bytes;
  options.idle_timeout = std::chrono::milliseconds(config.idle_timeout_ms);
  options.shutdown_grace = std::chrono::milliseconds(config.shutdown_grace_ms);

  AuthService& auth = *c->auth;
  http::HttpServer server(
      options, router, workers, metrics,
      [&auth](const http::Request& req, bool may_block) {
        return http::authenticate_request(auth, req, may_block);
      },
      [&app_files](const http::Request& req) { return app_files.serve(req); }, &realtime_endpoint);
  try {
    server.listen();
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  malloc_trim(0);  // hand start-up scratch memory (migrations, hashing) back
  spdlog::info("task-reporter listening on http://{}:{}", options.address, server.port());
  server.run();
  workers.join();
  c->stop_writers();  // queued posts commit and publish while the hub still exists
  spdlog::info("task-reporter stopped");
  return 0;
}

}  // namespace tr::app
