// Contract suite for RoomStore: the fake, SQLite and PostgreSQL behave
// alike — same errors, same order, gap-free seqs under concurrency. The list
// and search are in room_list_test.cpp.
#include <algorithm>
#include <set>
#include <thread>

#include "contract/room_store_fixture.hpp"

namespace tr {
namespace {

TEST_P(RoomStoreContract, CreateStoresTheRoomMembersAndFirstEvent) {
  Room r = room("沖壓機異常停機", kT0, "模具卡料", "A棟 沖壓線");
  auto change = create(r, {with_role(editor_, Role::kEditor)});
  EXPECT_EQ(change.room.last_seq, 1);
  EXPECT_EQ(change.room.member_count, 2);
  EXPECT_EQ(change.room.version, 1);
  ASSERT_EQ(change.events.size(), 1u);
  EXPECT_EQ(change.events[0].seq, 1);
  EXPECT_EQ(change.events[0].type, "message");
  auto frame = frame_of(change.events[0]);
  EXPECT_EQ(frame["type"], "message");
  EXPECT_EQ(frame["room_id"], boost::json::value(r.room_id));
  EXPECT_EQ(frame["seq"], 1);
  EXPECT_EQ(frame["message"].at("seq"), 1);
  EXPECT_EQ(frame["message"].at("type"), "system");

  auto found = store_->find(r.room_id, editor_.user_id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->room.title, "沖壓機異常停機");
  EXPECT_EQ(found->room.location, "A棟 沖壓線");
  EXPECT_EQ(found->role, Role::kEditor);
  EXPECT_FALSE(found->room.resolved_at.has_value());
  EXPECT_FALSE(store_->find(r.room_id, stranger_.user_id).value().role.has_value());

  auto events = store_->events_after(r.room_id, 0, 100);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].frame, change.events[0].frame);
}

TEST_P(RoomStoreContract, UnknownRoomIsNotFound) {
  EXPECT_EQ(store_->find("nope", owner_.user_id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->members("nope").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->member("nope", owner_.user_id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(
      store_->add_member(as(editor_, Role::kEditor, "nope", kT0), batch(kT0, {MemberRemoved{"x"}}))
          .error()
          .code,
      ErrorCode::kNotFound);
}

TEST_P(RoomStoreContract, CreateWithAnExistingIdConflicts) {
  Room r = room("Line 3 conveyor", kT0);
  create(r);
  auto again = store_->create(r, {as(owner_, Role::kOwner, r.room_id, kT0)},
                              batch(kT0, {MessagePosted{note("x", kT0), {}}}));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
}

TEST_P(RoomStoreContract, MembersCarryNamesInAddedOrder) {
  Room r = room("Line 3 conveyor", kT0);
  create(r);
  Member v = as(viewer_, Role::kViewer, r.room_id, kT0 + 10);
  ASSERT_TRUE(store_->add_member(v, batch(kT0 + 10, {MemberAdded{v}})));
  auto members = store_->members(r.room_id);
  ASSERT_TRUE(members);
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].user_id, owner_.user_id);
  EXPECT_EQ((*members)[0].display_name, "王小明");
  EXPECT_EQ((*members)[0].role, Role::kOwner);
  EXPECT_EQ((*members)[1].username, "chen");
  EXPECT_EQ((*members)[1].display_name, "陳美玲");
  EXPECT_EQ((*members)[1].added_at, kT0 + 10);
  EXPECT_EQ((*members)[1].added_by, owner_.user_id);
  auto one = store_->member(r.room_id, viewer_.user_id);
  ASSERT_TRUE(one && one->has_value());
  EXPECT_EQ((*one)->role, Role::kViewer);
  EXPECT_FALSE(store_->member(r.room_id, stranger_.user_id).value().has_value());
}

TEST_P(RoomStoreContract, AddMemberAppendsItsEventsAndRefusesDuplicates) {
  Room r = room("Line 3 conveyor", kT0);
  create(r);
  Member e = as(editor_, Role::kEditor, r.room_id, kT0 + 5);
  auto change = store_->add_member(
      e, batch(kT0 + 5, {MemberAdded{e}, MessagePosted{note("added", kT0 + 5), {}}}));
  ASSERT_TRUE(change);
  EXPECT_EQ(change->room.member_count, 2);
  EXPECT_EQ(change->room.last_seq, 3);
  EXPECT_EQ(change->room.last_activity_at, kT0 + 5);
  ASSERT_EQ(change->events.size(), 2u);
  EXPECT_EQ(change->events[0].seq, 2);
  EXPECT_EQ(change->events[0].type, "member_added");
  EXPECT_EQ(change->events[0].affected_user_ids, std::vector<std::string>{editor_.user_id});
  auto frame = frame_of(change->events[0]);
  EXPECT_EQ(frame["member"].at("user_id"), boost::json::value(editor_.user_id));
  EXPECT_EQ(frame["member"].at("role"), "editor");
  EXPECT_EQ(change->events[1].seq, 3);

  auto dup = store_->add_member(e, batch(kT0 + 6, {MemberAdded{e}}));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict);
  auto after = store_->find(r.room_id, owner_.user_id);
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->room.last_seq, 3);  // nothing written
}

TEST_P(RoomStoreContract, TheLastOwnerCannotBeDemotedOrRemoved) {
  Room r = room("Line 3 conveyor", kT0);
  create(r, {with_role(editor_, Role::kEditor)});
  auto demote = store_->set_role(r.room_id, owner_.user_id, Role::kEditor,
                                 batch(kT0 + 1, {MessagePosted{note("x", kT0 + 1), {}}}));
  ASSERT_FALSE(demote);
  EXPECT_EQ(demote.error().code, ErrorCode::kLastOwner);
  auto leave = store_->remove_member(r.room_id, owner_.user_id,
                                     batch(kT0 + 1, {MemberRemoved{owner_.user_id}}));
  ASSERT_FALSE(leave);
  EXPECT_EQ(leave.error().code, ErrorCode::kLastOwner);
  auto after = store_->find(r.room_id, owner_.user_id);
  EXPECT_EQ(after->room.last_seq, 1);
  EXPECT_EQ(after->role, Role::kOwner);
  EXPECT_EQ(store_->events_after(r.room_id, 0, 10).value().size(), 1u);

  // With a second owner, the first may step down.
  ASSERT_TRUE(store_->set_role(r.room_id, editor_.user_id, Role::kOwner,
                               batch(kT0 + 2, {MessagePosted{note("x", kT0 + 2), {}}})));
  ASSERT_TRUE(store_->set_role(r.room_id, owner_.user_id, Role::kViewer,
                               batch(kT0 + 3, {MessagePosted{note("x", kT0 + 3), {}}})));
  EXPECT_EQ(store_->find(r.room_id, owner_.user_id).value().role, Role::kViewer);
}

TEST_P(RoomStoreContract, RoleChangesAndRemovalsOfNonMembersAreNotFound) {
  Room r = room("Line 3 conveyor", kT0);
  create(r);
  auto role = store_->set_role(r.room_id, stranger_.user_id, Role::kEditor,
                               batch(kT0, {MessagePosted{note("x", kT0), {}}}));
  ASSERT_FALSE(role);
  EXPECT_EQ(role.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(role.error().field, "user_id");
  auto removed = store_->remove_member(r.room_id, stranger_.user_id,
                                       batch(kT0, {MemberRemoved{stranger_.user_id}}));
  ASSERT_FALSE(removed);
  EXPECT_EQ(removed.error().code, ErrorCode::kNotFound);
}

TEST_P(RoomStoreContract, RemoveMemberUpdatesTheCount) {
  Room r = room("Line 3 conveyor", kT0);
  create(r, {with_role(viewer_, Role::kViewer)});
  auto change = store_->remove_member(r.room_id, viewer_.user_id,
                                      batch(kT0 + 1, {MemberRemoved{viewer_.user_id}}));
  ASSERT_TRUE(change);
  EXPECT_EQ(change->room.member_count, 1);
  EXPECT_EQ(change->events[0].type, "member_removed");
  EXPECT_EQ(frame_of(change->events[0])["user_id"], boost::json::value(viewer_.user_id));
  EXPECT_FALSE(store_->find(r.room_id, viewer_.user_id).value().role.has_value());
}

TEST_P(RoomStoreContract, TransferOwnershipSwapsRolesTogether) {
  Room r = room("Line 3 conveyor", kT0);
  create(r, {with_role(editor_, Role::kEditor)});
  auto change = store_->transfer_ownership(r.room_id, editor_.user_id, owner_.user_id,
                                           batch(kT0 + 1, {MessagePosted{note("x", kT0 + 1), {}}}));
  ASSERT_TRUE(change);
  EXPECT_EQ(store_->find(r.room_id, editor_.user_id).value().role, Role::kOwner);
  EXPECT_EQ(store_->find(r.room_id, owner_.user_id).value().role, Role::kEditor);
  auto stranger =
      store_->transfer_ownership(r.room_id, stranger_.user_id, std::nullopt,
                                 batch(kT0 + 2, {MessagePosted{note("x", kT0 + 2), {}}}));
  ASSERT_FALSE(stranger);
  EXPECT_EQ(stranger.error().code, ErrorCode::kNotFound);
}

TEST_P(RoomStoreContract, UpdateChecksTheVersionAndRendersTheCommittedRoom) {
  Room r = room("Line 3 conveyor", kT0);
  create(r);
  Room next = r;
  next.severity = Severity::kCritical;
  next.status = RoomStatus::kResolved;
  next.resolved_at = kT0 + 100;
  next.resolution_notes = "更換皮帶";
  auto stale = store_->update(next, 7, batch(kT0 + 100, {RoomUpdated{next}}));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::kPreconditionFailed);
  EXPECT_EQ(store_->find(r.room_id, owner_.user_id).value().room.last_seq, 1);

  auto change = store_->update(
      next, 1,
      batch(kT0 + 100, {RoomUpdated{next}, MessagePosted{note("resolved", kT0 + 100), {}}}));
  ASSERT_TRUE(change);
  EXPECT_EQ(change->room.version, 2);
  EXPECT_EQ(change->room.status, RoomStatus::kResolved);
  EXPECT_EQ(change->room.resolved_at, kT0 + 100);
  EXPECT_EQ(change->room.updated_at, kT0 + 100);
  EXPECT_EQ(change->room.resolution_notes, "更換皮帶");
  auto frame = frame_of(change->events[0]);
  EXPECT_EQ(frame["type"], "room_updated");
  EXPECT_EQ(frame["seq"], 2);
  EXPECT_EQ(frame["room"].at("version"), 2);
  EXPECT_EQ(frame["room"].at("last_seq"), 3);
  EXPECT_EQ(frame["room"].at("status"), "resolved");
  EXPECT_FALSE(frame["room"].as_object().contains("current_user_role"));
}

TEST_P(RoomStoreContract, ArchivedRoomsRefuseMemberChanges) {
  Room r = room("Line 3 conveyor", kT0);
  create(r, {with_role(editor_, Role::kEditor)});
  Room next = r;
  next.status = RoomStatus::kArchived;
  next.archived_at = kT0 + 1;
  ASSERT_TRUE(store_->update(next, 1, batch(kT0 + 1, {RoomUpdated{next}})));
  Member v = as(viewer_, Role::kViewer, r.room_id, kT0 + 2);
  EXPECT_EQ(store_->add_member(v, batch(kT0 + 2, {MemberAdded{v}})).error().code,
            ErrorCode::kRoomArchived);
  EXPECT_EQ(
      store_->set_role(r.room_id, editor_.user_id, Role::kViewer, batch(kT0 + 2, {MemberAdded{v}}))
          .error()
          .code,
      ErrorCode::kRoomArchived);
  EXPECT_EQ(store_->remove_member(r.room_id, editor_.user_id, batch(kT0 + 2, {MemberAdded{v}}))
                .error()
                .code,
            ErrorCode::kRoomArchived);
  EXPECT_EQ(store_
                ->transfer_ownership(r.room_id, editor_.user_id, std::nullopt,
                                     batch(kT0 + 2, {MemberAdded{v}}))
                .error()
                .code,
            ErrorCode::kRoomArchived);
  EXPECT_EQ(store_->find(r.room_id, owner_.user_id).value().room.last_seq, 2);
}

TEST_P(RoomStoreContract, ConcurrentAppendsGetGapFreeSeqs) {
  Room r = room("Line 3 conveyor", kT0);
  create(r);
  constexpr int kThreads = 4, kPerThread = 10;
  std::vector<Member> people;
  for (int i = 0; i < kThreads * kPerThread; ++i) {
    people.push_back(
        user("u_" + std::to_string(i), "worker" + std::to_string(i), "作業員" + std::to_string(i)));
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Member m = as(people[t * kPerThread + i], Role::kViewer, r.room_id, kT0 + 1);
        auto change = store_->add_member(
            m, batch(kT0 + 1, {MemberAdded{m}, MessagePosted{note("added", kT0 + 1), {}}}));
        if (!change) failures++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  constexpr int kEvents = 1 + 2 * kThreads * kPerThread;
  auto events = store_->events_after(r.room_id, 0, 1000);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), static_cast<std::size_t>(kEvents));
  for (int i = 0; i < kEvents; ++i) EXPECT_EQ((*events)[i].seq, i + 1);
  auto found = store_->find(r.room_id, owner_.user_id);
  EXPECT_EQ(found->room.last_seq, kEvents);
  EXPECT_EQ(found->room.member_count, 1 + kThreads * kPerThread);
  // Each member_added is directly followed by its own message.
  for (int i = 1; i < kEvents; i += 2) {
    EXPECT_EQ((*events)[i].type, "member_added");
    EXPECT_EQ((*events)[i + 1].type, "message");
  }
}

TEST_P(RoomStoreContract, EventsAfterPagesInSeqOrder) {
  Room r = room("Line 3 conveyor", kT0);
  create(r);
  for (int i = 0; i < 5; ++i) {
    Room next = r;
    next.severity = i % 2 ? Severity::kLow : Severity::kHigh;
    ASSERT_TRUE(store_->update(next, 1 + i, batch(kT0 + i, {RoomUpdated{next}})));
  }
  auto page = store_->events_after(r.room_id, 2, 2);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].seq, 3);
  EXPECT_EQ((*page)[1].seq, 4);
  EXPECT_EQ((*page)[0].type, "room_updated");
  EXPECT_TRUE(store_->events_after(r.room_id, 6, 10).value().empty());
}

INSTANTIATE_TEST_SUITE_P(AllBackends, RoomStoreContract,
                         ::testing::ValuesIn(testing::all_backends()), testing::BackendName{});

}  // namespace
}  // namespace tr
