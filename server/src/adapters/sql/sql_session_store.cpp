#include "adapters/sql/sql_session_store.hpp"

#include "adapters/sql/sql_error.hpp"

namespace tr::sql {
namespace {

constexpr const char* kColumns =
    "session_id, user_id, created_at, last_seen_at, expires_at, client_ip, user_agent, "
    "revoked_at, revoke_reason";

struct SessionRow {
  Session s;
  long long created = 0, seen = 0, expires = 0, revoked = 0;
  std::string reason;
  soci::indicator revoked_ind = soci::i_null, reason_ind = soci::i_null;

  void bind(soci::statement& st) {
    st.exchange(soci::into(s.session_id));
    st.exchange(soci::into(s.user_id));
    st.exchange(soci::into(created));
    st.exchange(soci::into(seen));
    st.exchange(soci::into(expires));
    st.exchange(soci::into(s.client_ip));
    st.exchange(soci::into(s.user_agent));
    st.exchange(soci::into(revoked, revoked_ind));
    st.exchange(soci::into(reason, reason_ind));
  }
  Session finish() const {
    Session out = s;
    out.created_at = created;
    out.last_seen_at = seen;
    out.expires_at = expires;
    if (revoked_ind == soci::i_ok) out.revoked_at = revoked;
    out.revoke_reason = reason_ind == soci::i_ok ? reason : "";
    return out;
  }
};

std::vector<Session> select_sessions(soci::session& s, const std::string& where,
                                     const std::vector<std::string>& strings,
                                     const std::vector<long long>& numbers = {}) {
  soci::statement st(s);
  SessionRow row;
  row.bind(st);
  for (const auto& p : strings) st.exchange(soci::use(p));
  for (const auto& n : numbers) st.exchange(soci::use(n));
  st.alloc();
  st.prepare(std::string("SELECT ") + kColumns + " FROM sessions WHERE " + where);
  st.define_and_bind();
  st.execute();
  std::vector<Session> out;
  while (st.fetch()) out.push_back(row.finish());
  return out;
}

std::optional<Session> find_in(soci::session& s, const std::string& session_id) {
  auto found = select_sessions(s, "session_id = :id", {session_id});
  if (found.empty()) return std::nullopt;
  return found.front();
}

}  // namespace

Result<void> SqlSessionStore::create(const Session& session, const std::string& digest) {
  return guarded("sessions.create", [&]() -> Result<void> {
    auto s = db_.acquire();
    const long long created = session.created_at, seen = session.last_seen_at,
                    expires = session.expires_at;
    *s << "INSERT INTO sessions (session_id, user_id, refresh_hash, created_at, last_seen_at, "
          "expires_at, client_ip, user_agent) VALUES (:id, :u, :h, :c, :s, :e, :ip, :ua)",
        soci::use(session.session_id), soci::use(session.user_id), soci::use(digest),
        soci::use(created), soci::use(seen), soci::use(expires), soci::use(session.client_ip),
        soci::use(session.user_agent);
    return {};
  });
}

Result<Session> SqlSessionStore::find(const std::string& session_id) {
  return guarded("sessions.find", [&]() -> Result<Session> {
    auto s = db_.acquire();
    auto found = find_in(*s, session_id);
    if (!found) return Error{ErrorCode::kNotFound, "no such session"};
    return *found;
  });
}

Result<RefreshOutcome> SqlSessionStore::rotate_refresh(const std::string& old_digest,
                                                       const std::string& new_digest,
                                                       EpochMs now) {
  return guarded("sessions.rotate_refresh", [&]() -> Result<RefreshOutcome> {
    auto s = db_.acquire();
    Transaction tx(s);
    const long long at = now;
    RefreshOutcome out;
    std::string session_id;
    *s << "SELECT session_id FROM sessions WHERE refresh_hash = :h", soci::use(old_digest),
        soci::into(session_id);
    if (s->got_data()) {
      auto before = find_in(*s, session_id);
      if (before) out.session = *before;
      soci::statement update = (s->prepare << "UPDATE sessions SET refresh_hash = :n, "
                                              "last_seen_at = :t WHERE session_id = :id AND "
                                              "refresh_hash = :o",
                                soci::use(new_digest), soci::use(at), soci::use(session_id),
                                soci::use(old_digest));
      update.execute(true);
      if (update.get_affected_rows() == 1) {
        *s << "INSERT INTO spent_refresh_tokens (token_hash, session_id, spent_at) "
              "VALUES (:h, :id, :t)",
            soci::use(old_digest), soci::use(session_id), soci::use(at);
        out.kind = RefreshOutcome::Kind::kRotated;
      } else {
        out.kind = RefreshOutcome::Kind::kReused;  // another request rotated it first
      }
    } else {
      *s << "SELECT session_id FROM spent_refresh_tokens WHERE token_hash = :h",
          soci::use(old_digest), soci::into(session_id);
      if (!s->got_data()) return out;  // kUnknown; the transaction rolls back
      out.kind = RefreshOutcome::Kind::kReused;
    }
    if (out.kind == RefreshOutcome::Kind::kReused) {
      auto session = find_in(*s, session_id);
      if (!session) return RefreshOutcome{};
      out.session = *session;
    }
    tx.commit();
    return out;
  });
}

Result<void> SqlSessionStore::touch(const std::string& session_id, EpochMs now) {
  return guarded("sessions.touch", [&]() -> Result<void> {
    auto s = db_.acquire();
    const long long at = now;
    *s << "UPDATE sessions SET last_seen_at = :t WHERE session_id = :id AND last_seen_at < :t2",
        soci::use(at), soci::use(session_id), soci::use(at);
    return {};
  });
}

Result<bool> SqlSessionStore::revoke(const std::string& session_id, EpochMs now,
                                     const std::string& reason) {
  return guarded("sessions.revoke", [&]() -> Result<bool> {
    auto s = db_.acquire();
    const long long at = now;
    soci::statement st = (s->prepare << "UPDATE sessions SET revoked_at = :t, revoke_reason = :r "
                                        "WHERE session_id = :id AND revoked_at IS NULL",
                          soci::use(at), soci::use(reason), soci::use(session_id));
    st.execute(true);
    return st.get_affected_rows() == 1;
  });
}

Result<std::vector<std::string>> SqlSessionStore::revoke_all_for_user(const std::string& user_id,
                                                                      EpochMs now,
                                                                      const std::string& reason) {
  return guarded("sessions.revoke_all_for_user", [&]() -> Result<std::vector<std::string>> {
    auto s = db_.acquire();
    Transaction tx(s);
    const long long at = now;
    std::vector<std::string> ids;
    std::string id;
    soci::statement select = (s->prepare << "SELECT session_id FROM sessions WHERE user_id = :u "
                                            "AND revoked_at IS NULL",
                              soci::use(user_id), soci::into(id));
    select.execute();
    while (select.fetch()) ids.push_back(id);
    *s << "UPDATE sessions SET revoked_at = :t, revoke_reason = :r WHERE user_id = :u AND "
          "revoked_at IS NULL",
        soci::use(at), soci::use(reason), soci::use(user_id);
    tx.commit();
    return ids;
  });
}

Result<std::vector<Session>> SqlSessionStore::list_active(const std::string& user_id, EpochMs now,
                                                          EpochMs seen_after) {
  return guarded("sessions.list_active", [&]() -> Result<std::vector<Session>> {
    auto s = db_.acquire();
    return select_sessions(*s,
                           "user_id = :u AND revoked_at IS NULL AND expires_at > :now AND "
                           "last_seen_at > :seen ORDER BY last_seen_at DESC",
                           {user_id}, {static_cast<long long>(now), static_cast<long long>(seen_after)});
  });
}

}  // namespace tr::sql
