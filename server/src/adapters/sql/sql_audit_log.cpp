#include "adapters/sql/sql_audit_log.hpp"

#include <spdlog/spdlog.h>

#include "adapters/sql/sql_error.hpp"
#include "core/ids.hpp"

namespace tr::sql {

void SqlAuditLog::append(AuditEntry e) {
  if (e.audit_id.empty()) e.audit_id = new_id();
  if (e.at == 0) e.at = clock_.now_ms();
  try {
    auto s = db_.acquire();
    const long long at = e.at;
    soci::indicator user_ind = e.user_id.empty() ? soci::i_null : soci::i_ok;
    *s << "INSERT INTO audit_log (audit_id, at, action, user_id, username, client_ip, user_agent, "
          "target, detail) VALUES (:id, :at, :a, :u, :n, :ip, :ua, :t, :d)",
        soci::use(e.audit_id), soci::use(at), soci::use(e.action), soci::use(e.user_id, user_ind),
        soci::use(e.username), soci::use(e.client_ip), soci::use(e.user_agent),
        soci::use(e.target), soci::use(e.detail);
  } catch (const std::exception& ex) {
    spdlog::error("audit entry {} for {} was not stored: {}", e.action, e.username, ex.what());
  }
}

Result<AuditPage> SqlAuditLog::list(const AuditQuery& q) {
  return guarded("audit.list", [&]() -> Result<AuditPage> {
    auto s = db_.acquire();
    std::string where = "WHERE 1 = 1";
    std::vector<std::string> params;
    if (!q.action.empty()) {
      where += " AND action = :a";
      params.push_back(q.action);
    }
    if (!q.user.empty()) {
      where += " AND (user_id = :u OR username = :u2)";
      params.push_back(q.user);
      params.push_back(q.user);
    }
    AuditPage page;
    {
      soci::statement st(*s);
      long long total = 0;
      st.exchange(soci::into(total));
      for (const auto& p : params) st.exchange(soci::use(p));
      st.alloc();
      st.prepare("SELECT COUNT(*) FROM audit_log " + where);
      st.define_and_bind();
      st.execute(true);
      page.total = total;
    }
    soci::statement st(*s);
    AuditEntry e;
    long long at = 0;
    soci::indicator user_ind = soci::i_null;
    st.exchange(soci::into(e.audit_id));
    st.exchange(soci::into(at));
    st.exchange(soci::into(e.action));
    st.exchange(soci::into(e.user_id, user_ind));
    st.exchange(soci::into(e.username));
    st.exchange(soci::into(e.client_ip));
    st.exchange(soci::into(e.user_agent));
    st.exchange(soci::into(e.target));
    st.exchange(soci::into(e.detail));
    for (const auto& p : params) st.exchange(soci::use(p));
    const int limit = q.limit, offset = q.offset;
    st.exchange(soci::use(limit));
    st.exchange(soci::use(offset));
    st.alloc();
    st.prepare("SELECT audit_id, at, action, user_id, username, client_ip, user_agent, target, "
               "detail FROM audit_log " + where + " ORDER BY at DESC, audit_id LIMIT :n OFFSET :o");
    st.define_and_bind();
    st.execute();
    while (st.fetch()) {
      AuditEntry out = e;
      out.at = at;
      if (user_ind != soci::i_ok) out.user_id.clear();
      page.items.push_back(std::move(out));
    }
    return page;
  });
}

}  // namespace tr::sql
