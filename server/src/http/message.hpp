#pragma once
// Request and Response: the server's own view of an HTTP exchange, free of
// Beast so that handlers compile fast and stay transport-agnostic. The
// session (server.cpp) converts to and from the wire. Plain values.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tr::http {

// Who made an authenticated request (filled in by the auth step).
struct Principal {
  std::string user_id;
  std::string username;
  std::string display_name;
  std::string email;
  std::string session_id;
  bool is_admin = false;
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request target, e.g. "/api/rooms?limit=5"
  std::string path;    // percent-decoded path, e.g. "/api/rooms"
  std::multimap<std::string, std::string> query;  // decoded query parameters
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remote_address;
  std::string request_id;
  std::map<std::string, std::string> params;  // path parameters from the route
  std::optional<Principal> principal;
  // True while an inline route's handler runs on an I/O thread: it must not
  // block, and answers Response::on_workers() when it would have to.
  bool on_io_thread = false;

  // First header named `name` (lower-case), or empty.
  std::string_view header(std::string_view name) const;
  // First query parameter `name`, or nullopt.
  std::optional<std::string> query_param(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string file_path;  // when set, the body is streamed from this file
  bool run_on_workers = false;  // see on_workers()

  // What an inline handler answers when it cannot answer without blocking:
  // the server runs it again on the worker pool.
  static Response on_workers() {
    Response r;
    r.run_on_workers = true;
    return r;
  }

  void set_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

// 200/201 with a JSON body already serialised.
Response json_response(std::string body, int status = 200);
// 204 No Content.
Response no_content();

}  // namespace tr::http
