// Contract suite for RoomStore: the fake, SQLite and
// PostgreSQL behave alike — same errors, same order, gap-free seqs under
// concurrency, and the same rooms found by search in Chinese and English.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <set>
#include <thread>

#include "adapters/memory/memory_room_store.hpp"
#include "adapters/sql/sql_room_store.hpp"
#include "contract/test_database.hpp"
#include "core/ids.hpp"

namespace tr {
namespace {

using testing::Backend;

constexpr EpochMs kT0 = 1'760'000'000'000;

class RoomStoreContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kMemory) {
      store_ = std::make_unique<MemoryRoomStore>();
    } else {
      db_ = std::make_unique<testing::TestDatabase>(GetParam(), 6);
      store_ = std::make_unique<sql::SqlRoomStore>(db_->db());
    }
    owner_ = user("u_owner", "wang", "王小明");
    editor_ = user("u_editor", "li", "李四");
    viewer_ = user("u_viewer", "chen", "陳美玲");
    stranger_ = user("u_stranger", "outsider", "Outsider");
  }

  // A person who exists in the users table (SQL backends need the row).
  Member user(const std::string& id, const std::string& username, const std::string& display) {
    if (db_) {
      auto s = db_->db().acquire();
      const long long at = kT0;
      *s << "INSERT INTO users (user_id, username, username_key, display_name, source, "
            "created_at, updated_at) VALUES (:id, :u, :k, :d, 'local', :c, :m)",
          soci::use(id), soci::use(username), soci::use(username), soci::use(display),
          soci::use(at), soci::use(at);
    }
    Member m;
    m.user_id = id;
    m.username = username;
    m.display_name = display;
    return m;
  }

  Room room(const std::string& title, EpochMs at, const std::string& description = "",
            const std::string& location = "", IncidentType type = IncidentType::kEquipmentFailure,
            Severity severity = Severity::kHigh) {
    Room r;
    r.room_id = new_id();
    r.title = title;
    r.incident_type = type;
    r.severity = severity;
    r.location = location;
    r.description = description;
    r.created_by = owner_.user_id;
    r.created_at = r.updated_at = r.last_activity_at = at;
    return r;
  }

  Member as(const Member& who, Role role, const std::string& room_id, EpochMs at) {
    Member m = who;
    m.room_id = room_id;
    m.role = role;
    m.added_at = at;
    m.added_by = owner_.user_id;
    return m;
  }

  Message note(const std::string& text, EpochMs at) {
    Message m;
    m.message_id = new_id();
    m.sender_id = owner_.user_id;
    m.sender_name = owner_.display_name;
    m.type = MessageType::kSystem;
    m.content = text;
    m.metadata = boost::json::object{{"action", "test"}};
    m.created_at = at;
    return m;
  }

  EventBatch batch(EpochMs at, std::vector<TimelineChange> changes) {
    return EventBatch{owner_.user_id, at, std::move(changes)};
  }

  // Creates `r` with the owner (and `others`); one system message, seq 1.
  RoomChange create(const Room& r, std::vector<Member> others = {}) {
    std::vector<Member> members{as(owner_, Role::kOwner, r.room_id, r.created_at)};
    for (auto& m : others) members.push_back(as(m, m.role, r.room_id, r.created_at));
    auto change = store_->create(
        r, members, batch(r.created_at, {MessagePosted{note("created", r.created_at), {}}}));
    EXPECT_TRUE(change) << (change ? "" : change.error().message);
    return change ? *change : RoomChange{};
  }

  std::set<std::string> search(const std::string& text, bool all = true) {
    RoomQuery q;
    q.viewer_id = owner_.user_id;
    q.all_rooms = all;
    q.text = text;
    q.limit = 100;
    auto page = store_->list(q);
    EXPECT_TRUE(page);
    std::set<std::string> titles;
    if (page) {
      for (const auto& v : page->items) titles.insert(v.room.title);
      EXPECT_EQ(page->total, static_cast<std::int64_t>(page->items.size())) << text;
    }
    return titles;
  }

  std::unique_ptr<testing::TestDatabase> db_;
  std::unique_ptr<RoomStore> store_;
  Member owner_, editor_, viewer_, stranger_;
};

Member with_role(Member m, Role role) {
  m.role = role;
  return m;
}

boost::json::object frame_of(const RoomEvent& e) { return boost::json::parse(e.frame).as_object(); }

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

TEST_P(RoomStoreContract, ListShowsTheViewersRoomsNewestActivityFirst) {
  Room a = room("A", kT0), b = room("B", kT0 + 10), c = room("C", kT0 + 20);
  create(a, {with_role(editor_, Role::kEditor)});
  create(b);
  create(c, {with_role(editor_, Role::kViewer)});
  RoomQuery q;
  q.viewer_id = editor_.user_id;
  auto page = store_->list(q);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->total, 2);
  EXPECT_EQ(page->items[0].room.title, "C");
  EXPECT_EQ(page->items[0].role, Role::kViewer);
  EXPECT_EQ(page->items[1].room.title, "A");
  EXPECT_EQ(page->items[1].role, Role::kEditor);

  // New activity moves a room up.
  Member v = as(viewer_, Role::kViewer, a.room_id, kT0 + 30);
  ASSERT_TRUE(store_->add_member(v, batch(kT0 + 30, {MemberAdded{v}})));
  page = store_->list(q);
  EXPECT_EQ(page->items[0].room.title, "A");

  // Every room for an admin view, with no role where not a member.
  q.all_rooms = true;
  page = store_->list(q);
  ASSERT_EQ(page->items.size(), 3u);
  EXPECT_EQ(page->items[0].room.title, "A");
  EXPECT_EQ(page->items[1].room.title, "C");
  EXPECT_EQ(page->items[2].room.title, "B");
  EXPECT_FALSE(page->items[2].role.has_value());

  EXPECT_EQ(store_->list(RoomQuery{.viewer_id = stranger_.user_id}).value().total, 0);
}

TEST_P(RoomStoreContract, ListFiltersSortsAndPages) {
  create(room("R1", kT0, "", "Line 1", IncidentType::kEquipmentFailure, Severity::kLow));
  create(room("R2", kT0 + 1, "", "line 3 west", IncidentType::kQualityIssue, Severity::kCritical));
  create(room("R3", kT0 + 2, "", "Line 3 east", IncidentType::kQualityIssue, Severity::kMedium));
  create(room("R4", kT0 + 3, "", "倉庫", IncidentType::kMaterialShortage, Severity::kCritical));
  Room archived = room("R5", kT0 + 4, "", "Line 2", IncidentType::kOther, Severity::kHigh);
  create(archived);
  archived.status = RoomStatus::kArchived;
  archived.archived_at = kT0 + 5;
  ASSERT_TRUE(store_->update(archived, 1, batch(kT0 + 5, {RoomUpdated{archived}})));

  auto titles = [&](RoomQuery q) {
    q.viewer_id = owner_.user_id;
    std::vector<std::string> out;
    auto page = store_->list(q);
    EXPECT_TRUE(page);
    if (page) {
      for (const auto& v : page->items) out.push_back(v.room.title);
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(titles({}), (V{"R5", "R4", "R3", "R2", "R1"}));
  EXPECT_EQ(titles({.status = RoomStatus::kArchived}), (V{"R5"}));
  EXPECT_EQ(titles({.status = RoomStatus::kActive}), (V{"R4", "R3", "R2", "R1"}));
  EXPECT_EQ(titles({.incident_type = IncidentType::kQualityIssue}), (V{"R3", "R2"}));
  EXPECT_EQ(titles({.severity = Severity::kCritical}), (V{"R4", "R2"}));
  EXPECT_EQ(titles({.location = "LINE 3"}), (V{"R3", "R2"}));
  EXPECT_EQ(titles({.sort = RoomSort::kSeverity}), (V{"R4", "R2", "R5", "R3", "R1"}));
  EXPECT_EQ(titles({.sort = RoomSort::kCreated}), (V{"R5", "R4", "R3", "R2", "R1"}));
  EXPECT_EQ(titles({.limit = 2, .offset = 1}), (V{"R4", "R3"}));
  EXPECT_EQ(titles({.limit = 2, .offset = 10}), V{});

  RoomQuery q{.viewer_id = owner_.user_id, .limit = 2, .offset = 1};
  EXPECT_EQ(store_->list(q).value().total, 5);
  q.offset = 4;
  EXPECT_EQ(store_->list(q).value().total, 5);
  q.offset = 9;
  EXPECT_EQ(store_->list(q).value().total, 5);
}

TEST_P(RoomStoreContract, SearchFindsChineseAndEnglishSubstrings) {
  create(room("沖壓機異常停機", kT0, "上模具卡料，需要維修", "A棟 沖壓線"));
  create(room("Line 3 conveyor jam", kT0 + 1, "Belt stopped near station 4", "Building B"));
  create(room("焊接不良", kT0 + 2, "焊點氣孔 100% inspection", "Line 7"));
  create(room("Label printer 50%_off", kT0 + 3, "", "倉庫 2F"));

  using S = std::set<std::string>;
  EXPECT_EQ(search("沖壓"), (S{"沖壓機異常停機"}));    // 2 characters: pairs
  EXPECT_EQ(search("沖壓機"), (S{"沖壓機異常停機"}));  // 3 characters: trigrams
  EXPECT_EQ(search("異常停機"), (S{"沖壓機異常停機"}));
  EXPECT_EQ(search("模具卡料"), (S{"沖壓機異常停機"}));  // description
  EXPECT_EQ(search("沖壓線"), (S{"沖壓機異常停機"}));    // location
  EXPECT_EQ(search("line 3"), (S{"Line 3 conveyor jam"}));
  EXPECT_EQ(search("LINE 3 CONVEYOR"), (S{"Line 3 conveyor jam"}));
  EXPECT_EQ(search("station 4"), (S{"Line 3 conveyor jam"}));
  EXPECT_EQ(search("line"), (S{"Line 3 conveyor jam", "焊接不良"}));
  EXPECT_EQ(search("焊"), (S{"焊接不良"}));  // 1 character
  EXPECT_EQ(search("線"), (S{"沖壓機異常停機"}));  // a column's last character
  EXPECT_EQ(search("F"), (S{"Label printer 50%_off"}));
  EXPECT_EQ(search("LI"), (S{"Line 3 conveyor jam", "焊接不良"}));
  EXPECT_EQ(search("3 "), (S{"Line 3 conveyor jam"}));  // a space inside a pair
  EXPECT_EQ(search("卡料"), (S{"沖壓機異常停機"}));
  EXPECT_EQ(search("料卡"), S{});
  EXPECT_EQ(search("2F"), (S{"Label printer 50%_off"}));
  EXPECT_EQ(search("50%_"), (S{"Label printer 50%_off"}));  // LIKE wildcards are literal
  EXPECT_EQ(search("0%"), (S{"Label printer 50%_off", "焊接不良"}));
  EXPECT_EQ(search("%"), (S{"Label printer 50%_off", "焊接不良"}));
  EXPECT_EQ(search("\"jam"), S{});      // quotes are literal too
  EXPECT_EQ(search("停機 沖壓"), S{});  // a substring, not words
  EXPECT_EQ(search("conveyer"), S{});
}

TEST_P(RoomStoreContract, SearchOnlyCoversTheViewersRoomsUnlessAll) {
  Room mine = room("沖壓機 A", kT0);
  create(mine);
  Room other = room("沖壓機 B", kT0 + 1);
  other.created_by = editor_.user_id;
  ASSERT_TRUE(store_->create(other, {as(editor_, Role::kOwner, other.room_id, kT0 + 1)},
                             batch(kT0 + 1, {MessagePosted{note("x", kT0 + 1), {}}})));
  EXPECT_EQ(search("沖壓機", false), (std::set<std::string>{"沖壓機 A"}));
  EXPECT_EQ(search("沖壓機", true), (std::set<std::string>{"沖壓機 A", "沖壓機 B"}));
  EXPECT_EQ(search("沖壓", false), (std::set<std::string>{"沖壓機 A"}));
}

TEST_P(RoomStoreContract, SearchFollowsUpdates) {
  Room r = room("沖壓機異常停機", kT0, "", "A棟");
  create(r);
  Room next = r;
  next.title = "Line 3 conveyor";
  next.location = "B棟";
  ASSERT_TRUE(store_->update(next, 1, batch(kT0 + 1, {RoomUpdated{next}})));
  EXPECT_TRUE(search("沖壓機").empty());
  EXPECT_TRUE(search("沖壓").empty());
  EXPECT_TRUE(search("沖").empty());
  EXPECT_EQ(search("conveyor"), (std::set<std::string>{"Line 3 conveyor"}));
  EXPECT_EQ(search("co"), (std::set<std::string>{"Line 3 conveyor"}));
  EXPECT_EQ(search("B棟"), (std::set<std::string>{"Line 3 conveyor"}));
  EXPECT_TRUE(search("A棟").empty());
}

TEST_P(RoomStoreContract, SearchPagesAgreeWhicheverPlanIsUsed) {
  // With a low threshold the SQLite store walks the sort index for most of
  // these searches; the fake and PostgreSQL answer the same by other means.
  if (db_) store_ = std::make_unique<sql::SqlRoomStore>(db_->db(), 3);
  for (int i = 0; i < 12; ++i) {
    Room r = room((i % 3 ? "沖壓機 #" : "Line 3 conveyor #") + std::to_string(i), kT0 + i);
    r.created_at = kT0 + 100 - i;  // the reverse order of activity
    r.severity = i % 2 ? Severity::kLow : Severity::kCritical;
    ASSERT_TRUE(store_->create(r, {as(owner_, Role::kOwner, r.room_id, kT0)},
                               batch(kT0 + i, {MessagePosted{note("created", kT0 + i), {}}})));
  }
  auto titles = [&](const std::string& text, RoomSort sort, int limit, int offset) {
    RoomQuery q{.viewer_id = owner_.user_id,
                .all_rooms = true,
                .text = text,
                .sort = sort,
                .limit = limit,
                .offset = offset};
    auto page = store_->list(q).value();
    std::vector<std::string> out;
    for (const auto& v : page.items) out.push_back(v.room.title);
    out.push_back("total=" + std::to_string(page.total));
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(titles("沖壓機", RoomSort::kLastActivity, 3, 0),
            (V{"沖壓機 #11", "沖壓機 #10", "沖壓機 #8", "total=8"}));
  EXPECT_EQ(titles("沖壓機", RoomSort::kLastActivity, 3, 6),
            (V{"沖壓機 #2", "沖壓機 #1", "total=8"}));
  EXPECT_EQ(titles("沖壓機", RoomSort::kCreated, 2, 1), (V{"沖壓機 #2", "沖壓機 #4", "total=8"}));
  EXPECT_EQ(titles("沖壓機", RoomSort::kSeverity, 2, 0), (V{"沖壓機 #10", "沖壓機 #8", "total=8"}));
  EXPECT_EQ(titles("conveyor", RoomSort::kLastActivity, 10, 0),
            (V{"Line 3 conveyor #9", "Line 3 conveyor #6", "Line 3 conveyor #3",
               "Line 3 conveyor #0", "total=4"}));
  EXPECT_EQ(titles("沖壓機", RoomSort::kLastActivity, 5, 8), (V{"total=8"}));
  EXPECT_EQ(titles("沖壓", RoomSort::kLastActivity, 3, 0),
            (V{"沖壓機 #11", "沖壓機 #10", "沖壓機 #8", "total=8"}));
  EXPECT_EQ(titles("壓", RoomSort::kCreated, 2, 1), (V{"沖壓機 #2", "沖壓機 #4", "total=8"}));
  EXPECT_EQ(titles("no such text", RoomSort::kLastActivity, 5, 0), (V{"total=0"}));
  // Other filters together with a search.
  RoomQuery q{.viewer_id = owner_.user_id,
              .all_rooms = true,
              .severity = Severity::kLow,
              .text = "沖壓機",
              .limit = 2};
  auto page = store_->list(q).value();
  EXPECT_EQ(page.total, 4);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].room.title, "沖壓機 #11");
  EXPECT_EQ(page.items[1].room.title, "沖壓機 #7");
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
