#include "app/components.hpp"

#include <spdlog/spdlog.h>

#include <thread>

#include "adapters/crypto/jwt_token_signer.hpp"
#include "adapters/crypto/sodium_password_hasher.hpp"
#include "adapters/ldap/ldap_directory.hpp"
#include "adapters/local/local_directory.hpp"
#include "adapters/memory/local_event_bus.hpp"
#include "adapters/sql/sql_message_store.hpp"
#include "adapters/sql/sql_room_store.hpp"
#include "adapters/sql/sql_template_store.hpp"
#include "adapters/sql/migrations.hpp"
#include "adapters/sql/sql_audit_log.hpp"
#include "adapters/sql/sql_session_store.hpp"
#include "adapters/sql/sql_setting_store.hpp"
#include "adapters/sql/sql_user_store.hpp"
#include "core/ids.hpp"

namespace tr::app {
namespace {

LdapConfig ldap_config_of(const Config& c) {
  LdapConfig l;
  l.urls = c.ldap_urls;
  l.base_dn = c.ldap_base_dn;
  l.user_filter = c.ldap_user_filter;
  l.upn_domain = c.ldap_upn_domain;
  l.bind_dn = c.ldap_bind_dn;
  l.bind_password = c.ldap_bind_password;
  l.admin_group = c.ldap_admin_group;
  l.allowed_group = c.ldap_allowed_group;
  l.nested_groups = c.ldap_nested_groups;
  l.starttls = c.ldap_starttls;
  l.ca_file = c.ldap_ca_file;
  l.timeout_ms = c.ldap_timeout_ms;
  return l;
}

std::string jwt_secret(const Config& c, SettingStore& settings) {
  if (!c.jwt_secret.empty()) return c.jwt_secret;
  // Generated once and shared through the database, so restarts and other
  // instances keep accepting the tokens already issued.
  auto stored = settings.put_if_absent("jwt_secret", random_token(48));
  if (!stored) throw std::runtime_error("cannot read the JWT key from the database: " + stored.error().message);
  return *stored;
}

}  // namespace

Components::Components(const Config& config) {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  worker_threads = config.worker_threads > 0 ? static_cast<std::size_t>(config.worker_threads)
                                             : std::max<std::size_t>(4, 2 * cores);
  const std::size_t pool = config.db_pool_size > 0 ? config.db_pool_size : worker_threads;
  db = sql::Database::open(config.database_url, pool);
  for (const auto& v : sql::apply_migrations(*db, sql::embedded_migrations())) {
    spdlog::info("applied migration {}", v);
  }
  settings = std::make_unique<sql::SqlSettingStore>(*db, clock);
  users = std::make_unique<sql::SqlUserStore>(*db);
  sessions = std::make_unique<sql::SqlSessionStore>(*db);
  audit = std::make_unique<sql::SqlAuditLog>(*db, clock);
  hasher = std::make_unique<SodiumPasswordHasher>();
  std::vector<std::string> previous;
  if (const char* p = std::getenv("TR_JWT_PREVIOUS_SECRET")) previous.emplace_back(p);
  tokens = std::make_unique<JwtTokenSigner>(jwt_secret(config, *settings), previous);
  if (config.directory == "ldap") {
    directory = std::make_unique<LdapDirectory>(ldap_config_of(config));
  } else {
    directory = std::make_unique<LocalDirectory>(*users, *hasher);
  }
  auth = std::make_unique<AuthService>(*directory, *users, *sessions, *audit, *tokens, clock);
  user_service = std::make_unique<UserService>(*users, *hasher, *auth, clock,
                                               config.directory == "local");
  events = std::make_unique<LocalEventBus>();
  events->subscribe([this](const RoomEvent&) { room_list_changes.bump(); });
  rooms = std::make_unique<sql::SqlRoomStore>(*db);
  templates = std::make_unique<sql::SqlTemplateStore>(*db);
  messages = std::make_unique<sql::SqlMessageStore>(*db);
  resolver = std::make_unique<UserResolver>(*users, *directory, clock);
  room_service = std::make_unique<RoomService>(*rooms, *templates, *resolver, *users, *audit,
                                               *events, clock);
  template_service = std::make_unique<TemplateService>(*templates, *resolver, clock);
  MessageLimits limits;
  limits.rate_per_second = config.message_rate;
  limits.burst = config.message_burst;
  message_service = std::make_unique<MessageService>(*messages, *rooms, *room_service, *events,
                                                     *audit, clock, room_list_changes, limits);
}

Components::~Components() = default;

void Components::stop_writers() {
  message_service.reset();
  messages.reset();
}

}  // namespace tr::app
