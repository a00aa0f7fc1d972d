// Reading the job description (see job.hpp) from its JSON form.
#include "job.hpp"

#include "control.hpp"

#include <boost/json/value.hpp>

#include <limits>

namespace wsload {

namespace json = boost::json;

namespace {

const json::value* field(const json::object& o, std::string_view key, bool required) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr && required) fatal("job: missing field '" + std::string(key) + "'");
  return v;
}

double number(const json::object& o, std::string_view key, double fallback, double min,
              double max, bool required = false) {
  const json::value* v = field(o, key, required);
  if (v == nullptr) return fallback;
  if (!v->is_number()) fatal("job: '" + std::string(key) + "' must be a number");
  const double d = v->to_number<double>();
  if (!(d >= min && d <= max)) fatal("job: '" + std::string(key) + "' out of range");
  return d;
}

int integer(const json::object& o, std::string_view key, int fallback, int min, int max,
            bool required = false) {
  return static_cast<int>(number(o, key, fallback, min, max, required));
}

Millis millis(const json::object& o, std::string_view key, Millis fallback) {
  return Millis(integer(o, key, static_cast<int>(fallback.count()), 0, 24 * 3600 * 1000));
}

std::string text(const json::object& o, std::string_view key) {
  const json::value* v = field(o, key, true);
  if (!v->is_string()) fatal("job: '" + std::string(key) + "' must be a string");
  return std::string(v->as_string());
}

ConnSpec conn_spec(const json::value& v) {
  if (!v.is_object()) fatal("job: a connection must be an object {index, token, room_id}");
  const json::object& o = v.as_object();
  return ConnSpec{integer(o, "index", 0, 0, std::numeric_limits<int>::max(), true),
                  text(o, "token"), text(o, "room_id")};
}

std::vector<ConnSpec> conn_specs(const json::object& o, std::string_view key) {
  std::vector<ConnSpec> out;
  const json::value* v = field(o, key, false);
  if (v == nullptr) return out;
  if (!v->is_array()) fatal("job: '" + std::string(key) + "' must be an array");
  for (const json::value& item : v->as_array()) out.push_back(conn_spec(item));
  return out;
}

}  // namespace

Job parse_job(const json::object& o) {
  Job job;
  job.mode = text(o, "mode");
  job.host = text(o, "host");
  job.port = static_cast<std::uint16_t>(integer(o, "port", 0, 1, 65535, true));
  job.timeout = millis(o, "timeout_ms", job.timeout);
  job.connect_timeout = millis(o, "connect_timeout_ms", job.connect_timeout);
  job.concurrency = integer(o, "concurrency", job.concurrency, 1, 100000);
  job.spread = integer(o, "spread", job.spread, 0, 250);

  if (job.mode == "fanout") {
    job.subscribers = conn_specs(o, "subscribers");
    if (const json::value* s = field(o, "sender", false); s != nullptr && !s->is_null()) {
      job.sender = conn_spec(*s);
    }
    job.count = integer(o, "count", 0, 0, 100'000'000, true);
    job.rate = number(o, "rate", job.rate, 0.001, 1e6);
    job.pad_bytes = integer(o, "pad_bytes", job.pad_bytes, 0, 1 << 20);
    job.ack_drain = millis(o, "ack_drain_ms", job.ack_drain);
    job.drain = millis(o, "drain_ms", job.drain);
    if (const json::value* r = field(o, "readers", false); r != nullptr) {
      if (!r->is_string() || (r->as_string() != "poll" && r->as_string() != "block")) {
        fatal("job: 'readers' must be \"poll\" or \"block\"");
      }
      job.poll_readers = r->as_string() == "poll";
    }
  } else if (job.mode == "throughput") {
    job.senders = conn_specs(o, "senders");
    job.window = integer(o, "window", job.window, 1, 100000);
    job.warmup = millis(o, "warmup_ms", job.warmup);
    job.duration = millis(o, "duration_ms", job.duration);
    job.payload_bytes = integer(o, "payload_bytes", job.payload_bytes, 0, 1 << 20);
    job.drain = millis(o, "drain_ms", job.drain);
  } else {
    fatal("job: unknown mode '" + job.mode + "' (fanout or throughput)");
  }
  return job;
}

}  // namespace wsload
