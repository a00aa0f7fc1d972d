// SqlRoomStore: rooms, members and their timeline events. The room list
// and search are in sql_room_list.cpp; reading room rows in sql_room_rows.
#include "adapters/sql/sql_room_store.hpp"

#include <deque>
#include <variant>

#include "adapters/sql/sql_error.hpp"
#include "adapters/sql/sql_room_rows.hpp"
#include "adapters/sql/sql_timeline.hpp"

namespace tr::sql {
namespace {

// Takes the room's next `n` seqs (sql_timeline); kNotFound without the room.
Result<SeqClaim> claim_room_seqs(const Lease& lease, const std::string& room_id, std::size_t n,
                                 EpochMs at) {
  auto claim = sql::claim_seqs(lease, room_id, static_cast<long long>(n), at);
  if (!claim) return Error{ErrorCode::kNotFound, "no such room", "room_id"};
  return *claim;
}

Error archived_error() {
  return Error{ErrorCode::kRoomArchived, "the room is archived: reopen it first"};
}

// Stores `batch` at seqs last_seq - n + 1 ... last_seq, after the change has
// been written, and returns the committed room with the stored events.
RoomChange append_events(const Lease& lease, const std::string& room_id, long long last_seq,
                         const EventBatch& batch) {
  RoomChange out;
  out.room = read_room(lease, room_id).value();
  long long seq = last_seq - static_cast<long long>(batch.changes.size());
  for (const auto& change : batch.changes) {
    ++seq;
    RoomEvent event;
    if (std::holds_alternative<RoomUpdated>(change)) {
      event = render_event(room_id, seq, RoomUpdated{out.room}, batch.at);
    } else {
      if (const auto* posted = std::get_if<MessagePosted>(&change)) {
        Message m = posted->message;
        m.room_id = room_id;
        m.seq = seq;
        insert_message(lease, m);
      }
      event = render_event(room_id, seq, change, batch.at);
    }
    insert_event(lease, event, batch.actor_id);
    out.events.push_back(std::move(event));
  }
  return out;
}

// The member's role inside the transaction, or nullopt.
std::optional<Role> role_in_tx(soci::session& s, const std::string& room_id,
                               const std::string& user_id) {
  std::string role;
  soci::indicator ind = soci::i_null;
  s << "SELECT role FROM room_members WHERE room_id = :r AND user_id = :u", soci::use(room_id),
      soci::use(user_id), soci::into(role, ind);
  if (!s.got_data() || ind != soci::i_ok) return std::nullopt;
  return parse_role(role);
}

long long owner_count(soci::session& s, const std::string& room_id) {
  long long n = 0;
  s << "SELECT COUNT(*) FROM room_members WHERE room_id = :r AND role = 'owner'",
      soci::use(room_id), soci::into(n);
  return n;
}

Error not_a_member() {
  return Error{ErrorCode::kNotFound, "that user is not a member of this room", "user_id"};
}

struct MemberSlots {
  std::string user_id, username, display_name, role, added_by;
  long long added_at = 0;
  std::deque<std::string> params;
};

std::vector<Member> fetch_members(const Lease& lease, const std::string& room_id,
                                  const std::string* user_id) {
  Params p;
  std::string sql =
      "SELECT m.user_id, u.username, u.display_name, m.role, m.added_at, m.added_by "
      "FROM room_members m JOIN users u ON u.user_id = m.user_id WHERE m.room_id = " +
      p.add(room_id);
  if (user_id) sql += " AND m.user_id = " + p.add(*user_id);
  sql += " ORDER BY m.added_at, m.user_id";
  auto q = lease.statements().get<MemberSlots>(sql, [&](soci::statement& st, MemberSlots& v) {
    st.exchange(soci::into(v.user_id));
    st.exchange(soci::into(v.username));
    st.exchange(soci::into(v.display_name));
    st.exchange(soci::into(v.role));
    st.exchange(soci::into(v.added_at));
    st.exchange(soci::into(v.added_by));
    p.bind(st, v.params);
  });
  p.copy_to(q->params);
  std::vector<Member> out;
  if (!q.execute()) return out;
  do {
    Member m;
    m.room_id = room_id;
    m.user_id = q->user_id;
    m.username = q->username;
    m.display_name = q->display_name;
    m.role = parse_role(q->role).value_or(Role::kViewer);
    m.added_at = q->added_at;
    m.added_by = q->added_by;
    out.push_back(std::move(m));
  } while (q.fetch());
  return out;
}

bool room_exists(soci::session& s, const std::string& room_id) {
  long long n = 0;
  s << "SELECT COUNT(*) FROM rooms WHERE room_id = :r", soci::use(room_id), soci::into(n);
  return n > 0;
}

}  // namespace

Result<RoomChange> SqlRoomStore::create(const Room& room, const std::vector<Member>& members,
                                        const EventBatch& batch) {
  return guarded("rooms.create", [&]() -> Result<RoomChange> {
    auto lease = db_.acquire();
    soci::session& s = *lease;
    Transaction tx(lease);
    const std::string incident_type(to_string(room.incident_type));
    const std::string severity(to_string(room.severity));
    const std::string status(to_string(room.status));
    const long long created = room.created_at, updated = room.updated_at;
    const long long resolved = room.resolved_at.value_or(0);
    const long long archived = room.archived_at.value_or(0);
    soci::indicator resolved_ind = room.resolved_at ? soci::i_ok : soci::i_null;
    soci::indicator archived_ind = room.archived_at ? soci::i_ok : soci::i_null;
    const long long activity = batch.at;
    const long long member_count = static_cast<long long>(members.size());
    const long long version = room.version;
    const std::string template_id = room.template_id.value_or("");
    soci::indicator template_ind = room.template_id ? soci::i_ok : soci::i_null;
    std::string inserted;
    s << "INSERT INTO rooms (room_id, title, incident_type, severity, status, location, "
         "description, resolution_notes, created_by, created_at, updated_at, resolved_at, "
         "archived_at, last_activity_at, last_seq, member_count, version, template_id) VALUES "
         "(:id, :title, :type, :severity, :status, :location, :description, :notes, :by, "
         ":created, :updated, :resolved, :archived, :activity, 0, :members, :version, :tpl) "
         "ON CONFLICT (room_id) DO NOTHING RETURNING room_id",
        soci::use(room.room_id), soci::use(room.title), soci::use(incident_type),
        soci::use(severity), soci::use(status), soci::use(room.location),
        soci::use(room.description), soci::use(room.resolution_notes), soci::use(room.created_by),
        soci::use(created), soci::use(updated), soci::use(resolved, resolved_ind),
        soci::use(archived, archived_ind), soci::use(activity), soci::use(member_count),
        soci::use(version), soci::use(template_id, template_ind), soci::into(inserted);
    if (!s.got_data()) return Error{ErrorCode::kConflict, "a room with this id exists"};
    for (const auto& m : members) {
      const std::string role(to_string(m.role));
      const long long added = m.added_at;
      s << "INSERT INTO room_members (room_id, user_id, role, added_at, added_by) "
           "VALUES (:r, :u, :role, :at, :by)",
          soci::use(room.room_id), soci::use(m.user_id), soci::use(role), soci::use(added),
          soci::use(m.added_by);
    }
    auto claim = claim_room_seqs(lease, room.room_id, batch.changes.size(), batch.at);
    if (!claim) return claim.error();
    RoomChange out = append_events(lease, room.room_id, claim->last_seq, batch);
    tx.commit();
    return out;
  });
}

Result<RoomView> SqlRoomStore::find(const std::string& room_id, const std::string& viewer_id) {
  return guarded("rooms.find", [&]() -> Result<RoomView> {
    auto lease = db_.acquire();
    Params p;
    std::string sql = std::string("SELECT ") + kRoomColumns +
                      ", m.role FROM rooms r LEFT JOIN room_members m ON m.room_id = r.room_id "
                      "AND m.user_id = ";
    sql += p.add(viewer_id);  // parameters are numbered in the order of the text
    sql += " WHERE r.room_id = ";
    sql += p.add(room_id);
    auto rows = fetch_rooms(lease, sql, p, true);
    if (rows.empty()) return Error{ErrorCode::kNotFound, "no such room", "room_id"};
    return std::move(rows.front());
  });
}

Result<std::vector<Member>> SqlRoomStore::members(const std::string& room_id) {
  return guarded("rooms.members", [&]() -> Result<std::vector<Member>> {
    auto lease = db_.acquire();
    auto out = fetch_members(lease, room_id, nullptr);
    if (out.empty() && !room_exists(*lease, room_id)) {
      return Error{ErrorCode::kNotFound, "no such room", "room_id"};
    }
    return out;
  });
}

Result<std::optional<Member>> SqlRoomStore::member(const std::string& room_id,
                                                   const std::string& user_id) {
  return guarded("rooms.member", [&]() -> Result<std::optional<Member>> {
    auto lease = db_.acquire();
    auto out = fetch_members(lease, room_id, &user_id);
    if (!out.empty()) return std::optional<Member>(std::move(out.front()));
    if (!room_exists(*lease, room_id))
      return Error{ErrorCode::kNotFound, "no such room", "room_id"};
    return std::optional<Member>();
  });
}

Result<RoomChange> SqlRoomStore::update(const Room& room, std::int64_t expected_version,
                                        const EventBatch& batch) {
  return guarded("rooms.update", [&]() -> Result<RoomChange> {
    auto lease = db_.acquire();
    soci::session& s = *lease;
    Transaction tx(lease);
    auto claim = claim_room_seqs(lease, room.room_id, batch.changes.size(), batch.at);
    if (!claim) return claim.error();
    if (claim->version != expected_version) {
      return Error{
          ErrorCode::kPreconditionFailed,
          "the room was changed by someone else (version " + std::to_string(claim->version) + ")"};
    }
    const std::string severity(to_string(room.severity));
    const std::string status(to_string(room.status));
    const long long resolved = room.resolved_at.value_or(0);
    const long long archived = room.archived_at.value_or(0);
    soci::indicator resolved_ind = room.resolved_at ? soci::i_ok : soci::i_null;
    soci::indicator archived_ind = room.archived_at ? soci::i_ok : soci::i_null;
    const long long at = batch.at;
    s << "UPDATE rooms SET title = :title, severity = :severity, status = :status, "
         "location = :location, description = :description, resolution_notes = :notes, "
         "resolved_at = :resolved, archived_at = :archived, updated_at = :at, "
         "version = version + 1 WHERE room_id = :id",
        soci::use(room.title), soci::use(severity), soci::use(status), soci::use(room.location),
        soci::use(room.description), soci::use(room.resolution_notes),
        soci::use(resolved, resolved_ind), soci::use(archived, archived_ind), soci::use(at),
        soci::use(room.room_id);
    RoomChange out = append_events(lease, room.room_id, claim->last_seq, batch);
    tx.commit();
    return out;
  });
}

namespace {

// The frame every membership change shares: one transaction that claims the
// room's next seqs (refused for archived rooms), runs `change` (which returns
// an error to refuse, nullopt to go on), appends `batch` and commits.
template <class Change>
Result<RoomChange> change_members(Database& db, const char* operation, const std::string& room_id,
                                  const EventBatch& batch, Change&& change) {
  return guarded(operation, [&]() -> Result<RoomChange> {
    auto lease = db.acquire();
    soci::session& s = *lease;
    Transaction tx(lease);
    auto claim = claim_room_seqs(lease, room_id, batch.changes.size(), batch.at);
    if (!claim) return claim.error();
    if (claim->status == "archived") return archived_error();
    if (std::optional<Error> refused = change(s)) return *refused;
    RoomChange out = append_events(lease, room_id, claim->last_seq, batch);
    tx.commit();
    return out;
  });
}

}  // namespace

Result<RoomChange> SqlRoomStore::add_member(const Member& member, const EventBatch& batch) {
  return change_members(db_, "rooms.add_member", member.room_id, batch,
                        [&](soci::session& s) -> std::optional<Error> {
    if (role_in_tx(s, member.room_id, member.user_id)) {
      return Error{ErrorCode::kConflict, "that user is already a member of this room", "username"};
    }
    const std::string role(to_string(member.role));
    const long long added = member.added_at;
    s << "INSERT INTO room_members (room_id, user_id, role, added_at, added_by) "
         "VALUES (:r, :u, :role, :at, :by)",
        soci::use(member.room_id), soci::use(member.user_id), soci::use(role), soci::use(added),
        soci::use(member.added_by);
    s << "UPDATE rooms SET member_count = member_count + 1 WHERE room_id = :r",
        soci::use(member.room_id);
    return std::nullopt;
  });
}

Result<RoomChange> SqlRoomStore::set_role(const std::string& room_id, const std::string& user_id,
                                          Role role, const EventBatch& batch) {
  return change_members(db_, "rooms.set_role", room_id, batch,
                        [&](soci::session& s) -> std::optional<Error> {
    auto current = role_in_tx(s, room_id, user_id);
    if (!current) return not_a_member();
    if (*current == Role::kOwner && role != Role::kOwner && owner_count(s, room_id) <= 1) {
      return Error{ErrorCode::kLastOwner, "a room must keep at least one owner"};
    }
    const std::string new_role(to_string(role));
    s << "UPDATE room_members SET role = :role WHERE room_id = :r AND user_id = :u",
        soci::use(new_role), soci::use(room_id), soci::use(user_id);
    return std::nullopt;
  });
}

Result<RoomChange> SqlRoomStore::remove_member(const std::string& room_id,
                                               const std::string& user_id,
                                               const EventBatch& batch) {
  return change_members(db_, "rooms.remove_member", room_id, batch,
                        [&](soci::session& s) -> std::optional<Error> {
    auto current = role_in_tx(s, room_id, user_id);
    if (!current) return not_a_member();
    if (*current == Role::kOwner && owner_count(s, room_id) <= 1) {
      return Error{ErrorCode::kLastOwner, "the last owner cannot leave: transfer ownership first"};
    }
    s << "DELETE FROM room_members WHERE room_id = :r AND user_id = :u", soci::use(room_id),
        soci::use(user_id);
    s << "UPDATE rooms SET member_count = member_count - 1 WHERE room_id = :r", soci::use(room_id);
    return std::nullopt;
  });
}

Result<RoomChange> SqlRoomStore::transfer_ownership(
    const std::string& room_id, const std::string& to_user_id,
    const std::optional<std::string>& demote_user_id, const EventBatch& batch) {
  return change_members(db_, "rooms.transfer_ownership", room_id, batch,
                        [&](soci::session& s) -> std::optional<Error> {
    if (!role_in_tx(s, room_id, to_user_id)) return not_a_member();
    s << "UPDATE room_members SET role = 'owner' WHERE room_id = :r AND user_id = :u",
        soci::use(room_id), soci::use(to_user_id);
    if (demote_user_id && *demote_user_id != to_user_id) {
      s << "UPDATE room_members SET role = 'editor' WHERE room_id = :r AND user_id = :u",
          soci::use(room_id), soci::use(*demote_user_id);
    }
    return std::nullopt;
  });
}

Result<std::vector<RoomEvent>> SqlRoomStore::events_after(const std::string& room_id,
                                                          std::int64_t after_seq, int limit) {
  return guarded("rooms.events_after", [&]() -> Result<std::vector<RoomEvent>> {
    auto lease = db_.acquire();
    long long seq = 0, created = 0;
    std::string type, frame;
    const long long after = after_seq;
    soci::statement st = (lease->prepare << "SELECT seq, event_type, frame, created_at "
                                            "FROM room_events WHERE room_id = :r AND seq > :s "
                                            "ORDER BY seq LIMIT " +
                                                std::to_string(limit),
                          soci::use(room_id), soci::use(after), soci::into(seq), soci::into(type),
                          soci::into(frame), soci::into(created));
    st.execute();
    std::vector<RoomEvent> out;
    while (st.fetch()) {
      RoomEvent e;
      e.room_id = room_id;
      e.seq = seq;
      e.type = type;
      e.frame = frame;
      e.created_at = created;
      out.push_back(std::move(e));
    }
    return out;
  });
}

}  // namespace tr::sql
