#pragma once
// The fixture of the RoomService unit suites (room_service_test.cpp: rooms
// and templates; room_members_service_test.cpp: members): the services over
// in-memory fakes, a manual clock, a recording event bus, and an owner, an
// editor, a viewer, an outsider and an admin.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "adapters/memory/memory_room_store.hpp"
#include "adapters/memory/memory_template_store.hpp"
#include "room_test_fakes.hpp"
#include "services/rooms/room_service.hpp"
#include "services/rooms/template_service.hpp"

namespace tr {

class RoomServiceTest : public ::testing::Test {
 protected:
  RoomServiceTest()
      : resolver_(users_, directory_, clock_),
        service_(rooms_, templates_, resolver_, users_, audit_, bus_, clock_),
        template_service_(templates_, resolver_, clock_) {
    owner_ = actor(add_user("u_owner", "wang", "王小明"));
    editor_ = actor(add_user("u_editor", "li", "李四"));
    viewer_ = actor(add_user("u_viewer", "chen", "陳美玲"));
    outsider_ = actor(add_user("u_out", "outsider", "Outsider"));
    admin_ = actor(add_user("u_admin", "admin", "系統管理員"));
    admin_.is_admin = true;
    directory_.add({"ldap.zhang", "張工程師", "zhang@factory.local", false, {}});
  }

  User add_user(const std::string& id, const std::string& username, const std::string& name) {
    User u;
    u.user_id = id;
    u.username = username;
    u.display_name = name;
    return users_.create(u, std::nullopt).value();
  }

  static Actor actor(const User& u) {
    Actor a;
    a.user_id = u.user_id;
    a.username = u.username;
    a.client_ip = "10.0.0.7";
    a.user_agent = "line-tablet/1.0";
    return a;
  }

  // A room owned by owner_ with editor_ and viewer_.
  RoomView make_room(const std::string& title = "沖壓機異常停機",
                     const std::string& location = "A棟 沖壓線") {
    NewRoom r;
    r.title = title;
    r.incident_type = IncidentType::kEquipmentFailure;
    r.severity = Severity::kHigh;
    r.location = location;
    r.members = {{"li", Role::kEditor}, {"chen", Role::kViewer}};
    auto view = service_.create(owner_, r);
    EXPECT_TRUE(view) << (view ? "" : view.error().message);
    bus_.events.clear();
    clock_.advance_ms(1000);
    return *view;
  }

  static boost::json::object frame(const RoomEvent& e) {
    return boost::json::parse(e.frame).as_object();
  }

  // The system message the last published batch ended with.
  boost::json::object last_message() {
    EXPECT_FALSE(bus_.events.empty());
    EXPECT_EQ(bus_.events.back().type, "message");
    return frame(bus_.events.back())["message"].as_object();
  }

  ManualClock clock_;
  testing::FakeUserStore users_;
  testing::FakeDirectory directory_;
  testing::FakeAuditLog audit_;
  testing::RecordingBus bus_;
  MemoryRoomStore rooms_;
  MemoryTemplateStore templates_;
  UserResolver resolver_;
  RoomService service_;
  TemplateService template_service_;
  Actor owner_, editor_, viewer_, outsider_, admin_;
};

}  // namespace tr
