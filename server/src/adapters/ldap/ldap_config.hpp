#pragma once
// LdapConfig: how LdapDirectory reaches Active Directory (or any LDAP server
// with AD-like attributes). Filled from the TR_LDAP_* settings (SPEC.md 2).

#include <string>
#include <vector>

namespace tr {

// clang-format off
struct LdapConfig {
  std::vector<std::string> urls;            // tried in order (failover)
  std::string base_dn;
  std::string user_filter = "(sAMAccountName={username})";
  std::string upn_domain;                   // set -> bind as {username}@{upn_domain}
  std::string bind_dn, bind_password;       // set -> search with service account, then bind with the found DN
  std::string admin_group;                  // group DN -> is_admin
  std::string allowed_group;                // group DN; empty = everyone may log in
  bool nested_groups = false;               // AD LDAP_MATCHING_RULE_IN_CHAIN (1.2.840.113556.1.4.1941)
  bool starttls = false;
  std::string ca_file;
  int timeout_ms = 5000;                    // connect + each operation
  std::string attr_display_name = "displayName", attr_mail = "mail", attr_groups = "memberOf";
};
// clang-format on

}  // namespace tr
