#pragma once
// /api/users (search, for member pickers) and /api/admin/users (local
// accounts, admins only), and /api/admin/audit (the audit log, admins only).

#include "http/router.hpp"
#include "ports/audit_log.hpp"
#include "services/users/user_service.hpp"

namespace tr::http {

void add_user_routes(Router& router, UserService& users, AuditLog& audit);

// Reads an integer query parameter in [min, max], or `fallback` when absent.
// kValidationFailed naming the parameter otherwise.
Result<int> int_query(const Request& req, const std::string& name, int fallback, int min, int max);

}  // namespace tr::http
