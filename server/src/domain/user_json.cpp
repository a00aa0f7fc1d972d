#include "domain/user_json.hpp"

#include <boost/json.hpp>

namespace tr {

boost::json::value user_to_json(const User& u) {
  return boost::json::object{{"user_id", u.user_id},       {"username", u.username},
                             {"display_name", u.display_name}, {"email", u.email},
                             {"is_admin", u.is_admin},     {"disabled", u.disabled}};
}

}  // namespace tr
