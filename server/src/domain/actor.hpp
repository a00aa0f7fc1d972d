#pragma once
// Actor: who is doing something, as the services see it (taken from the
// authenticated session by the transport layer). Plain value.

#include <string>

namespace tr {

struct Actor {
  std::string user_id;
  std::string username;
  std::string display_name;
  bool is_admin = false;
  std::string client_ip;   // for the audit log
  std::string user_agent;  // for the audit log
};

}  // namespace tr
