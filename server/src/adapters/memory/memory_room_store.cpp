#include "adapters/memory/memory_room_store.hpp"

#include <algorithm>
#include <tuple>

#include "core/strings.hpp"

namespace tr {
namespace {

Error no_room() { return Error{ErrorCode::kNotFound, "no such room", "room_id"}; }

Error not_a_member() {
  return Error{ErrorCode::kNotFound, "that user is not a member of this room", "user_id"};
}

bool contains_ci(const std::string& haystack, const std::string& needle) {
  return ascii_lower(haystack).find(ascii_lower(needle)) != std::string::npos;
}

bool matches(const Room& r, const RoomQuery& q) {
  if (q.status && r.status != *q.status) return false;
  if (q.incident_type && r.incident_type != *q.incident_type) return false;
  if (q.severity && r.severity != *q.severity) return false;
  if (!q.location.empty() && !contains_ci(r.location, q.location)) return false;
  if (!q.text.empty() && !contains_ci(r.title, q.text) && !contains_ci(r.description, q.text) &&
      !contains_ci(r.location, q.text)) {
    return false;
  }
  return true;
}

// True when `a` comes before `b` in the order of `sort` (all descending).
bool before(const Room& a, const Room& b, RoomSort sort) {
  switch (sort) {
    case RoomSort::kCreated:
      return std::tie(a.created_at, a.room_id) > std::tie(b.created_at, b.room_id);
    case RoomSort::kSeverity: {
      const int ra = severity_rank(a.severity), rb = severity_rank(b.severity);
      return std::tie(ra, a.last_activity_at, a.room_id) >
             std::tie(rb, b.last_activity_at, b.room_id);
    }
    case RoomSort::kLastActivity:
      break;
  }
  return std::tie(a.last_activity_at, a.room_id) > std::tie(b.last_activity_at, b.room_id);
}

std::int64_t owners(const std::map<std::string, Member>& members) {
  return std::count_if(members.begin(), members.end(),
                       [](const auto& kv) { return kv.second.role == Role::kOwner; });
}

}  // namespace

RoomChange MemoryRoomStore::append_locked(Record& rec, const EventBatch& batch) {
  rec.room.last_seq += static_cast<std::int64_t>(batch.changes.size());
  rec.room.last_activity_at = batch.at;
  rec.room.member_count = static_cast<std::int64_t>(rec.members.size());
  RoomChange out;
  out.room = rec.room;
  std::int64_t seq = rec.room.last_seq - static_cast<std::int64_t>(batch.changes.size());
  for (const auto& change : batch.changes) {
    ++seq;
    RoomEvent event;
    if (std::holds_alternative<RoomUpdated>(change)) {
      event = render_event(rec.room.room_id, seq, RoomUpdated{rec.room}, batch.at);
    } else {
      if (const auto* posted = std::get_if<MessagePosted>(&change)) {
        Message m = posted->message;
        m.room_id = rec.room.room_id;
        m.seq = seq;
        rec.messages.push_back(std::move(m));
      }
      event = render_event(rec.room.room_id, seq, change, batch.at);
    }
    rec.events.push_back(event);
    out.events.push_back(std::move(event));
  }
  return out;
}

Result<MemoryRoomStore::Record*> MemoryRoomStore::writable_locked(const std::string& room_id) {
  auto it = rooms_.find(room_id);
  if (it == rooms_.end()) return no_room();
  if (it->second.room.status == RoomStatus::kArchived) {
    return Error{ErrorCode::kRoomArchived, "the room is archived: reopen it first"};
  }
  return &it->second;
}

Result<RoomChange> MemoryRoomStore::create(const Room& room, const std::vector<Member>& members,
                                           const EventBatch& batch) {
  std::lock_guard lock(mu_);
  if (rooms_.count(room.room_id)) return Error{ErrorCode::kConflict, "a room with this id exists"};
  Record rec;
  rec.room = room;
  rec.room.last_seq = 0;
  for (const auto& m : members) {
    Member copy = m;
    copy.room_id = room.room_id;
    rec.members[m.user_id] = std::move(copy);
  }
  auto& stored = rooms_[room.room_id] = std::move(rec);
  return append_locked(stored, batch);
}

Result<RoomView> MemoryRoomStore::find(const std::string& room_id, const std::string& viewer_id) {
  std::lock_guard lock(mu_);
  auto it = rooms_.find(room_id);
  if (it == rooms_.end()) return no_room();
  RoomView v{it->second.room, std::nullopt};
  auto m = it->second.members.find(viewer_id);
  if (m != it->second.members.end()) v.role = m->second.role;
  return v;
}

Result<RoomPage> MemoryRoomStore::list(const RoomQuery& query) {
  std::lock_guard lock(mu_);
  std::vector<RoomView> all;
  for (const auto& [id, rec] : rooms_) {
    auto m = rec.members.find(query.viewer_id);
    const bool member = m != rec.members.end();
    if (!member && !query.all_rooms) continue;
    if (!matches(rec.room, query)) continue;
    all.push_back(RoomView{rec.room, member ? std::optional<Role>(m->second.role) : std::nullopt});
  }
  std::sort(all.begin(), all.end(), [&](const RoomView& a, const RoomView& b) {
    return before(a.room, b.room, query.sort);
  });
  RoomPage page;
  page.total = static_cast<std::int64_t>(all.size());
  const auto begin = std::min<std::size_t>(all.size(), static_cast<std::size_t>(query.offset));
  const auto end = std::min<std::size_t>(all.size(), begin + static_cast<std::size_t>(query.limit));
  page.items.assign(all.begin() + static_cast<std::ptrdiff_t>(begin),
                    all.begin() + static_cast<std::ptrdiff_t>(end));
  return page;
}

Result<std::vector<Member>> MemoryRoomStore::members(const std::string& room_id) {
  std::lock_guard lock(mu_);
  auto it = rooms_.find(room_id);
  if (it == rooms_.end()) return no_room();
  std::vector<Member> out;
  for (const auto& [uid, m] : it->second.members) out.push_back(m);
  std::sort(out.begin(), out.end(), [](const Member& a, const Member& b) {
    return std::tie(a.added_at, a.user_id) < std::tie(b.added_at, b.user_id);
  });
  return out;
}

Result<std::optional<Member>> MemoryRoomStore::member(const std::string& room_id,
                                                      const std::string& user_id) {
  std::lock_guard lock(mu_);
  auto it = rooms_.find(room_id);
  if (it == rooms_.end()) return no_room();
  auto m = it->second.members.find(user_id);
  if (m == it->second.members.end()) return std::optional<Member>();
  return std::optional<Member>(m->second);
}

Result<RoomChange> MemoryRoomStore::update(const Room& room, std::int64_t expected_version,
                                           const EventBatch& batch) {
  std::lock_guard lock(mu_);
  auto it = rooms_.find(room.room_id);
  if (it == rooms_.end()) return no_room();
  Room& r = it->second.room;
  if (r.version != expected_version) {
    return Error{ErrorCode::kPreconditionFailed, "the room was changed by someone else (version " +
                                                     std::to_string(r.version) + ")"};
  }
  r.title = room.title;
  r.severity = room.severity;
  r.status = room.status;
  r.location = room.location;
  r.description = room.description;
  r.resolution_notes = room.resolution_notes;
  r.resolved_at = room.resolved_at;
  r.archived_at = room.archived_at;
  r.updated_at = batch.at;
  r.version = expected_version + 1;
  return append_locked(it->second, batch);
}

Result<RoomChange> MemoryRoomStore::add_member(const Member& member, const EventBatch& batch) {
  std::lock_guard lock(mu_);
  auto rec = writable_locked(member.room_id);
  if (!rec) return rec.error();
  auto& members = (*rec)->members;
  if (members.count(member.user_id)) {
    return Error{ErrorCode::kConflict, "that user is already a member of this room", "username"};
  }
  members[member.user_id] = member;
  return append_locked(**rec, batch);
}

Result<RoomChange> MemoryRoomStore::set_role(const std::string& room_id, const std::string& user_id,
                                             Role role, const EventBatch& batch) {
  std::lock_guard lock(mu_);
  auto rec = writable_locked(room_id);
  if (!rec) return rec.error();
  auto& members = (*rec)->members;
  auto m = members.find(user_id);
  if (m == members.end()) return not_a_member();
  if (m->second.role == Role::kOwner && role != Role::kOwner && owners(members) <= 1) {
    return Error{ErrorCode::kLastOwner, "a room must keep at least one owner"};
  }
  m->second.role = role;
  return append_locked(**rec, batch);
}

Result<RoomChange> MemoryRoomStore::remove_member(const std::string& room_id,
                                                  const std::string& user_id,
                                                  const EventBatch& batch) {
  std::lock_guard lock(mu_);
  auto rec = writable_locked(room_id);
  if (!rec) return rec.error();
  auto& members = (*rec)->members;
  auto m = members.find(user_id);
  if (m == members.end()) return not_a_member();
  if (m->second.role == Role::kOwner && owners(members) <= 1) {
    return Error{ErrorCode::kLastOwner, "the last owner cannot leave: transfer ownership first"};
  }
  members.erase(m);
  return append_locked(**rec, batch);
}

Result<RoomChange> MemoryRoomStore::transfer_ownership(
    const std::string& room_id, const std::string& to_user_id,
    const std::optional<std::string>& demote_user_id, const EventBatch& batch) {
  std::lock_guard lock(mu_);
  auto rec = writable_locked(room_id);
  if (!rec) return rec.error();
  auto& members = (*rec)->members;
  auto to = members.find(to_user_id);
  if (to == members.end()) return not_a_member();
  to->second.role = Role::kOwner;
  if (demote_user_id && *demote_user_id != to_user_id) {
    auto from = members.find(*demote_user_id);
    if (from != members.end()) from->second.role = Role::kEditor;
  }
  return append_locked(**rec, batch);
}

Result<std::vector<RoomEvent>> MemoryRoomStore::events_after(const std::string& room_id,
                                                             std::int64_t after_seq, int limit) {
  std::lock_guard lock(mu_);
  std::vector<RoomEvent> out;
  auto it = rooms_.find(room_id);
  if (it == rooms_.end()) return out;
  for (const auto& e : it->second.events) {
    if (e.seq <= after_seq) continue;
    if (static_cast<int>(out.size()) >= limit) break;
    RoomEvent copy = e;
    copy.affected_user_ids.clear();  // not stored, as in the database
    out.push_back(std::move(copy));
  }
  return out;
}

std::vector<Message> MemoryRoomStore::messages(const std::string& room_id) {
  std::lock_guard lock(mu_);
  auto it = rooms_.find(room_id);
  if (it == rooms_.end()) return {};
  return it->second.messages;
}

}  // namespace tr
