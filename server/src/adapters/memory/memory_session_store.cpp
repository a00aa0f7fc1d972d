#include "adapters/memory/memory_session_store.hpp"

#include <algorithm>

namespace tr {

Result<void> MemorySessionStore::create(const Session& session, const std::string& digest) {
  std::lock_guard lock(mu_);
  sessions_[session.session_id] = session;
  current_[digest] = session.session_id;
  return {};
}

Result<Session> MemorySessionStore::find(const std::string& session_id) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return Error{ErrorCode::kNotFound, "no such session"};
  return it->second;
}

Result<RefreshOutcome> MemorySessionStore::rotate_refresh(const std::string& old_digest,
                                                          const std::string& new_digest,
                                                          EpochMs now) {
  std::lock_guard lock(mu_);
  RefreshOutcome out;
  if (auto it = current_.find(old_digest); it != current_.end()) {
    const std::string id = it->second;
    current_.erase(it);
    current_[new_digest] = id;
    spent_[old_digest] = id;
    out.kind = RefreshOutcome::Kind::kRotated;
    out.session = sessions_[id];
    sessions_[id].last_seen_at = now;
  } else if (auto sp = spent_.find(old_digest); sp != spent_.end()) {
    out.kind = RefreshOutcome::Kind::kReused;
    out.session = sessions_[sp->second];
  }
  return out;
}

Result<void> MemorySessionStore::touch(const std::string& session_id, EpochMs now) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(session_id);
  if (it != sessions_.end() && it->second.last_seen_at < now) it->second.last_seen_at = now;
  return {};
}

Result<bool> MemorySessionStore::revoke(const std::string& session_id, EpochMs now,
                                        const std::string& reason) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(session_id);
  if (it == sessions_.end() || it->second.revoked_at) return false;
  it->second.revoked_at = now;
  it->second.revoke_reason = reason;
  return true;
}

Result<std::vector<std::string>> MemorySessionStore::revoke_all_for_user(
    const std::string& user_id, EpochMs now, const std::string& reason) {
  std::lock_guard lock(mu_);
  std::vector<std::string> ids;
  for (auto& [id, s] : sessions_) {
    if (s.user_id == user_id && !s.revoked_at) {
      s.revoked_at = now;
      s.revoke_reason = reason;
      ids.push_back(id);
    }
  }
  return ids;
}

Result<std::vector<Session>> MemorySessionStore::list_active(const std::string& user_id,
                                                             EpochMs now, EpochMs seen_after) {
  std::lock_guard lock(mu_);
  std::vector<Session> out;
  for (const auto& [id, s] : sessions_) {
    if (s.user_id == user_id && !s.revoked_at && s.expires_at > now && s.last_seen_at > seen_after) {
      out.push_back(s);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Session& a, const Session& b) { return a.last_seen_at > b.last_seen_at; });
  return out;
}

}  // namespace tr
