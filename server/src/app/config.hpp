#pragma once
// Config: every setting of the server, read from command-line flags, then
// TR_* environment variables, then defaults (SPEC.md section 7). Secrets
// (passwords, keys) come only from the environment.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tr::app {

struct Config {
  std::string listen = "0.0.0.0:8080";
  std::string data_dir = "./data";
  std::string database_url;  // default: sqlite://<data_dir>/task-reporter.db
  std::string directory = "local";  // local | ldap
  std::string storage = "fs";       // fs | s3
  std::string log_format = "text";  // text | json
  std::string log_level = "info";
  std::string web_dir = "./web/dist";
  int io_threads = 0;       // 0 = cores
  int worker_threads = 0;   // 0 = max(4, 2 * cores)
  int db_pool_size = 0;     // 0 = worker_threads
  std::size_t max_body_bytes = 1024 * 1024;
  std::int64_t idle_timeout_ms = 30'000;
  std::int64_t shutdown_grace_ms = 10'000;
  double message_rate = 20;   // messages per second per user
  double message_burst = 50;  // saved up at most

  // Secrets and adapter settings, from the environment only.
  std::string admin_password;  // TR_ADMIN_PASSWORD
  std::string jwt_secret;      // TR_JWT_SECRET
  std::vector<std::string> ldap_urls;
  std::string ldap_base_dn, ldap_user_filter, ldap_upn_domain, ldap_bind_dn,
      ldap_bind_password, ldap_admin_group, ldap_allowed_group, ldap_ca_file;
  bool ldap_nested_groups = false, ldap_starttls = false;
  int ldap_timeout_ms = 5000;
  std::string s3_endpoint = "localhost:9000", s3_bucket = "task-reporter-files",
              s3_region = "us-east-1", s3_access_key, s3_secret_key;

  // Derived from `listen`.
  std::string listen_host() const;
  std::uint16_t listen_port() const;
  // The settings as "name=value" lines with secrets masked, for the start log.
  std::vector<std::string> describe() const;
};

// What the command line asked for.
struct Command {
  enum class Kind { kServe, kUserAdd, kUserPasswd, kExit } kind = Kind::kServe;
  int exit_code = 0;  // for kExit (--help: 0, bad configuration: 2)
  std::string username, display_name, email;
  bool admin = false;
};

// Parses argv and the environment into `config`. Prints help or one clear
// error line (to stdout / stderr) when the command is kExit.
Command parse_command_line(int argc, char** argv, Config& config);

// Checks values that parsing alone cannot; returns the problem or "".
std::string validate(const Config& config);

}  // namespace tr::app
