// The permission table of SPEC.md section 1, cell by cell.
#include "domain/permissions.hpp"

#include <gtest/gtest.h>

#include "domain/status_transition.hpp"

namespace tr {
namespace {

// Columns of the table: owner, editor, viewer, non-member, system admin
// (a non-member admin).
struct Row {
  Action action;
  bool is_own;
  bool owner, editor, viewer, non_member, admin;
};

const std::optional<Role> kOwner = Role::kOwner;
const std::optional<Role> kEditor = Role::kEditor;
const std::optional<Role> kViewer = Role::kViewer;
const std::optional<Role> kNone = std::nullopt;

void expect_row(const Row& r) {
  SCOPED_TRACE(std::string(to_string(r.action)) + (r.is_own ? " (own)" : " (someone else's)"));
  EXPECT_EQ(allowed(r.action, kOwner, false, r.is_own), r.owner) << "owner";
  EXPECT_EQ(allowed(r.action, kEditor, false, r.is_own), r.editor) << "editor";
  EXPECT_EQ(allowed(r.action, kViewer, false, r.is_own), r.viewer) << "viewer";
  EXPECT_EQ(allowed(r.action, kNone, false, r.is_own), r.non_member) << "non-member";
  EXPECT_EQ(allowed(r.action, kNone, true, r.is_own), r.admin) << "admin";
}

TEST(Permissions, ReadRoomMessagesAndFiles) {
  expect_row({Action::kReadRoom, false, true, true, true, false, true});
}

TEST(Permissions, SendMessageReactUploadFile) {
  for (Action a : {Action::kSendMessage, Action::kReact, Action::kUploadFile}) {
    expect_row({a, false, true, true, false, false, true});
  }
}

TEST(Permissions, EditOwnMessage) {
  expect_row({Action::kEditOwnMessage, true, true, true, false, false, true});
  // Nobody edits someone else's message, not even an admin.
  expect_row({Action::kEditOwnMessage, false, false, false, false, false, false});
}

TEST(Permissions, DeleteMessage) {
  expect_row({Action::kDeleteMessage, true, true, true, false, false, true});
  // Someone else's: the room owner (moderation) and an admin ("delete any").
  expect_row({Action::kDeleteMessage, false, true, false, false, false, true});
}

TEST(Permissions, UpdateRoomFieldsResolveReopen) {
  for (Action a : {Action::kUpdateRoom, Action::kResolveReopen}) {
    expect_row({a, false, true, true, false, false, true});
  }
}

TEST(Permissions, AddMembers) {
  expect_row({Action::kAddMember, false, true, true, false, false, true});
}

TEST(Permissions, ChangeRolesRemoveOthersArchiveTransfer) {
  for (Action a : {Action::kChangeRole, Action::kRemoveMember, Action::kArchiveRoom,
                   Action::kTransferOwnership}) {
    expect_row({a, false, true, false, false, false, true});
  }
}

TEST(Permissions, DeleteFile) {
  expect_row({Action::kDeleteFile, true, true, true, false, false, true});
  expect_row({Action::kDeleteFile, false, true, false, false, false, true});
}

TEST(Permissions, LeaveRoom) {
  // Any member may leave; an admin who is not a member has nothing to leave.
  expect_row({Action::kLeaveRoom, false, true, true, true, false, false});
}

TEST(Permissions, AnAdminWhoIsAlsoAMemberKeepsAdminRights) {
  EXPECT_TRUE(allowed(Action::kArchiveRoom, kViewer, true));
  EXPECT_TRUE(allowed(Action::kSendMessage, kViewer, true));
  EXPECT_TRUE(allowed(Action::kLeaveRoom, kViewer, true));
}

TEST(StatusTransition, AllowedTransitions) {
  using S = RoomStatus;
  EXPECT_TRUE(check_transition(S::kActive, S::kResolved));
  EXPECT_TRUE(check_transition(S::kResolved, S::kActive));
  EXPECT_TRUE(check_transition(S::kActive, S::kArchived));
  EXPECT_TRUE(check_transition(S::kResolved, S::kArchived));
  EXPECT_TRUE(check_transition(S::kArchived, S::kActive));
}

TEST(StatusTransition, EverythingElseIsInvalid) {
  using S = RoomStatus;
  for (auto [from, to] :
       {std::pair{S::kArchived, S::kResolved}, std::pair{S::kActive, S::kActive},
        std::pair{S::kResolved, S::kResolved}, std::pair{S::kArchived, S::kArchived}}) {
    auto r = check_transition(from, to);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidTransition);
    EXPECT_EQ(r.error().field, "status");
  }
}

TEST(StatusTransition, ArchivingAndUnarchivingNeedTheArchivePermission) {
  using S = RoomStatus;
  EXPECT_EQ(action_for_transition(S::kActive, S::kResolved), Action::kResolveReopen);
  EXPECT_EQ(action_for_transition(S::kResolved, S::kActive), Action::kResolveReopen);
  EXPECT_EQ(action_for_transition(S::kActive, S::kArchived), Action::kArchiveRoom);
  EXPECT_EQ(action_for_transition(S::kResolved, S::kArchived), Action::kArchiveRoom);
  EXPECT_EQ(action_for_transition(S::kArchived, S::kActive), Action::kArchiveRoom);
}

}  // namespace
}  // namespace tr
