#pragma once
// The permission table of SPEC.md section 1: the single source of truth for
// who may do what in a room. REST handlers, WebSocket frames and services all
// ask allowed(); nothing else encodes a role check. Pure functions.
//
//   action                                         owner  editor  viewer  non-member  admin
//   read room, messages, files                      ✓      ✓       ✓       –           ✓
//   send message, react, upload file                ✓      ✓       –       –           ✓
//   edit own message                                ✓      ✓       –       –           ✓ (own)
//   delete a message                                any    own     –       –           any
//   update room fields, resolve/reopen              ✓      ✓       –       –           ✓
//   add members (as editor/viewer)                  ✓      ✓       –       –           ✓
//   change roles, remove others, archive/unarchive,
//   transfer ownership                              ✓      –       –       –           ✓
//   delete a file                                   ✓      own     –       –           ✓
//   leave the room                                  ✓      ✓       ✓       –           –
//
// "Delete a message": SPEC.md lets owners and editors delete their own; the
// realtime issue adds that a room owner may delete any message in the room
// (moderation) and an admin any message anywhere. Whether the last owner may
// leave is not a permission question: RoomService answers it (kLastOwner).

#include <optional>
#include <string_view>

#include "domain/room.hpp"

namespace tr {

enum class Action {
  kReadRoom,  // the room, its members, messages, events and files
  kSendMessage,
  kReact,
  kUploadFile,
  kEditOwnMessage,  // is_own: the actor wrote it
  kDeleteMessage,   // is_own: the actor wrote it
  kUpdateRoom,      // title, severity, location, description, resolution notes
  kResolveReopen,   // active <-> resolved
  kAddMember,       // as editor or viewer
  kChangeRole,      // including adding someone directly as owner
  kRemoveMember,    // someone else
  kArchiveRoom,     // and bringing an archived room back (unarchive)
  kTransferOwnership,
  kDeleteFile,  // is_own: the actor uploaded it
  kLeaveRoom,   // remove oneself
};

std::string_view to_string(Action action);

// Whether someone with `role` in the room (nullopt: not a member), who is or
// is not a system admin, may perform `action`. `is_own` matters only for
// actions on a message or file: whether the actor is its author/uploader.
bool allowed(Action action, std::optional<Role> role, bool is_admin, bool is_own = false);

}  // namespace tr
