#pragma once
// Small fakes for the room service tests: a user store, a directory that
// knows a fixed set of people, an audit log and an event bus that record
// what they get. Not thread-safe (the tests are single-threaded).

#include <algorithm>
#include <cctype>
#include <map>
#include <vector>

#include "ports/audit_log.hpp"
#include "ports/directory.hpp"
#include "ports/event_bus.hpp"
#include "ports/user_store.hpp"

namespace tr::testing {

inline std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class FakeUserStore final : public UserStore {
 public:
  // ports::UserStore
  Result<User> create(const User& user, const std::optional<std::string>&) override {
    for (const auto& [id, u] : users_) {
      if (lower(u.username) == lower(user.username)) {
        return Error{ErrorCode::kConflict, "username taken", "username"};
      }
    }
    users_[user.user_id] = user;
    return user;
  }
  Result<User> find_by_id(const std::string& user_id) override {
    auto it = users_.find(user_id);
    if (it == users_.end()) return Error{ErrorCode::kNotFound, "no such user"};
    return it->second;
  }
  Result<User> find_by_username(const std::string& username) override {
    for (const auto& [id, u] : users_) {
      if (lower(u.username) == lower(username)) return u;
    }
    return Error{ErrorCode::kNotFound, "no such user"};
  }
  Result<std::vector<User>> find_by_ids(const std::vector<std::string>& ids) override {
    std::vector<User> out;
    for (const auto& id : ids) {
      if (auto u = find_by_id(id)) out.push_back(*u);
    }
    return out;
  }
  Result<std::optional<std::string>> password_hash(const std::string&) override {
    return std::optional<std::string>();
  }
  Result<User> update(const std::string& user_id, const UserPatch& patch, EpochMs now) override {
    auto it = users_.find(user_id);
    if (it == users_.end()) return Error{ErrorCode::kNotFound, "no such user"};
    if (patch.disabled) it->second.disabled = *patch.disabled;
    if (patch.display_name) it->second.display_name = *patch.display_name;
    it->second.updated_at = now;
    return it->second;
  }
  Result<std::vector<User>> search(const std::string&, int) override { return std::vector<User>(); }

  std::size_t size() const { return users_.size(); }

 private:
  std::map<std::string, User> users_;
};

class FakeDirectory final : public Directory {
 public:
  void add(DirectoryIdentity identity) { people_[lower(identity.username)] = std::move(identity); }
  bool down = false;

  // ports::Directory
  Result<DirectoryIdentity> authenticate(std::string_view, std::string_view) override {
    return Error{ErrorCode::kInvalidCredentials, "no"};
  }
  Result<DirectoryIdentity> lookup(std::string_view username) override {
    if (down) return Error{ErrorCode::kDirectoryUnavailable, "directory down"};
    auto it = people_.find(lower(std::string(username)));
    if (it == people_.end()) return Error{ErrorCode::kNotFound, "unknown"};
    return it->second;
  }
  std::string_view kind() const override { return "ldap"; }

 private:
  std::map<std::string, DirectoryIdentity> people_;
};

class FakeAuditLog final : public AuditLog {
 public:
  // ports::AuditLog
  void append(AuditEntry entry) override { entries.push_back(std::move(entry)); }
  Result<AuditPage> list(const AuditQuery&) override { return AuditPage{entries, 0}; }

  std::vector<AuditEntry> entries;
};

class RecordingBus final : public EventBus {
 public:
  // ports::EventBus
  void publish(const RoomEvent& event) override { events.push_back(event); }
  void subscribe(Listener) override {}

  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.type);
    return out;
  }

  std::vector<RoomEvent> events;
};

}  // namespace tr::testing
