#include "services/rooms/room_service.hpp"

#include <map>

#include "core/ids.hpp"
#include "core/strings.hpp"
#include "domain/permissions.hpp"
#include "domain/status_transition.hpp"

namespace tr {
namespace {

namespace json = boost::json;

std::string str(std::string_view v) { return std::string(v); }

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

std::string name_of(const Member& m) {
  return m.display_name.empty() ? m.username : m.display_name;
}
std::string name_of(const User& u) { return u.display_name.empty() ? u.username : u.display_name; }

json::object change_of(std::string_view from, std::string_view to) {
  return json::object{{"from", from}, {"to", to}};
}

// "resolved the incident", "archived the room", ... for a status change.
std::string status_text(RoomStatus from, RoomStatus to) {
  switch (to) {
    case RoomStatus::kResolved:
      return "resolved the incident";
    case RoomStatus::kArchived:
      return "archived the room";
    case RoomStatus::kActive:
      return from == RoomStatus::kArchived ? "reopened the archived room" : "reopened the incident";
  }
  return "changed the status";
}

}  // namespace

std::string RoomService::display_name(const Actor& actor) {
  if (!actor.display_name.empty()) return actor.display_name;
  auto user = users_.find_by_id(actor.user_id);
  if (user && !user->display_name.empty()) return user->display_name;
  return actor.username;
}

Message RoomService::system_message(const Actor& actor, const std::string& room_id,
                                    std::string text, json::object metadata) {
  Message m;
  m.message_id = new_id();
  m.room_id = room_id;
  m.sender_id = actor.user_id;
  m.sender_name = display_name(actor);
  m.type = MessageType::kSystem;
  m.content = std::move(text);
  metadata["actor_id"] = actor.user_id;
  m.metadata = std::move(metadata);
  m.created_at = clock_.now_ms();
  return m;
}

void RoomService::publish(const std::vector<RoomEvent>& events) {
  for (const auto& e : events) bus_.publish(e);
}

Result<RoomView> RoomService::load(const Actor& actor, const std::string& room_id) {
  auto view = rooms_.find(room_id, actor.user_id);
  if (!view) return view.error();
  if (!allowed(Action::kReadRoom, view->role, actor.is_admin)) {
    AuditEntry entry;
    entry.at = clock_.now_ms();
    entry.action = "room.access_denied";
    entry.user_id = actor.user_id;
    entry.username = actor.username;
    entry.client_ip = actor.client_ip;
    entry.user_agent = actor.user_agent;
    entry.target = room_id;
    entry.detail = "not a member of the room";
    audit_.append(std::move(entry));
    return Error{ErrorCode::kForbidden, "you are not a member of this room"};
  }
  return view;
}

Result<void> RoomService::require(const Actor& actor, const RoomView& view, Action action) {
  if (allowed(action, view.role, actor.is_admin)) return {};
  const std::string role = view.role ? str(to_string(*view.role)) : "non-member";
  return Error{ErrorCode::kForbidden, "a room " + role + " may not " + str(to_string(action))};
}

Result<RoomView> RoomService::create(const Actor& actor, const NewRoom& request) {
  const std::string title = trim(request.title);
  if (auto ok = validate_title(title); !ok) return ok.error();

  std::optional<RoomTemplate> tpl;
  if (request.template_id) {
    auto found = templates_.get(*request.template_id);
    if (!found) {
      if (found.error().code == ErrorCode::kNotFound) {
        return invalid_field("template_id", "no template with id \"" + *request.template_id + "\"");
      }
      return found.error();
    }
    tpl = std::move(*found);
  }

  auto type = request.incident_type;
  if (!type && tpl) type = tpl->incident_type;
  if (!type) return invalid_field("incident_type", "incident_type is required");
  auto severity = request.severity;
  if (!severity && tpl) severity = tpl->severity;
  if (!severity) return invalid_field("severity", "severity is required");
  const std::string location = trim(request.location.value_or(""));
  if (auto ok = validate_text(location, kMaxLocationLength, "location"); !ok) return ok.error();
  const std::string description =
      request.description ? *request.description : (tpl ? tpl->description : "");
  if (auto ok = validate_text(description, kMaxTextLength, "description"); !ok) return ok.error();

  // Who joins: the creator as owner, the template's default members (skipped
  // when they cannot be found any more: not the requester's mistake), then
  // the requested members, whose role wins over the template's.
  const EpochMs now = clock_.now_ms();
  std::vector<Member> members;
  std::map<std::string, std::size_t> index;  // user id -> position in members
  auto put = [&](const User& user, Role role) {
    auto it = index.find(user.user_id);
    if (it != index.end()) {
      if (user.user_id != actor.user_id) members[it->second].role = role;
      return;
    }
    index[user.user_id] = members.size();
    members.push_back(
        Member{"", user.user_id, user.username, user.display_name, role, now, actor.user_id});
  };
  User creator;
  if (auto me = users_.find_by_id(actor.user_id)) {
    creator = std::move(*me);
  } else {
    creator.user_id = actor.user_id;
    creator.username = actor.username;
    creator.display_name = actor.display_name;
  }
  put(creator, Role::kOwner);
  if (tpl) {
    for (const auto& d : tpl->default_members) {
      auto user = resolver_.resolve(d.username, "template");
      if (user) put(*user, d.role);
    }
  }
  for (std::size_t i = 0; i < request.members.size(); ++i) {
    const auto& r = request.members[i];
    auto user = resolver_.resolve(r.username, "members[" + std::to_string(i) + "].username");
    if (!user) return user.error();
    put(*user, r.role);
  }

  Room room;
  room.room_id = new_id();
  room.title = title;
  room.incident_type = *type;
  room.severity = *severity;
  room.status = RoomStatus::kActive;
  room.location = location;
  room.description = description;
  room.created_by = actor.user_id;
  room.created_at = room.updated_at = room.last_activity_at = now;
  room.member_count = static_cast<std::int64_t>(members.size());
  room.version = 1;
  if (tpl) room.template_id = tpl->template_id;
  for (auto& m : members) m.room_id = room.room_id;

  json::array member_list;
  std::vector<std::string> member_ids;
  for (const auto& m : members) {
    member_list.emplace_back(json::object{{"user_id", m.user_id},
                                          {"username", m.username},
                                          {"display_name", m.display_name},
                                          {"role", to_string(m.role)}});
    member_ids.push_back(m.user_id);
  }
  json::object metadata{{"action", "room_created"},
                        {"title", room.title},
                        {"incident_type", to_string(room.incident_type)},
                        {"severity", to_string(room.severity)},
                        {"members", std::move(member_list)}};
  if (tpl) metadata["template_id"] = tpl->template_id;
  Message msg = system_message(actor, room.room_id,
                               display_name(actor) + " opened the incident room 「" + title + "」",
                               std::move(metadata));
  EventBatch batch{actor.user_id, now, {MessagePosted{std::move(msg), std::move(member_ids)}}};
  auto change = rooms_.create(room, members, batch);
  if (!change) return change.error();
  publish(change->events);
  return RoomView{std::move(change->room), Role::kOwner};
}

Result<RoomPage> RoomService::list(const Actor& actor, const RoomListRequest& request) {
  if (request.all && !actor.is_admin) {
    return Error{ErrorCode::kForbidden, "only system admins may list every room", "all"};
  }
  if (request.limit < 1 || request.limit > kMaxRoomPageSize) {
    return invalid_field("limit", "limit must be between 1 and 100");
  }
  if (request.offset < 0) return invalid_field("offset", "offset must not be negative");
  RoomQuery query;
  query.viewer_id = actor.user_id;
  query.all_rooms = request.all;
  query.status = request.status;
  query.incident_type = request.incident_type;
  query.severity = request.severity;
  query.location = trim(request.location);
  query.text = trim(request.q);
  if (utf8_length(query.text) > kMaxQueryLength) {
    return invalid_field("q", "q must be at most 200 characters");
  }
  if (utf8_length(query.location) > kMaxLocationLength) {
    return invalid_field("location", "location must be at most 200 characters");
  }
  query.sort = request.sort;
  query.limit = request.limit;
  query.offset = request.offset;
  return rooms_.list(query);
}

Result<RoomView> RoomService::get(const Actor& actor, const std::string& room_id) {
  return load(actor, room_id);
}

Result<RoomView> RoomService::update(const Actor& actor, const std::string& room_id,
                                     const RoomPatch& patch, std::optional<std::int64_t> if_match) {
  // Without If-Match the client asked for no optimistic check: a concurrent
  // change is retried on the fresh room (its rules are checked again).
  for (int attempt = 0;; ++attempt) {
    auto view = load(actor, room_id);
    if (!view) return view.error();
    if (if_match && *if_match != view->room.version) {
      return Error{ErrorCode::kPreconditionFailed, "the room has changed since version " +
                                                       std::to_string(*if_match) + " (now " +
                                                       std::to_string(view->room.version) + ")"};
    }
    auto result = apply_patch(actor, *view, patch);
    if (result || result.error().code != ErrorCode::kPreconditionFailed || if_match ||
        attempt >= 2) {
      return result;
    }
  }
}

Result<RoomView> RoomService::apply_patch(const Actor& actor, const RoomView& view,
                                          const RoomPatch& patch) {
  const Room& room = view.room;
  Room next = room;
  json::object changes;
  std::vector<std::string> texts;
  bool fields_changed = false;

  if (patch.title && trim(*patch.title) != room.title) {
    next.title = trim(*patch.title);
    changes["title"] = change_of(room.title, next.title);
    texts.push_back("renamed the room to 「" + next.title + "」");
    fields_changed = true;
  }
  if (patch.severity && *patch.severity != room.severity) {
    next.severity = *patch.severity;
    changes["severity"] = change_of(to_string(room.severity), to_string(next.severity));
    texts.push_back("changed the severity from " + str(to_string(room.severity)) + " to " +
                    str(to_string(next.severity)));
    fields_changed = true;
  }
  if (patch.location && trim(*patch.location) != room.location) {
    next.location = trim(*patch.location);
    changes["location"] = change_of(room.location, next.location);
    texts.push_back("updated the location");
    fields_changed = true;
  }
  if (patch.description && *patch.description != room.description) {
    next.description = *patch.description;
    changes["description"] = change_of(room.description, next.description);
    texts.push_back("updated the description");
    fields_changed = true;
  }
  if (patch.resolution_notes && *patch.resolution_notes != room.resolution_notes) {
    next.resolution_notes = *patch.resolution_notes;
    changes["resolution_notes"] = change_of(room.resolution_notes, next.resolution_notes);
    texts.push_back("updated the resolution notes");
    fields_changed = true;
  }
  const bool status_changed = patch.status && *patch.status != room.status;

  // Permissions first (403), then the state rules (409), then the values (422).
  if (fields_changed) {
    if (auto ok = require(actor, view, Action::kUpdateRoom); !ok) return ok.error();
  }
  if (status_changed) {
    if (auto ok = require(actor, view, action_for_transition(room.status, *patch.status)); !ok) {
      return ok.error();
    }
    if (auto ok = check_transition(room.status, *patch.status); !ok) return ok.error();
  }
  if (!fields_changed && !status_changed) return view;
  const bool reopening = status_changed && room.status == RoomStatus::kArchived;
  if (room.status == RoomStatus::kArchived && !reopening) {
    return Error{ErrorCode::kRoomArchived, "the room is archived: reopen it first"};
  }
  if (auto ok = validate_title(next.title); !ok) return ok.error();
  if (auto ok = validate_text(next.location, kMaxLocationLength, "location"); !ok) {
    return ok.error();
  }
  if (auto ok = validate_text(next.description, kMaxTextLength, "description"); !ok) {
    return ok.error();
  }
  if (auto ok = validate_text(next.resolution_notes, kMaxTextLength, "resolution_notes"); !ok) {
    return ok.error();
  }

  const EpochMs now = clock_.now_ms();
  if (status_changed) {
    next.status = *patch.status;
    changes["status"] = change_of(to_string(room.status), to_string(next.status));
    texts.insert(texts.begin(), status_text(room.status, next.status));
    switch (next.status) {
      case RoomStatus::kResolved:
        next.resolved_at = now;
        break;
      case RoomStatus::kArchived:
        next.archived_at = now;
        break;
      case RoomStatus::kActive:
        next.resolved_at.reset();
        next.archived_at.reset();
        break;
    }
  }

  json::object metadata{{"action", "room_updated"}, {"changes", std::move(changes)}};
  Message msg = system_message(actor, room.room_id, display_name(actor) + " " + join(texts, ", "),
                               std::move(metadata));
  EventBatch batch{actor.user_id, now, {RoomUpdated{next}, MessagePosted{std::move(msg), {}}}};
  auto change = rooms_.update(next, room.version, batch);
  if (!change) return change.error();
  publish(change->events);
  return RoomView{std::move(change->room), view.role};
}

Result<RoomView> RoomService::archive(const Actor& actor, const std::string& room_id) {
  for (int attempt = 0;; ++attempt) {
    auto view = load(actor, room_id);
    if (!view) return view.error();
    if (auto ok = require(actor, *view, Action::kArchiveRoom); !ok) return ok.error();
    if (view->room.status == RoomStatus::kArchived) return view;
    RoomPatch patch;
    patch.status = RoomStatus::kArchived;
    auto result = apply_patch(actor, *view, patch);
    if (result || result.error().code != ErrorCode::kPreconditionFailed || attempt >= 2) {
      return result;
    }
  }
}

Result<std::vector<Member>> RoomService::members(const Actor& actor, const std::string& room_id) {
  auto view = load(actor, room_id);
  if (!view) return view.error();
  return rooms_.members(room_id);
}

Result<Member> RoomService::add_member(const Actor& actor, const std::string& room_id,
                                       const MemberRequest& request) {
  auto view = load(actor, room_id);
  if (!view) return view.error();
  if (auto ok = require(actor, *view, Action::kAddMember); !ok) return ok.error();
  if (request.role == Role::kOwner) {
    if (auto ok = require(actor, *view, Action::kChangeRole); !ok) return ok.error();
  }
  if (view->room.status == RoomStatus::kArchived) {
    return Error{ErrorCode::kRoomArchived, "the room is archived: reopen it first"};
  }
  auto user = resolver_.resolve(trim(request.username), "username");
  if (!user) return user.error();

  const EpochMs now = clock_.now_ms();
  Member member{room_id,      user->user_id, user->username, user->display_name,
                request.role, now,           actor.user_id};
  json::object metadata{{"action", "member_added"},
                        {"user_id", member.user_id},
                        {"username", member.username},
                        {"role", to_string(member.role)}};
  Message msg = system_message(
      actor, room_id,
      display_name(actor) + " added " + name_of(*user) + " as " + str(to_string(member.role)),
      std::move(metadata));
  EventBatch batch{actor.user_id, now, {MemberAdded{member}, MessagePosted{std::move(msg), {}}}};
  auto change = rooms_.add_member(member, batch);
  if (!change) return change.error();
  publish(change->events);
  return member;
}

Result<Member> RoomService::change_role(const Actor& actor, const std::string& room_id,
                                        const std::string& user_id, Role role) {
  auto view = load(actor, room_id);
  if (!view) return view.error();
  if (auto ok = require(actor, *view, Action::kChangeRole); !ok) return ok.error();
  if (view->room.status == RoomStatus::kArchived) {
    return Error{ErrorCode::kRoomArchived, "the room is archived: reopen it first"};
  }
  auto current = rooms_.member(room_id, user_id);
  if (!current) return current.error();
  if (!*current) {
    return Error{ErrorCode::kNotFound, "that user is not a member of this room", "user_id"};
  }
  if ((*current)->role == role) return **current;

  Member member = **current;
  member.role = role;
  json::object metadata{{"action", "member_role_changed"},
                        {"user_id", member.user_id},
                        {"username", member.username},
                        {"from", to_string((*current)->role)},
                        {"to", to_string(role)}};
  Message msg =
      system_message(actor, room_id,
                     display_name(actor) + " changed the role of " + name_of(member) + " from " +
                         str(to_string((*current)->role)) + " to " + str(to_string(role)),
                     std::move(metadata));
  const EpochMs now = clock_.now_ms();
  EventBatch batch{
      actor.user_id, now, {MemberRoleChanged{member}, MessagePosted{std::move(msg), {}}}};
  auto change = rooms_.set_role(room_id, user_id, role, batch);
  if (!change) return change.error();
  publish(change->events);
  return member;
}

Result<void> RoomService::remove_member(const Actor& actor, const std::string& room_id,
                                        const std::string& user_id) {
  auto view = load(actor, room_id);
  if (!view) return view.error();
  const bool leaving = user_id == actor.user_id;
  if (auto ok = require(actor, *view, leaving ? Action::kLeaveRoom : Action::kRemoveMember); !ok) {
    return ok.error();
  }
  if (view->room.status == RoomStatus::kArchived) {
    return Error{ErrorCode::kRoomArchived, "the room is archived: reopen it first"};
  }
  auto current = rooms_.member(room_id, user_id);
  if (!current) return current.error();
  if (!*current) {
    return Error{ErrorCode::kNotFound, "that user is not a member of this room", "user_id"};
  }
  const Member& member = **current;
  json::object metadata{{"action", leaving ? "member_left" : "member_removed"},
                        {"user_id", member.user_id},
                        {"username", member.username},
                        {"role", to_string(member.role)}};
  const std::string text = leaving ? display_name(actor) + " left the room"
                                   : display_name(actor) + " removed " + name_of(member);
  Message msg = system_message(actor, room_id, text, std::move(metadata));
  EventBatch batch{
      actor.user_id, clock_.now_ms(), {MemberRemoved{user_id}, MessagePosted{std::move(msg), {}}}};
  auto change = rooms_.remove_member(room_id, user_id, batch);
  if (!change) return change.error();
  publish(change->events);
  return {};
}

Result<RoomView> RoomService::transfer_ownership(const Actor& actor, const std::string& room_id,
                                                 const std::string& to_user_id) {
  auto view = load(actor, room_id);
  if (!view) return view.error();
  if (auto ok = require(actor, *view, Action::kTransferOwnership); !ok) return ok.error();
  if (view->room.status == RoomStatus::kArchived) {
    return Error{ErrorCode::kRoomArchived, "the room is archived: reopen it first"};
  }
  auto target = rooms_.member(room_id, to_user_id);
  if (!target) return target.error();
  if (!*target) return invalid_field("user_id", "that user is not a member of this room");

  std::optional<std::string> demote;
  if (view->role == Role::kOwner && to_user_id != actor.user_id) demote = actor.user_id;
  if ((*target)->role == Role::kOwner && !demote) return view;

  const EpochMs now = clock_.now_ms();
  EventBatch batch{actor.user_id, now, {}};
  if ((*target)->role != Role::kOwner) {
    Member promoted = **target;
    promoted.role = Role::kOwner;
    batch.changes.push_back(MemberRoleChanged{promoted});
  }
  if (demote) {
    auto me = rooms_.member(room_id, actor.user_id);
    if (!me) return me.error();
    if (*me) {
      Member demoted = **me;
      demoted.role = Role::kEditor;
      batch.changes.push_back(MemberRoleChanged{demoted});
    }
  }
  json::object metadata{{"action", "ownership_transferred"},
                        {"user_id", to_user_id},
                        {"username", (*target)->username}};
  if (demote) metadata["previous_owner_id"] = *demote;
  batch.changes.push_back(MessagePosted{
      system_message(actor, room_id,
                     display_name(actor) + " transferred ownership to " + name_of(**target),
                     std::move(metadata)),
      {}});
  auto change = rooms_.transfer_ownership(room_id, to_user_id, demote, batch);
  if (!change) return change.error();
  publish(change->events);
  return RoomView{std::move(change->room),
                  demote ? std::optional<Role>(Role::kEditor) : view->role};
}

}  // namespace tr
