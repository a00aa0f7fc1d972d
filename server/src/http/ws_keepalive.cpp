#include "http/ws_keepalive.hpp"

#include <chrono>

#include "http/ws_connection.hpp"

namespace tr::http {

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void WsKeepalive::add(const std::shared_ptr<WsConnection>& conn) {
  std::lock_guard lock(mu_);
  conns_[conn->info().connection_id] = conn;
}

void WsKeepalive::remove(std::uint64_t connection_id) {
  std::lock_guard lock(mu_);
  conns_.erase(connection_id);
}

std::vector<std::shared_ptr<WsConnection>> WsKeepalive::live() const {
  std::vector<std::shared_ptr<WsConnection>> out;
  std::lock_guard lock(mu_);
  out.reserve(conns_.size());
  for (const auto& [id, weak] : conns_) {
    if (auto conn = weak.lock()) out.push_back(std::move(conn));
  }
  return out;
}

void WsKeepalive::tick(std::int64_t now_ms) {
  for (const auto& conn : live()) conn->tick(now_ms);
}

void WsKeepalive::end_all() {
  for (const auto& conn : live()) conn->end_now();
}

}  // namespace tr::http
