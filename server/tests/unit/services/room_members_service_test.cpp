// RoomService members: adding by username (or from the directory), roles,
// removal and leaving, transfer of ownership, and the last owner's rules.
#include "room_service_fixture.hpp"

namespace tr {
namespace {

TEST_F(RoomServiceTest, EditorsAddEditorsAndViewersByUsername) {
  auto room = make_room();
  auto m = service_.add_member(editor_, room.room.room_id, {"OUTSIDER", Role::kViewer});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->user_id, outsider_.user_id);
  EXPECT_EQ(m->role, Role::kViewer);
  EXPECT_EQ(m->added_by, editor_.user_id);
  EXPECT_EQ(m->added_at, clock_.now_ms());
  ASSERT_EQ(bus_.types(), (std::vector<std::string>{"member_added", "message"}));
  EXPECT_EQ(bus_.events[0].affected_user_ids, std::vector<std::string>{outsider_.user_id});
  EXPECT_EQ(frame(bus_.events[0])["member"].as_object()["display_name"], "Outsider");
  EXPECT_EQ(last_message()["content"], "李四 added Outsider as viewer");
  EXPECT_EQ(service_.get(outsider_, room.room.room_id).value().room.member_count, 4);

  EXPECT_EQ(service_.add_member(editor_, room.room.room_id, {"admin", Role::kOwner}).error().code,
            ErrorCode::kForbidden);
  EXPECT_EQ(service_.add_member(viewer_, room.room.room_id, {"admin", Role::kViewer}).error().code,
            ErrorCode::kForbidden);
  EXPECT_TRUE(service_.add_member(owner_, room.room.room_id, {"admin", Role::kOwner}));
}

TEST_F(RoomServiceTest, AddingSomeoneTwiceOrNobodyFails) {
  auto room = make_room();
  auto twice = service_.add_member(owner_, room.room.room_id, {"li", Role::kViewer});
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::kConflict);
  auto nobody = service_.add_member(owner_, room.room.room_id, {"nobody", Role::kViewer});
  ASSERT_FALSE(nobody);
  EXPECT_EQ(nobody.error().code, ErrorCode::kValidationFailed);
  EXPECT_EQ(nobody.error().field, "username");
  users_.update(outsider_.user_id, UserPatch{.disabled = true}, 0).value();
  EXPECT_EQ(
      service_.add_member(owner_, room.room.room_id, {"outsider", Role::kViewer}).error().field,
      "username");
  directory_.down = true;
  EXPECT_EQ(
      service_.add_member(owner_, room.room.room_id, {"someone.new", Role::kViewer}).error().code,
      ErrorCode::kDirectoryUnavailable);
  EXPECT_TRUE(bus_.events.empty());
}

TEST_F(RoomServiceTest, PeopleFromTheDirectoryAreCreatedWhenAdded) {
  auto room = make_room();
  const auto before = users_.size();
  auto m = service_.add_member(owner_, room.room.room_id, {"ldap.zhang", Role::kEditor});
  ASSERT_TRUE(m);
  EXPECT_EQ(users_.size(), before + 1);
  EXPECT_EQ(m->display_name, "張工程師");
}

TEST_F(RoomServiceTest, OwnersChangeRolesAndTheLastOwnerStays) {
  auto room = make_room();
  const auto id = room.room.room_id;
  auto m = service_.change_role(owner_, id, viewer_.user_id, Role::kEditor);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->role, Role::kEditor);
  ASSERT_EQ(bus_.types(), (std::vector<std::string>{"member_role_changed", "message"}));
  EXPECT_EQ(last_message()["content"], "王小明 changed the role of 陳美玲 from viewer to editor");

  EXPECT_EQ(service_.change_role(editor_, id, viewer_.user_id, Role::kViewer).error().code,
            ErrorCode::kForbidden);
  EXPECT_EQ(service_.change_role(owner_, id, outsider_.user_id, Role::kViewer).error().code,
            ErrorCode::kNotFound);
  auto demote_self = service_.change_role(owner_, id, owner_.user_id, Role::kEditor);
  ASSERT_FALSE(demote_self);
  EXPECT_EQ(demote_self.error().code, ErrorCode::kLastOwner);
  EXPECT_EQ(service_.remove_member(owner_, id, owner_.user_id).error().code, ErrorCode::kLastOwner);
}

TEST_F(RoomServiceTest, RemoveAndLeave) {
  auto room = make_room();
  const auto id = room.room.room_id;
  EXPECT_EQ(service_.remove_member(editor_, id, viewer_.user_id).error().code,
            ErrorCode::kForbidden);
  ASSERT_TRUE(service_.remove_member(viewer_, id, viewer_.user_id));  // leaving
  EXPECT_EQ(bus_.types(), (std::vector<std::string>{"member_removed", "message"}));
  EXPECT_EQ(last_message()["content"], "陳美玲 left the room");
  EXPECT_EQ(service_.get(viewer_, id).error().code, ErrorCode::kForbidden);

  ASSERT_TRUE(service_.remove_member(owner_, id, editor_.user_id));
  EXPECT_EQ(last_message()["content"], "王小明 removed 李四");
  EXPECT_EQ(service_.remove_member(owner_, id, editor_.user_id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service_.get(owner_, id).value().room.member_count, 1);
}

TEST_F(RoomServiceTest, TransferOwnership) {
  auto room = make_room();
  const auto id = room.room.room_id;
  EXPECT_EQ(service_.transfer_ownership(editor_, id, editor_.user_id).error().code,
            ErrorCode::kForbidden);
  EXPECT_EQ(service_.transfer_ownership(owner_, id, outsider_.user_id).error().field, "user_id");

  auto v = service_.transfer_ownership(owner_, id, editor_.user_id);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->role, Role::kEditor);
  EXPECT_EQ(bus_.types(),
            (std::vector<std::string>{"member_role_changed", "member_role_changed", "message"}));
  EXPECT_EQ(last_message()["content"], "王小明 transferred ownership to 李四");
  EXPECT_EQ(service_.get(editor_, id).value().role, Role::kOwner);
  EXPECT_EQ(service_.get(owner_, id).value().role, Role::kEditor);

  // An admin who is not a member hands ownership over without a demotion.
  bus_.events.clear();
  auto by_admin = service_.transfer_ownership(admin_, id, viewer_.user_id);
  ASSERT_TRUE(by_admin);
  EXPECT_FALSE(by_admin->role.has_value());
  EXPECT_EQ(service_.get(viewer_, id).value().role, Role::kOwner);
  EXPECT_EQ(service_.get(editor_, id).value().role, Role::kOwner);
}

TEST_F(RoomServiceTest, SeqsStayGapFreeAcrossOperations) {
  auto room = make_room();
  const auto id = room.room.room_id;
  ASSERT_TRUE(service_.add_member(owner_, id, {"outsider", Role::kViewer}));
  ASSERT_TRUE(service_.update(owner_, id, {.severity = Severity::kLow}, std::nullopt));
  ASSERT_TRUE(service_.change_role(owner_, id, outsider_.user_id, Role::kEditor));
  ASSERT_TRUE(service_.remove_member(outsider_, id, outsider_.user_id));
  std::int64_t expected = 2;
  for (const auto& e : bus_.events) EXPECT_EQ(e.seq, expected++);
  EXPECT_EQ(service_.get(owner_, id).value().room.last_seq, expected - 1);
  auto messages = rooms_.messages(id);
  ASSERT_EQ(messages.size(), 5u);  // one per change, creation included
  for (const auto& m : messages) EXPECT_EQ(m.type, MessageType::kSystem);
}

}  // namespace
}  // namespace tr
