// Wire shapes of rooms, members, messages, templates and event frames.
#include "domain/room_json.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "domain/timeline.hpp"

namespace tr {
namespace {

namespace json = boost::json;

TEST(RoomJson, EnumsRoundTrip) {
  for (auto t : {IncidentType::kEquipmentFailure, IncidentType::kMaterialShortage,
                 IncidentType::kQualityIssue, IncidentType::kOther}) {
    EXPECT_EQ(parse_incident_type(to_string(t)), t);
  }
  for (auto s : {Severity::kLow, Severity::kMedium, Severity::kHigh, Severity::kCritical}) {
    EXPECT_EQ(parse_severity(to_string(s)), s);
  }
  for (auto s : {RoomStatus::kActive, RoomStatus::kResolved, RoomStatus::kArchived}) {
    EXPECT_EQ(parse_room_status(to_string(s)), s);
  }
  for (auto r : {Role::kOwner, Role::kEditor, Role::kViewer})
    EXPECT_EQ(parse_role(to_string(r)), r);
  EXPECT_FALSE(parse_role("admin"));
  EXPECT_FALSE(parse_severity("CRITICAL"));
  EXPECT_FALSE(parse_incident_type(""));
}

TEST(RoomJson, TitleLengthCountsCharactersNotBytes) {
  EXPECT_TRUE(validate_title(std::string(200, 'x')));
  EXPECT_FALSE(validate_title(std::string(201, 'x')));
  std::string chinese;
  for (int i = 0; i < 200; ++i) chinese += "停";
  EXPECT_TRUE(validate_title(chinese));
  EXPECT_FALSE(validate_title(chinese + "機"));
  auto blank = validate_title("  \t");
  ASSERT_FALSE(blank);
  EXPECT_EQ(blank.error().field, "title");
}

TEST(RoomJson, RoomHasEveryFieldOfTheSpec) {
  Room r;
  r.room_id = "r1";
  r.title = "沖壓機異常停機";
  r.created_at = r.updated_at = r.last_activity_at = 1'767'225'600'000;
  r.resolved_at = 1'767'225'600'500;
  json::object o = room_json(r, Role::kEditor);
  for (const char* key :
       {"room_id", "title", "incident_type", "severity", "status", "location", "description",
        "resolution_notes", "created_by", "created_at", "updated_at", "resolved_at", "archived_at",
        "last_activity_at", "last_seq", "member_count", "current_user_role", "version"}) {
    EXPECT_TRUE(o.contains(key)) << key;
  }
  EXPECT_EQ(o["current_user_role"], "editor");
  EXPECT_EQ(o["resolved_at"], 1'767'225'600'500);
  EXPECT_EQ(o["created_at"], 1'767'225'600'000);
  EXPECT_TRUE(o["archived_at"].is_null());
  EXPECT_TRUE(room_json(r, std::nullopt)["current_user_role"].is_null());
  EXPECT_FALSE(room_json(r).contains("current_user_role"));
}

TEST(RoomJson, MessageOfADeletedMessageHasNoContent) {
  Message m;
  m.message_id = "m1";
  m.content = "secret";
  m.deleted = true;
  m.reactions = {{"👍", {"u1", "u2"}}};
  json::object o = message_json(m);
  EXPECT_EQ(o["content"], "");
  EXPECT_EQ(o["deleted"], true);
  EXPECT_EQ(o["reactions"].as_array()[0].as_object()["count"], 2);
  EXPECT_TRUE(o["reply_to"].is_null());
  EXPECT_TRUE(o["client_id"].is_null());
}

TEST(RoomJson, TemplateMembersParseAndNameTheBadField) {
  auto ok = parse_template_members(
      json::parse(R"([{"username":"li","role":"viewer"},{"username":"wang"}])"));
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[0].role, Role::kViewer);
  EXPECT_EQ((*ok)[1].role, Role::kEditor);
  auto bad_role =
      parse_template_members(json::parse(R"([{"username":"li"},{"username":"x","role":"boss"}])"));
  ASSERT_FALSE(bad_role);
  EXPECT_EQ(bad_role.error().field, "default_members[1].role");
  auto no_name = parse_template_members(json::parse(R"([{"role":"viewer"}])"));
  ASSERT_FALSE(no_name);
  EXPECT_EQ(no_name.error().field, "default_members[0].username");
  EXPECT_FALSE(parse_template_members(json::parse(R"({"username":"li"})")));
}

TEST(Timeline, FramesFollowTheSpec) {
  Member m;
  m.user_id = "u2";
  m.username = "li";
  m.role = Role::kViewer;
  auto added = render_event("r1", 7, MemberAdded{m}, 1);
  EXPECT_EQ(added.type, "member_added");
  EXPECT_EQ(added.seq, 7);
  EXPECT_EQ(added.affected_user_ids, std::vector<std::string>{"u2"});
  auto frame = json::parse(added.frame).as_object();
  EXPECT_EQ(frame["type"], "member_added");
  EXPECT_EQ(frame["room_id"], "r1");
  EXPECT_EQ(frame["seq"], 7);
  EXPECT_EQ(frame["member"].as_object()["username"], "li");

  auto removed = json::parse(render_event("r1", 8, MemberRemoved{"u2"}, 1).frame).as_object();
  EXPECT_EQ(removed["type"], "member_removed");
  EXPECT_EQ(removed["user_id"], "u2");

  Message msg;
  msg.message_id = "m1";
  msg.type = MessageType::kSystem;
  auto posted = render_event("r1", 9, MessagePosted{msg, {}}, 1);
  EXPECT_EQ(posted.type, "message");
  auto mframe = json::parse(posted.frame).as_object();
  EXPECT_EQ(mframe["message"].as_object()["seq"], 9);
  EXPECT_EQ(mframe["message"].as_object()["room_id"], "r1");
  EXPECT_EQ(mframe["message"].as_object()["type"], "system");

  auto updated = json::parse(render_event("r1", 10, RoomUpdated{Room{}}, 1).frame).as_object();
  EXPECT_EQ(updated["type"], "room_updated");
  EXPECT_TRUE(updated["room"].is_object());
}

}  // namespace
}  // namespace tr
