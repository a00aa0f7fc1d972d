#pragma once
// The wire shape of a user (SPEC.md section 2):
// {user_id, username, display_name, email, is_admin}.

#include <boost/json/value.hpp>

#include "domain/user.hpp"

namespace tr {

boost::json::value user_to_json(const User& user);

}  // namespace tr
