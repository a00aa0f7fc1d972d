#include "http/request_context.hpp"

namespace tr::http {

Actor acting_user(const Request& req) {
  Actor a;
  if (req.principal) {
    a.user_id = req.principal->user_id;
    a.username = req.principal->username;
    a.display_name = req.principal->display_name;
    a.is_admin = req.principal->is_admin;
  }
  a.client_ip = req.remote_address;
  a.user_agent = std::string(req.header("user-agent"));
  return a;
}

AuthContext auth_context_of(const Request& req) {
  AuthContext c;
  if (req.principal) {
    c.user_id = req.principal->user_id;
    c.username = req.principal->username;
    c.display_name = req.principal->display_name;
    c.session_id = req.principal->session_id;
    c.is_admin = req.principal->is_admin;
  }
  return c;
}

ClientInfo client_of(const Request& req) {
  return ClientInfo{req.remote_address, std::string(req.header("user-agent")).substr(0, 512)};
}

}  // namespace tr::http
