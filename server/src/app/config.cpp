#include "app/config.hpp"

#include <CLI/CLI.hpp>

#include "adapters/sql/database.hpp"

#include <cstdlib>
#include <iostream>
#include <sstream>

namespace tr::app {
namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : fallback;
}

bool env_flag(const char* name, bool fallback) {
  const char* v = std::getenv(name);
  if (!v) return fallback;
  std::string s(v);
  return s == "1" || s == "true" || s == "yes" || s == "on";
}

std::vector<std::string> split_spaces(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string word;
  while (in >> word) out.push_back(word);
  return out;
}

void read_environment_only(Config& c) {
  c.admin_password = env_or("TR_ADMIN_PASSWORD", "");
  c.jwt_secret = env_or("TR_JWT_SECRET", "");
  c.ldap_urls = split_spaces(env_or("TR_LDAP_URLS", ""));
  c.ldap_base_dn = env_or("TR_LDAP_BASE_DN", "");
  c.ldap_user_filter = env_or("TR_LDAP_USER_FILTER", "(sAMAccountName={username})");
  c.ldap_upn_domain = env_or("TR_LDAP_UPN_DOMAIN", "");
  c.ldap_bind_dn = env_or("TR_LDAP_BIND_DN", "");
  c.ldap_bind_password = env_or("TR_LDAP_BIND_PASSWORD", "");
  c.ldap_admin_group = env_or("TR_LDAP_ADMIN_GROUP", "");
  c.ldap_allowed_group = env_or("TR_LDAP_ALLOWED_GROUP", "");
  c.ldap_ca_file = env_or("TR_LDAP_CA_FILE", "");
  c.ldap_nested_groups = env_flag("TR_LDAP_NESTED_GROUPS", false);
  c.ldap_starttls = env_flag("TR_LDAP_STARTTLS", false);
  c.s3_endpoint = env_or("TR_S3_ENDPOINT", c.s3_endpoint);
  c.s3_bucket = env_or("TR_S3_BUCKET", c.s3_bucket);
  c.s3_region = env_or("TR_S3_REGION", c.s3_region);
  c.s3_access_key = env_or("TR_S3_ACCESS_KEY", "");
  c.s3_secret_key = env_or("TR_S3_SECRET_KEY", "");
}

std::string mask(const std::string& secret) { return secret.empty() ? "(unset)" : "***"; }

}  // namespace

std::string Config::listen_host() const {
  auto colon = listen.rfind(':');
  std::string host = colon == std::string::npos ? listen : listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host.empty() ? "0.0.0.0" : host;
}

std::uint16_t Config::listen_port() const {
  auto colon = listen.rfind(':');
  return static_cast<std::uint16_t>(std::stoi(listen.substr(colon + 1)));
}

std::vector<std::string> Config::describe() const {
  std::vector<std::string> out = {
      "listen=" + listen,
      "data_dir=" + data_dir,
      "database_url=" + sql::Database::redact(database_url),
      "directory=" + directory,
      "storage=" + storage,
      "log_format=" + log_format,
      "web_dir=" + web_dir,
      "io_threads=" + std::to_string(io_threads),
      "worker_threads=" + std::to_string(worker_threads),
      "db_pool_size=" + std::to_string(db_pool_size),
      "max_body_bytes=" + std::to_string(max_body_bytes),
      "idle_timeout_ms=" + std::to_string(idle_timeout_ms),
      "admin_password=" + mask(admin_password),
      "jwt_secret=" + mask(jwt_secret),
  };
  if (directory == "ldap") {
    std::string urls;
    for (const auto& u : ldap_urls) urls += (urls.empty() ? "" : " ") + u;
    out.push_back("ldap_urls=" + urls);
    out.push_back("ldap_base_dn=" + ldap_base_dn);
    out.push_back("ldap_bind_dn=" + ldap_bind_dn);
    out.push_back("ldap_bind_password=" + mask(ldap_bind_password));
  }
  if (storage == "s3") {
    out.push_back("s3_endpoint=" + s3_endpoint);
    out.push_back("s3_bucket=" + s3_bucket);
    out.push_back("s3_access_key=" + mask(s3_access_key));
    out.push_back("s3_secret_key=" + mask(s3_secret_key));
  }
  return out;
}

std::string validate(const Config& c) {
  auto colon = c.listen.rfind(':');
  if (colon == std::string::npos || colon + 1 >= c.listen.size()) {
    return "--listen must be HOST:PORT, got \"" + c.listen + "\"";
  }
  const std::string port = c.listen.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
      std::stoi(port) > 65535) {
    return "--listen port must be a number from 0 to 65535, got \"" + port + "\"";
  }
  if (c.directory != "local" && c.directory != "ldap") {
    return "--directory must be local or ldap, got \"" + c.directory + "\"";
  }
  if (c.storage != "fs" && c.storage != "s3") {
    return "--storage must be fs or s3, got \"" + c.storage + "\"";
  }
  if (c.log_format != "text" && c.log_format != "json") {
    return "--log-format must be text or json, got \"" + c.log_format + "\"";
  }
  if (c.directory == "ldap") {
    if (c.ldap_urls.empty()) return "--directory ldap needs TR_LDAP_URLS";
    if (c.ldap_base_dn.empty()) return "--directory ldap needs TR_LDAP_BASE_DN";
    if (c.ldap_upn_domain.empty() && c.ldap_bind_dn.empty()) {
      return "--directory ldap needs TR_LDAP_UPN_DOMAIN or TR_LDAP_BIND_DN";
    }
  }
  if (c.storage == "s3" && (c.s3_access_key.empty() || c.s3_secret_key.empty())) {
    return "--storage s3 needs TR_S3_ACCESS_KEY and TR_S3_SECRET_KEY";
  }
  if (c.max_body_bytes < 1024) return "--max-body-bytes must be at least 1024";
  if (c.idle_timeout_ms < 100) return "--idle-timeout-ms must be at least 100";
  return "";
}

Command parse_command_line(int argc, char** argv, Config& c) {
  CLI::App app{"Task Reporter: production-line incident response server"};
  app.set_version_flag("--version", "task-reporter 0.1.0");
  app.get_formatter()->column_width(36);
  app.footer(
      "Secrets and adapter settings come from the environment only:\n"
      "  TR_ADMIN_PASSWORD, TR_JWT_SECRET,\n"
      "  TR_LDAP_URLS, TR_LDAP_BASE_DN, TR_LDAP_USER_FILTER, TR_LDAP_UPN_DOMAIN,\n"
      "  TR_LDAP_BIND_DN, TR_LDAP_BIND_PASSWORD, TR_LDAP_ADMIN_GROUP, TR_LDAP_ALLOWED_GROUP,\n"
      "  TR_LDAP_NESTED_GROUPS, TR_LDAP_STARTTLS, TR_LDAP_CA_FILE, TR_LDAP_TIMEOUT_MS,\n"
      "  TR_S3_ENDPOINT, TR_S3_BUCKET, TR_S3_REGION, TR_S3_ACCESS_KEY, TR_S3_SECRET_KEY");

  app.add_option("--listen", c.listen, "Address and port to serve on")
      ->envname("TR_LISTEN")->capture_default_str();
  app.add_option("--data-dir", c.data_dir, "Folder for the SQLite database and files")
      ->envname("TR_DATA_DIR")->capture_default_str();
  app.add_option("--database-url", c.database_url,
                 "sqlite:///path or postgresql://user:pass@host/db (default: SQLite in data dir)")
      ->envname("TR_DATABASE_URL");
  app.add_option("--directory", c.directory, "Account directory: local or ldap")
      ->envname("TR_DIRECTORY")->capture_default_str();
  app.add_option("--storage", c.storage, "File storage: fs or s3")
      ->envname("TR_STORAGE")->capture_default_str();
  app.add_option("--log-format", c.log_format, "Log format: text or json")
      ->envname("TR_LOG_FORMAT")->capture_default_str();
  app.add_option("--log-level", c.log_level, "trace, debug, info, warn or error")
      ->envname("TR_LOG_LEVEL")->capture_default_str();
  app.add_option("--web-dir", c.web_dir, "The built browser app to serve")
      ->envname("TR_WEB_DIR")->capture_default_str();
  app.add_option("--io-threads", c.io_threads, "I/O threads (0 = one per core)")
      ->envname("TR_IO_THREADS")->check(CLI::Range(0, 256))->capture_default_str();
  app.add_option("--worker-threads", c.worker_threads,
                 "Threads for blocking work (0 = max(4, 2 x cores))")
      ->envname("TR_WORKER_THREADS")->check(CLI::Range(0, 1024))->capture_default_str();
  app.add_option("--db-pool-size", c.db_pool_size, "Database connections (0 = worker threads)")
      ->envname("TR_DB_POOL_SIZE")->check(CLI::Range(0, 1024))->capture_default_str();
  app.add_option("--max-body-bytes", c.max_body_bytes, "Largest JSON request body")
      ->envname("TR_MAX_BODY_BYTES")->capture_default_str();
  app.add_option("--idle-timeout-ms", c.idle_timeout_ms,
                 "Close a connection that sends no request for this long")
      ->envname("TR_IDLE_TIMEOUT_MS")->capture_default_str();
  app.add_option("--shutdown-grace-ms", c.shutdown_grace_ms,
                 "Time in-flight requests get to finish on SIGTERM")
      ->envname("TR_SHUTDOWN_GRACE_MS")->capture_default_str();
  app.add_option("--message-rate", c.message_rate, "Messages per second per user")
      ->envname("TR_MESSAGE_RATE")->check(CLI::Range(0.1, 1e6))->capture_default_str();
  app.add_option("--message-burst", c.message_burst, "Messages a user may send at once")
      ->envname("TR_MESSAGE_BURST")->check(CLI::Range(1.0, 1e6))->capture_default_str();
  app.add_option("--ldap-timeout-ms", c.ldap_timeout_ms, "LDAP connect and operation timeout")
      ->envname("TR_LDAP_TIMEOUT_MS")->check(CLI::Range(100, 120000))->capture_default_str();

  Command cmd;
  auto* user = app.add_subcommand("user", "Manage local accounts");
  user->require_subcommand(1);
  auto* add = user->add_subcommand("add", "Create a local account; password on standard input");
  add->add_option("name", cmd.username, "Login name")->required();
  add->add_option("--display-name", cmd.display_name, "Name shown to others");
  add->add_option("--email", cmd.email, "E-mail address");
  add->add_flag("--admin", cmd.admin, "Make the account a system admin");
  auto* passwd = user->add_subcommand("passwd", "Set a local account's password from stdin");
  passwd->add_option("name", cmd.username, "Login name")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    std::cout << app.help();
    return Command{Command::Kind::kExit, 0};
  } catch (const CLI::CallForVersion& e) {
    std::cout << e.what() << "\n";
    return Command{Command::Kind::kExit, 0};
  } catch (const CLI::ParseError& e) {
    std::cerr << "task-reporter: " << e.what() << "\n";
    return Command{Command::Kind::kExit, 2};
  }
  read_environment_only(c);
  if (c.database_url.empty()) c.database_url = "sqlite://" + c.data_dir + "/task-reporter.db";
  if (auto problem = validate(c); !problem.empty()) {
    std::cerr << "task-reporter: invalid configuration: " << problem << "\n";
    return Command{Command::Kind::kExit, 2};
  }
  if (add->parsed()) cmd.kind = Command::Kind::kUserAdd;
  if (passwd->parsed()) cmd.kind = Command::Kind::kUserPasswd;
  return cmd;
}

}  // namespace tr::app
