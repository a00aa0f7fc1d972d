// Contract suite for RoomStore::list: the fake, SQLite and PostgreSQL list,
// filter, sort and page alike, and find the same rooms by search in Chinese
// and English, whichever plan the SQLite store picks.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "contract/room_store_fixture.hpp"

namespace tr {
namespace {

class RoomListContract : public RoomStoreContract {};

TEST_P(RoomListContract, ListShowsTheViewersRoomsNewestActivityFirst) {
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

TEST_P(RoomListContract, ListFiltersSortsAndPages) {
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

TEST_P(RoomListContract, SearchFindsChineseAndEnglishSubstrings) {
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

TEST_P(RoomListContract, SearchOnlyCoversTheViewersRoomsUnlessAll) {
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

TEST_P(RoomListContract, SearchFollowsUpdates) {
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

TEST_P(RoomListContract, SearchPagesAgreeWhicheverPlanIsUsed) {
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
  // Searched by someone else than the writer of each room's opening note, so
  // every room has one unread message: each plan must count it.
  std::map<std::string, std::int64_t> unread;
  for (const auto& v :
       store_->list(RoomQuery{.viewer_id = editor_.user_id, .all_rooms = true, .limit = 50})
           .value()
           .items) {
    unread[v.room.room_id] = v.unread_count;
    if (db_) {
      EXPECT_EQ(v.unread_count, 1);  // the fake keeps no messages to count
    }
  }
  auto titles = [&](const std::string& text, RoomSort sort, int limit, int offset) {
    RoomQuery q{.viewer_id = editor_.user_id,
                .all_rooms = true,
                .text = text,
                .sort = sort,
                .limit = limit,
                .offset = offset};
    auto page = store_->list(q).value();
    std::vector<std::string> out;
    for (const auto& v : page.items) {
      out.push_back(v.room.title);
      EXPECT_EQ(v.unread_count, unread[v.room.room_id]) << "unread count of " << v.room.title;
    }
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

INSTANTIATE_TEST_SUITE_P(AllBackends, RoomListContract,
                         ::testing::ValuesIn(testing::all_backends()), testing::BackendName{});

}  // namespace
}  // namespace tr
