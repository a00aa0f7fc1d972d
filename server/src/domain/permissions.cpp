#include "domain/permissions.hpp"

namespace tr {

std::string_view to_string(Action action) {
  switch (action) {
    case Action::kReadRoom:
      return "read_room";
    case Action::kSendMessage:
      return "send_message";
    case Action::kReact:
      return "react";
    case Action::kUploadFile:
      return "upload_file";
    case Action::kEditOwnMessage:
      return "edit_message";
    case Action::kDeleteMessage:
      return "delete_message";
    case Action::kUpdateRoom:
      return "update_room";
    case Action::kResolveReopen:
      return "resolve_reopen";
    case Action::kAddMember:
      return "add_member";
    case Action::kChangeRole:
      return "change_role";
    case Action::kRemoveMember:
      return "remove_member";
    case Action::kArchiveRoom:
      return "archive_room";
    case Action::kTransferOwnership:
      return "transfer_ownership";
    case Action::kDeleteFile:
      return "delete_file";
    case Action::kLeaveRoom:
      return "leave_room";
  }
  return "unknown";
}

bool allowed(Action action, std::optional<Role> role, bool is_admin, bool is_own) {
  const bool owner = role == Role::kOwner;
  const bool editor = role == Role::kEditor;
  const bool member = role.has_value();
  switch (action) {
    case Action::kReadRoom:
      return member || is_admin;
    case Action::kSendMessage:
    case Action::kReact:
    case Action::kUploadFile:
    case Action::kUpdateRoom:
    case Action::kResolveReopen:
    case Action::kAddMember:
      return owner || editor || is_admin;
    case Action::kEditOwnMessage:
      return is_own && (owner || editor || is_admin);
    case Action::kDeleteMessage:
      return owner || is_admin || (editor && is_own);
    case Action::kChangeRole:
    case Action::kRemoveMember:
    case Action::kArchiveRoom:
    case Action::kTransferOwnership:
      return owner || is_admin;
    case Action::kDeleteFile:
      return owner || is_admin || (editor && is_own);
    case Action::kLeaveRoom:
      return member;
  }
  return false;
}

}  // namespace tr
