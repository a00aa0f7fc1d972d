#include "adapters/sql/sql_template_store.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "adapters/sql/sql_error.hpp"
#include "domain/room_json.hpp"

namespace tr::sql {
namespace {

constexpr const char* kColumns =
    "template_id, name, incident_type, severity, description, default_members, created_at, "
    "updated_at";

struct TemplateRow {
  std::string template_id, name, incident_type, severity, description, default_members;
  long long created_at = 0, updated_at = 0;

  void bind(soci::statement& st) {
    st.exchange(soci::into(template_id));
    st.exchange(soci::into(name));
    st.exchange(soci::into(incident_type));
    st.exchange(soci::into(severity));
    st.exchange(soci::into(description));
    st.exchange(soci::into(default_members));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(updated_at));
  }

  RoomTemplate value() const {
    RoomTemplate t;
    t.template_id = template_id;
    t.name = name;
    t.incident_type = parse_incident_type(incident_type).value_or(IncidentType::kOther);
    t.severity = parse_severity(severity).value_or(Severity::kMedium);
    t.description = description;
    boost::system::error_code ec;
    auto members = boost::json::parse(default_members, ec);
    if (!ec) {
      auto parsed = parse_template_members(members);
      if (parsed) t.default_members = std::move(*parsed);
    }
    t.created_at = created_at;
    t.updated_at = updated_at;
    return t;
  }
};

std::vector<RoomTemplate> fetch(soci::session& s, const std::string& where, const std::string* id) {
  TemplateRow row;
  soci::statement st(s);
  row.bind(st);
  if (id) st.exchange(soci::use(*id));
  st.alloc();
  st.prepare(std::string("SELECT ") + kColumns + " FROM room_templates" + where);
  st.define_and_bind();
  st.execute();
  std::vector<RoomTemplate> out;
  while (st.fetch()) out.push_back(row.value());
  return out;
}

Error unknown_template() { return Error{ErrorCode::kNotFound, "no such template", "template_id"}; }

Error name_taken() { return Error{ErrorCode::kConflict, "another template has this name", "name"}; }

}  // namespace

Result<std::vector<RoomTemplate>> SqlTemplateStore::list() {
  return guarded("templates.list", [&]() -> Result<std::vector<RoomTemplate>> {
    auto lease = db_.acquire();
    return fetch(*lease, " ORDER BY name, template_id", nullptr);
  });
}

Result<RoomTemplate> SqlTemplateStore::get(const std::string& template_id) {
  return guarded("templates.get", [&]() -> Result<RoomTemplate> {
    auto lease = db_.acquire();
    auto rows = fetch(*lease, " WHERE template_id = :id", &template_id);
    if (rows.empty()) return unknown_template();
    return std::move(rows.front());
  });
}

Result<RoomTemplate> SqlTemplateStore::create(const RoomTemplate& tpl) {
  return guarded("templates.create", [&]() -> Result<RoomTemplate> {
    auto lease = db_.acquire();
    soci::session& s = *lease;
    const std::string type(to_string(tpl.incident_type));
    const std::string severity(to_string(tpl.severity));
    const std::string members = boost::json::serialize(template_members_json(tpl.default_members));
    const long long created = tpl.created_at, updated = tpl.updated_at;
    std::string inserted;
    s << "INSERT INTO room_templates (template_id, name, incident_type, severity, description, "
         "default_members, created_at, updated_at) VALUES (:id, :name, :type, :severity, "
         ":description, :members, :created, :updated) ON CONFLICT DO NOTHING "
         "RETURNING template_id",
        soci::use(tpl.template_id), soci::use(tpl.name), soci::use(type), soci::use(severity),
        soci::use(tpl.description), soci::use(members), soci::use(created), soci::use(updated),
        soci::into(inserted);
    if (!s.got_data()) return name_taken();
    return tpl;
  });
}

Result<RoomTemplate> SqlTemplateStore::update(const RoomTemplate& tpl) {
  return guarded("templates.update", [&]() -> Result<RoomTemplate> {
    auto lease = db_.acquire();
    soci::session& s = *lease;
    Transaction tx(lease);
    long long clash = 0;
    s << "SELECT COUNT(*) FROM room_templates WHERE name = :name AND template_id <> :id",
        soci::use(tpl.name), soci::use(tpl.template_id), soci::into(clash);
    if (clash > 0) return name_taken();
    const std::string type(to_string(tpl.incident_type));
    const std::string severity(to_string(tpl.severity));
    const std::string members = boost::json::serialize(template_members_json(tpl.default_members));
    const long long updated = tpl.updated_at;
    long long created = 0;
    s << "UPDATE room_templates SET name = :name, incident_type = :type, severity = :severity, "
         "description = :description, default_members = :members, updated_at = :updated "
         "WHERE template_id = :id RETURNING created_at",
        soci::use(tpl.name), soci::use(type), soci::use(severity), soci::use(tpl.description),
        soci::use(members), soci::use(updated), soci::use(tpl.template_id), soci::into(created);
    if (!s.got_data()) return unknown_template();
    tx.commit();
    RoomTemplate out = tpl;
    out.created_at = created;
    return out;
  });
}

Result<void> SqlTemplateStore::remove(const std::string& template_id) {
  return guarded("templates.remove", [&]() -> Result<void> {
    auto lease = db_.acquire();
    std::string removed;
    *lease << "DELETE FROM room_templates WHERE template_id = :id RETURNING template_id",
        soci::use(template_id), soci::into(removed);
    if (!lease->got_data()) return unknown_template();
    return {};
  });
}

}  // namespace tr::sql
