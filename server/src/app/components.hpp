#pragma once
// Components: every adapter and service of one server process, built from a
// Config in dependency order. Shared by the server and the account commands.
// Construction throws std::runtime_error with one clear line when the
// database or directory configuration is unusable.

#include <memory>

#include "adapters/sql/database.hpp"
#include "app/config.hpp"
#include "core/change_counter.hpp"
#include "core/clock.hpp"
#include "ports/audit_log.hpp"
#include "ports/directory.hpp"
#include "ports/password_hasher.hpp"
#include "ports/session_store.hpp"
#include "ports/setting_store.hpp"
#include "ports/token_signer.hpp"
#include "ports/user_store.hpp"
#include "ports/event_bus.hpp"
#include "ports/message_store.hpp"
#include "ports/room_store.hpp"
#include "ports/template_store.hpp"
#include "services/auth/auth_service.hpp"
#include "services/messaging/message_service.hpp"
#include "services/rooms/room_service.hpp"
#include "services/rooms/template_service.hpp"
#include "services/rooms/user_resolver.hpp"
#include "services/users/user_service.hpp"

namespace tr::app {

struct Components {
  explicit Components(const Config& config);
  ~Components();

  // Finishes queued message posts and stops the writer thread.
  void stop_writers();

  std::size_t worker_threads = 0;
  SystemClock clock;
  std::unique_ptr<sql::Database> db;
  std::unique_ptr<SettingStore> settings;
  std::unique_ptr<UserStore> users;
  std::unique_ptr<SessionStore> sessions;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<PasswordHasher> hasher;
  std::unique_ptr<TokenSigner> tokens;
  std::unique_ptr<Directory> directory;
  std::unique_ptr<AuthService> auth;
  std::unique_ptr<UserService> user_service;
  std::unique_ptr<EventBus> events;
  // Grows with every committed room event and read position: cached room
  // lists (http::PageCache) older than its value are not served.
  ChangeCounter room_list_changes;
  std::unique_ptr<RoomStore> rooms;
  std::unique_ptr<TemplateStore> templates;
  std::unique_ptr<MessageStore> messages;
  std::unique_ptr<UserResolver> resolver;
  std::unique_ptr<RoomService> room_service;
  std::unique_ptr<TemplateService> template_service;
  std::unique_ptr<MessageService> message_service;
};

}  // namespace tr::app
