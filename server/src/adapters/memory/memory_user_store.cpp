#include "adapters/memory/memory_user_store.hpp"

#include <algorithm>

#include "core/strings.hpp"

namespace tr {

Result<User> MemoryUserStore::create(const User& user, const std::optional<std::string>& hash) {
  std::lock_guard lock(mu_);
  const std::string key = ascii_lower(user.username);
  for (const auto& [id, r] : users_) {
    if (ascii_lower(r.user.username) == key) {
      return Error{ErrorCode::kConflict, "the username is already taken"};
    }
  }
  users_[user.user_id] = Record{user, hash};
  return user;
}

Result<User> MemoryUserStore::find_by_id(const std::string& user_id) {
  std::lock_guard lock(mu_);
  auto it = users_.find(user_id);
  if (it == users_.end()) return Error{ErrorCode::kNotFound, "no such user"};
  return it->second.user;
}

Result<User> MemoryUserStore::find_by_username(const std::string& username) {
  std::lock_guard lock(mu_);
  const std::string key = ascii_lower(username);
  for (const auto& [id, r] : users_) {
    if (ascii_lower(r.user.username) == key) return r.user;
  }
  return Error{ErrorCode::kNotFound, "no such user"};
}

Result<std::vector<User>> MemoryUserStore::find_by_ids(const std::vector<std::string>& ids) {
  std::lock_guard lock(mu_);
  std::vector<User> out;
  for (const auto& id : ids) {
    auto it = users_.find(id);
    if (it != users_.end()) out.push_back(it->second.user);
  }
  return out;
}

Result<std::optional<std::string>> MemoryUserStore::password_hash(const std::string& user_id) {
  std::lock_guard lock(mu_);
  auto it = users_.find(user_id);
  if (it == users_.end()) return Error{ErrorCode::kNotFound, "no such user"};
  return it->second.hash;
}

Result<User> MemoryUserStore::update(const std::string& user_id, const UserPatch& patch,
                                     EpochMs now) {
  std::lock_guard lock(mu_);
  auto it = users_.find(user_id);
  if (it == users_.end()) return Error{ErrorCode::kNotFound, "no such user"};
  User& u = it->second.user;
  if (patch.display_name) u.display_name = *patch.display_name;
  if (patch.email) u.email = *patch.email;
  if (patch.is_admin) u.is_admin = *patch.is_admin;
  if (patch.disabled) u.disabled = *patch.disabled;
  if (patch.password_hash) it->second.hash = *patch.password_hash;
  u.updated_at = now;
  return u;
}

Result<std::vector<User>> MemoryUserStore::search(const std::string& query, int limit) {
  std::lock_guard lock(mu_);
  const std::string q = ascii_lower(trim(query));
  std::vector<User> out;
  for (const auto& [id, r] : users_) {
    if (r.user.disabled) continue;
    if (ascii_lower(r.user.username).find(q) != std::string::npos ||
        ascii_lower(r.user.display_name).find(q) != std::string::npos) {
      out.push_back(r.user);
    }
  }
  std::sort(out.begin(), out.end(), [](const User& a, const User& b) {
    return ascii_lower(a.username) < ascii_lower(b.username);
  });
  if (static_cast<int>(out.size()) > limit) out.resize(static_cast<std::size_t>(limit));
  return out;
}

}  // namespace tr
