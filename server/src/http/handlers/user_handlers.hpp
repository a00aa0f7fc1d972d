#pragma once
// /api/users (search, for member pickers) and /api/admin/users (local
// accounts, admins only), and /api/admin/audit (the audit log, admins only).

#include "http/router.hpp"
#include "ports/audit_log.hpp"
#include "services/users/user_service.hpp"

namespace tr::http {

void add_user_routes(Router& router, UserService& users, AuditLog& audit);

}  // namespace tr::http
