#pragma once
// RealtimeEndpoint: what the HTTP server needs to serve GET /ws — the hub,
// the gateway for client frames, token checks and limits. No Beast here.

#include <chrono>
#include <cstddef>

#include "realtime/client_gateway.hpp"
#include "realtime/room_hub.hpp"
#include "services/auth/auth_service.hpp"

namespace tr::http {

struct WebSocketOptions {
  std::size_t max_frame_bytes = 64 * 1024;     // bigger text frames: close 1009
  std::size_t queue_max_bytes = 1024 * 1024;   // per connection; over it: close 1008
  std::size_t queue_max_frames = 4096;
  std::chrono::milliseconds auth_timeout{5000};   // no valid token by then: close 4401
  std::chrono::milliseconds idle_timeout{40000};  // pinged at half; silent peers closed
};

struct RealtimeEndpoint {
  realtime::RoomHub& hub;
  realtime::ClientGateway& gateway;
  AuthService& auth;
  WebSocketOptions options;
};

}  // namespace tr::http
