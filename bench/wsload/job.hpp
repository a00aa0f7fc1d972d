// The job description the orchestrator sends as the first stdin line: the
// server, the connections (token and room each) and the scenario's sizes.
//
//   {"mode": "fanout" | "throughput", "host": "127.0.0.1", "port": 8080,
//    "timeout_ms": 600000,        hard limit for the whole process
//    "connect_timeout_ms": 10000, TCP connect + WebSocket upgrade + subscribe, each
//    "concurrency": 64,           connections being opened at once
//    "spread": 50,                source addresses 127.0.0.(2 + index % spread); 0 = any
//    fanout:     "subscribers": [{"index", "token", "room_id"}...], "sender": {...} (optional),
//                "count": 3000 (messages, numbered 0..count-1), "rate": 100 (per second),
//                "pad_bytes": 0, "ack_drain_ms": 15000, "drain_ms": 10000,
//                "readers": "poll" | "block" (how the subscribers wait for frames)
//    throughput: "senders": [{"index", "token", "room_id"}...], "window": 8,
//                "warmup_ms": 1000, "duration_ms": 10000, "payload_bytes": 100,
//                "drain_ms": 10000}
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wsload {

using Millis = std::chrono::milliseconds;

struct ConnSpec {
  int index = 0;  // global number of the connection (source address, client_id)
  std::string token;
  std::string room_id;
};

struct Job {
  std::string mode;
  std::string host;
  std::uint16_t port = 0;
  Millis timeout{600000};
  Millis connect_timeout{10000};
  int concurrency = 64;
  int spread = 0;

  // fanout
  std::vector<ConnSpec> subscribers;
  std::optional<ConnSpec> sender;
  int count = 0;
  double rate = 100;
  int pad_bytes = 0;
  Millis ack_drain{15000};
  Millis drain{10000};
  bool poll_readers = true;

  // throughput
  std::vector<ConnSpec> senders;
  int window = 8;
  Millis warmup{1000};
  Millis duration{10000};
  int payload_bytes = 100;
};

// Reads and checks a job; exits with a message naming the bad field.
Job parse_job(const boost::json::object& object);

}  // namespace wsload
