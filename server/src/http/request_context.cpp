#include "http/request_context.hpp"

namespace tr::http {

AuthContext auth_context_of(const Request& req) {
  AuthContext c;
  if (req.principal) {
    c.user_id = req.principal->user_id;
    c.username = req.principal->username;
    c.display_name = req.principal->display_name;
    c.email = req.principal->email;
    c.session_id = req.principal->session_id;
    c.is_admin = req.principal->is_admin;
  }
  return c;
}

ClientInfo client_of(const Request& req) {
  return ClientInfo{req.remote_address, std::string(req.header("user-agent")).substr(0, 512)};
}

}  // namespace tr::http
