#include "adapters/sql/sql_user_store.hpp"

#include "adapters/sql/sql_error.hpp"
#include "core/strings.hpp"

namespace tr::sql {
namespace {

constexpr const char* kColumns =
    "user_id, username, display_name, email, is_admin, disabled, source, created_at, updated_at";

// Binds the columns of kColumns into a User.
struct UserRow {
  User user;
  int is_admin = 0, disabled = 0;
  long long created_at = 0, updated_at = 0;

  void bind(soci::statement& st) {
    st.exchange(soci::into(user.user_id));
    st.exchange(soci::into(user.username));
    st.exchange(soci::into(user.display_name));
    st.exchange(soci::into(user.email));
    st.exchange(soci::into(is_admin));
    st.exchange(soci::into(disabled));
    st.exchange(soci::into(user.source));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(updated_at));
  }
  User finish() const {
    User u = user;
    u.is_admin = is_admin != 0;
    u.disabled = disabled != 0;
    u.created_at = created_at;
    u.updated_at = updated_at;
    return u;
  }
};

// Runs a SELECT of kColumns with one bound string and collects the users.
std::vector<User> select_users(soci::session& s, const std::string& sql,
                               const std::vector<std::string>& params, int limit = -1) {
  soci::statement st(s);
  UserRow row;
  row.bind(st);
  for (const auto& p : params) st.exchange(soci::use(p));
  if (limit >= 0) st.exchange(soci::use(limit));
  st.alloc();
  st.prepare(sql);
  st.define_and_bind();
  st.execute();
  std::vector<User> out;
  while (st.fetch()) out.push_back(row.finish());
  return out;
}

}  // namespace

std::string escape_like(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

Result<User> SqlUserStore::create(const User& user, const std::optional<std::string>& hash) {
  return guarded("users.create", [&]() -> Result<User> {
    auto s = db_.acquire();
    const std::string key = ascii_lower(user.username);
    int taken = 0;
    *s << "SELECT COUNT(*) FROM users WHERE username_key = :k", soci::use(key), soci::into(taken);
    if (taken > 0) return Error{ErrorCode::kConflict, "the username is already taken"};
    const int is_admin = user.is_admin ? 1 : 0, disabled = user.disabled ? 1 : 0;
    const long long created = user.created_at, updated = user.updated_at;
    soci::indicator hash_ind = hash ? soci::i_ok : soci::i_null;
    const std::string hash_value = hash.value_or("");
    try {
      *s << "INSERT INTO users (user_id, username, username_key, display_name, email, is_admin, "
            "disabled, source, password_hash, created_at, updated_at) VALUES (:id, :u, :k, :d, "
            ":e, :a, :x, :src, :h, :c, :m)",
          soci::use(user.user_id), soci::use(user.username), soci::use(key),
          soci::use(user.display_name), soci::use(user.email), soci::use(is_admin),
          soci::use(disabled), soci::use(user.source), soci::use(hash_value, hash_ind),
          soci::use(created), soci::use(updated);
    } catch (const soci::soci_error&) {
      // Lost a race for the same username.
      return Error{ErrorCode::kConflict, "the username is already taken"};
    }
    return user;
  });
}

Result<User> SqlUserStore::find_one(const std::string& where, const std::string& value) {
  return guarded("users.find", [&]() -> Result<User> {
    auto s = db_.acquire();
    auto users = select_users(*s, std::string("SELECT ") + kColumns + " FROM users WHERE " + where,
                              {value});
    if (users.empty()) return Error{ErrorCode::kNotFound, "no such user"};
    return users.front();
  });
}

Result<User> SqlUserStore::find_by_id(const std::string& user_id) {
  return find_one("user_id = :v", user_id);
}

Result<User> SqlUserStore::find_by_username(const std::string& username) {
  return find_one("username_key = :v", ascii_lower(username));
}

Result<std::vector<User>> SqlUserStore::find_by_ids(const std::vector<std::string>& ids) {
  return guarded("users.find_by_ids", [&]() -> Result<std::vector<User>> {
    std::vector<User> out;
    if (ids.empty()) return out;
    auto s = db_.acquire();
    std::string sql = std::string("SELECT ") + kColumns + " FROM users WHERE user_id IN (";
    for (std::size_t i = 0; i < ids.size(); ++i) sql += (i ? ", :p" : ":p") + std::to_string(i);
    sql += ")";
    return select_users(*s, sql, ids);
  });
}

Result<std::optional<std::string>> SqlUserStore::password_hash(const std::string& user_id) {
  return guarded("users.password_hash", [&]() -> Result<std::optional<std::string>> {
    auto s = db_.acquire();
    std::string hash;
    soci::indicator ind = soci::i_null;
    *s << "SELECT password_hash FROM users WHERE user_id = :id", soci::use(user_id),
        soci::into(hash, ind);
    if (!s->got_data()) return Error{ErrorCode::kNotFound, "no such user"};
    if (ind != soci::i_ok) return std::optional<std::string>();
    return std::optional<std::string>(hash);
  });
}

Result<User> SqlUserStore::update(const std::string& user_id, const UserPatch& patch,
                                  EpochMs now) {
  auto updated = guarded("users.update", [&]() -> Result<bool> {
    auto s = db_.acquire();
    Transaction tx(s);
    const long long at = now;
    int found = 0;
    *s << "SELECT COUNT(*) FROM users WHERE user_id = :id", soci::use(user_id), soci::into(found);
    if (found == 0) return false;
    if (patch.display_name) {
      *s << "UPDATE users SET display_name = :v WHERE user_id = :id",
          soci::use(*patch.display_name), soci::use(user_id);
    }
    if (patch.email) {
      *s << "UPDATE users SET email = :v WHERE user_id = :id", soci::use(*patch.email),
          soci::use(user_id);
    }
    if (patch.is_admin) {
      const int v = *patch.is_admin ? 1 : 0;
      *s << "UPDATE users SET is_admin = :v WHERE user_id = :id", soci::use(v), soci::use(user_id);
    }
    if (patch.disabled) {
      const int v = *patch.disabled ? 1 : 0;
      *s << "UPDATE users SET disabled = :v WHERE user_id = :id", soci::use(v), soci::use(user_id);
    }
    if (patch.password_hash) {
      *s << "UPDATE users SET password_hash = :v WHERE user_id = :id",
          soci::use(*patch.password_hash), soci::use(user_id);
    }
    *s << "UPDATE users SET updated_at = :t WHERE user_id = :id", soci::use(at), soci::use(user_id);
    tx.commit();
    return true;
  });
  if (!updated) return updated.error();
  if (!*updated) return Error{ErrorCode::kNotFound, "no such user"};
  return find_by_id(user_id);
}

Result<std::vector<User>> SqlUserStore::search(const std::string& query, int limit) {
  return guarded("users.search", [&]() -> Result<std::vector<User>> {
    auto s = db_.acquire();
    // Appended piece by piece: "%" + text + "%" trips GCC 12's -Wrestrict
    // false positive (libstdc++ bug 105329) in Release builds.
    std::string pattern = "%";
    pattern += escape_like(ascii_lower(trim(query)));
    pattern += '%';
    return select_users(*s,
                        std::string("SELECT ") + kColumns +
                            " FROM users WHERE disabled = 0 AND (username_key LIKE :q ESCAPE '\\' "
                            "OR lower(display_name) LIKE :q2 ESCAPE '\\') "
                            "ORDER BY username_key LIMIT :n",
                        {pattern, pattern}, limit);
  });
}

}  // namespace tr::sql
