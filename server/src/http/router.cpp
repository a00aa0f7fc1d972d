#include "http/router.hpp"

#include <set>

namespace tr::http {
namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= path.size()) {
    auto j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool matches(const Route& route, const std::vector<std::string>& parts,
             std::map<std::string, std::string>* params) {
  if (route.segments.size() != parts.size()) return false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto& seg = route.segments[i];
    if (is_param(seg)) {
      if (params) (*params)[seg.substr(1, seg.size() - 2)] = parts[i];
    } else if (seg != parts[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler,
                 RouteOptions options) {
  Route r;
  r.method = std::move(method);
  r.segments = split_path(pattern);
  r.pattern = std::move(pattern);
  r.handler = std::move(handler);
  r.options = options;
  routes_.push_back(std::move(r));
}

RouteMatch Router::match(Request& req) const {
  const auto parts = split_path(req.path);
  const std::string method = req.method == "HEAD" ? "GET" : req.method;
  std::set<std::string> allowed;
  for (const auto& route : routes_) {
    if (!matches(route, parts, nullptr)) continue;
    if (route.method == method) {
      std::map<std::string, std::string> params;
      matches(route, parts, &params);
      req.params = std::move(params);
      return RouteMatch{RouteMatch::Kind::kFound, &route, {}};
    }
    allowed.insert(route.method);
  }
  if (allowed.empty()) return RouteMatch{};
  if (allowed.count("GET")) allowed.insert("HEAD");
  std::string allow;
  for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
  return RouteMatch{RouteMatch::Kind::kMethodNotAllowed, nullptr, std::move(allow)};
}

}  // namespace tr::http
