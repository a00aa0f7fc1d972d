#include "adapters/sql/sql_room_rows.hpp"

namespace tr::sql {

const char* const kRoomColumns =
    "r.room_id, r.title, r.incident_type, r.severity, r.status, r.location, r.description, "
    "r.resolution_notes, r.created_by, r.created_at, r.updated_at, r.resolved_at, r.archived_at, "
    "r.last_activity_at, r.last_seq, r.member_count, r.version, r.template_id";

namespace {

// One row of kRoomColumns (and optionally the viewer's role), bound by
// reference to a statement and copied out after each fetch.
struct RoomRow {
  std::string room_id, title, incident_type, severity, status, location, description,
      resolution_notes, created_by, template_id, role;
  long long created_at = 0, updated_at = 0, resolved_at = 0, archived_at = 0, last_activity_at = 0,
            last_seq = 0, member_count = 0, version = 0;
  soci::indicator resolved_ind = soci::i_null, archived_ind = soci::i_null,
                  template_ind = soci::i_null, role_ind = soci::i_null;

  void bind(soci::statement& st, bool with_role) {
    st.exchange(soci::into(room_id));
    st.exchange(soci::into(title));
    st.exchange(soci::into(incident_type));
    st.exchange(soci::into(severity));
    st.exchange(soci::into(status));
    st.exchange(soci::into(location));
    st.exchange(soci::into(description));
    st.exchange(soci::into(resolution_notes));
    st.exchange(soci::into(created_by));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(updated_at));
    st.exchange(soci::into(resolved_at, resolved_ind));
    st.exchange(soci::into(archived_at, archived_ind));
    st.exchange(soci::into(last_activity_at));
    st.exchange(soci::into(last_seq));
    st.exchange(soci::into(member_count));
    st.exchange(soci::into(version));
    st.exchange(soci::into(template_id, template_ind));
    if (with_role) st.exchange(soci::into(role, role_ind));
  }

  RoomView view() const {
    RoomView v;
    Room& r = v.room;
    r.room_id = room_id;
    r.title = title;
    r.incident_type = parse_incident_type(incident_type).value_or(IncidentType::kOther);
    r.severity = parse_severity(severity).value_or(Severity::kMedium);
    r.status = parse_room_status(status).value_or(RoomStatus::kActive);
    r.location = location;
    r.description = description;
    r.resolution_notes = resolution_notes;
    r.created_by = created_by;
    r.created_at = created_at;
    r.updated_at = updated_at;
    if (resolved_ind == soci::i_ok) r.resolved_at = resolved_at;
    if (archived_ind == soci::i_ok) r.archived_at = archived_at;
    r.last_activity_at = last_activity_at;
    r.last_seq = last_seq;
    r.member_count = member_count;
    r.version = version;
    if (template_ind == soci::i_ok) r.template_id = template_id;
    if (role_ind == soci::i_ok) v.role = parse_role(role);
    return v;
  }
};

struct RoomRowsSlots {
  RoomRow row;
  std::deque<std::string> params;
};

}  // namespace

std::vector<RoomView> fetch_rooms(const Lease& lease, const std::string& sql, const Params& params,
                                  bool with_role) {
  auto q = lease.statements().get<RoomRowsSlots>(sql, [&](soci::statement& st, RoomRowsSlots& v) {
    v.row.bind(st, with_role);
    params.bind(st, v.params);
  });
  params.copy_to(q->params);
  q->row.role_ind = soci::i_null;
  std::vector<RoomView> out;
  if (!q.execute()) return out;
  do {
    out.push_back(q->row.view());
  } while (q.fetch());
  return out;
}

Result<Room> read_room(const Lease& lease, const std::string& room_id) {
  Params p;
  const std::string sql =
      std::string("SELECT ") + kRoomColumns + " FROM rooms r WHERE r.room_id = " + p.add(room_id);
  auto rows = fetch_rooms(lease, sql, p, false);
  if (rows.empty()) return Error{ErrorCode::kNotFound, "no such room", "room_id"};
  return std::move(rows.front().room);
}

}  // namespace tr::sql
