#pragma once
// Operations endpoints: GET /healthz (alive), GET /readyz (dependencies
// answer), GET /metrics (Prometheus text). All public.

#include <functional>
#include <string>

#include "http/router.hpp"

namespace tr::http {

class Metrics;

// Returns "" when ready, else the reason (e.g. "database: connection refused").
using ReadinessCheck = std::function<std::string()>;

void add_ops_routes(Router& router, Metrics& metrics, ReadinessCheck ready);

}  // namespace tr::http
