// RoomService and TemplateService: the rules of issue 4, with in-memory fakes
// and a manual clock. Member changes are in room_members_service_test.cpp.
#include "room_service_fixture.hpp"

namespace tr {
namespace {

// ---- create ----

TEST_F(RoomServiceTest, CreatorBecomesOwnerAndTheRoomStartsActive) {
  NewRoom r;
  r.title = "  沖壓機異常停機  ";
  r.incident_type = IncidentType::kEquipmentFailure;
  r.severity = Severity::kCritical;
  r.members = {{"li", Role::kEditor}};
  auto view = service_.create(owner_, r);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->role, Role::kOwner);
  EXPECT_EQ(view->room.title, "沖壓機異常停機");
  EXPECT_EQ(view->room.status, RoomStatus::kActive);
  EXPECT_EQ(view->room.created_by, owner_.user_id);
  EXPECT_EQ(view->room.created_at, clock_.now_ms());
  EXPECT_EQ(view->room.member_count, 2);
  EXPECT_EQ(view->room.version, 1);
  EXPECT_EQ(view->room.last_seq, 1);
  ASSERT_EQ(bus_.types(), std::vector<std::string>{"message"});
  auto msg = last_message();
  EXPECT_EQ(msg["type"], "system");
  EXPECT_EQ(msg["sender_id"], owner_.user_id.c_str());
  EXPECT_EQ(msg["metadata"].as_object()["action"], "room_created");
  EXPECT_EQ(msg["content"], "王小明 opened the incident room 「沖壓機異常停機」");
  EXPECT_EQ(bus_.events[0].affected_user_ids.size(), 2u);
}

TEST_F(RoomServiceTest, CreateRejectsBadInputNamingTheField) {
  auto field_of = [&](NewRoom r) {
    auto v = service_.create(owner_, r);
    EXPECT_FALSE(v);
    return v ? std::string("<ok>") : v.error().field;
  };
  NewRoom ok;
  ok.title = "Line 3 conveyor";
  ok.incident_type = IncidentType::kOther;
  ok.severity = Severity::kLow;

  NewRoom r = ok;
  r.title = "   ";
  EXPECT_EQ(field_of(r), "title");
  r.title = std::string(201, 'x');
  EXPECT_EQ(field_of(r), "title");
  r = ok;
  r.incident_type.reset();
  EXPECT_EQ(field_of(r), "incident_type");
  r = ok;
  r.severity.reset();
  EXPECT_EQ(field_of(r), "severity");
  r = ok;
  r.template_id = "no-such-template";
  EXPECT_EQ(field_of(r), "template_id");
  r = ok;
  r.members = {{"li", Role::kEditor}, {"nobody", Role::kViewer}};
  EXPECT_EQ(field_of(r), "members[1].username");
  r = ok;
  r.location = std::string(201, 'x');
  EXPECT_EQ(field_of(r), "location");
  EXPECT_TRUE(bus_.events.empty());
  EXPECT_EQ(rooms_.list(RoomQuery{.viewer_id = owner_.user_id}).value().total, 0);
}

TEST_F(RoomServiceTest, TemplateSuppliesDefaultsAndRequestFieldsWin) {
  NewTemplate t;
  t.name = "沖壓線停機";
  t.incident_type = IncidentType::kEquipmentFailure;
  t.severity = Severity::kCritical;
  t.description = "設備名稱：";
  t.default_members = {{"li", Role::kViewer}, {"ldap.zhang", Role::kEditor}};
  auto tpl = template_service_.create(admin_, t).value();

  NewRoom from_template;
  from_template.title = "2 號沖壓機卡料";
  from_template.template_id = tpl.template_id;
  auto a = service_.create(owner_, from_template);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->room.incident_type, IncidentType::kEquipmentFailure);
  EXPECT_EQ(a->room.severity, Severity::kCritical);
  EXPECT_EQ(a->room.description, "設備名稱：");
  EXPECT_EQ(a->room.template_id, tpl.template_id);
  EXPECT_EQ(a->room.member_count, 3);
  // The directory person was created as a user on the way.
  auto zhang = users_.find_by_username("ldap.zhang");
  ASSERT_TRUE(zhang);
  EXPECT_EQ(zhang->display_name, "張工程師");
  EXPECT_EQ(zhang->source, "ldap");

  NewRoom overriding = from_template;
  overriding.severity = Severity::kLow;
  overriding.description = "自訂描述";
  overriding.members = {{"li", Role::kEditor}};
  auto b = service_.create(owner_, overriding);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->room.severity, Severity::kLow);
  EXPECT_EQ(b->room.description, "自訂描述");
  EXPECT_EQ(rooms_.member(b->room.room_id, editor_.user_id).value()->role, Role::kEditor);
}

TEST_F(RoomServiceTest, UnknownTemplateDefaultMembersAreSkipped) {
  RoomTemplate tpl;
  tpl.template_id = "tpl_x";
  tpl.name = "X";
  tpl.default_members = {{"gone.person", Role::kEditor}};
  ASSERT_TRUE(templates_.create(tpl));
  NewRoom r;
  r.title = "缺料 A-100";
  r.template_id = "tpl_x";
  auto v = service_.create(owner_, r);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->room.member_count, 1);
}

TEST_F(RoomServiceTest, ShippedTemplatesWork) {
  NewRoom r;
  r.title = "原料 A-100 缺料";
  r.template_id = "tpl_material_shortage";
  auto v = service_.create(owner_, r);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->room.incident_type, IncidentType::kMaterialShortage);
  EXPECT_EQ(v->room.severity, Severity::kMedium);
  EXPECT_NE(v->room.description.find("料號"), std::string::npos);
}

// ---- get / access ----

TEST_F(RoomServiceTest, MembersAndAdminsReadOutsidersAreRefusedAndAudited) {
  auto room = make_room();
  EXPECT_EQ(service_.get(viewer_, room.room.room_id).value().role, Role::kViewer);
  auto admin_view = service_.get(admin_, room.room.room_id);
  ASSERT_TRUE(admin_view);
  EXPECT_FALSE(admin_view->role.has_value());

  auto denied = service_.get(outsider_, room.room.room_id);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, ErrorCode::kForbidden);
  ASSERT_EQ(audit_.entries.size(), 1u);
  const auto& e = audit_.entries[0];
  EXPECT_EQ(e.action, "room.access_denied");
  EXPECT_EQ(e.user_id, outsider_.user_id);
  EXPECT_EQ(e.username, "outsider");
  EXPECT_EQ(e.target, room.room.room_id);
  EXPECT_EQ(e.client_ip, "10.0.0.7");
  EXPECT_EQ(e.user_agent, "line-tablet/1.0");
  EXPECT_EQ(e.at, clock_.now_ms());

  // Every other operation is refused the same way.
  EXPECT_EQ(service_.members(outsider_, room.room.room_id).error().code, ErrorCode::kForbidden);
  EXPECT_EQ(service_.update(outsider_, room.room.room_id, RoomPatch{.title = "x"}, std::nullopt)
                .error()
                .code,
            ErrorCode::kForbidden);
  EXPECT_EQ(
      service_.add_member(outsider_, room.room.room_id, {"outsider", Role::kEditor}).error().code,
      ErrorCode::kForbidden);
  EXPECT_EQ(service_.remove_member(outsider_, room.room.room_id, outsider_.user_id).error().code,
            ErrorCode::kForbidden);
  EXPECT_EQ(audit_.entries.size(), 5u);
}

TEST_F(RoomServiceTest, UnknownRoomIsNotFoundForEveryone) {
  EXPECT_EQ(service_.get(admin_, "nope").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service_.get(outsider_, "nope").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(audit_.entries.empty());
}

// ---- list ----

TEST_F(RoomServiceTest, ListShowsOwnRoomsAndAllForAdmins) {
  make_room("A");
  clock_.advance_ms(10);
  NewRoom other;
  other.title = "B";
  other.incident_type = IncidentType::kOther;
  other.severity = Severity::kLow;
  ASSERT_TRUE(service_.create(outsider_, other));

  auto mine = service_.list(editor_, {});
  ASSERT_TRUE(mine);
  ASSERT_EQ(mine->total, 1);
  EXPECT_EQ(mine->items[0].room.title, "A");
  EXPECT_EQ(mine->items[0].role, Role::kEditor);

  EXPECT_EQ(service_.list(admin_, {}).value().total, 0);  // an admin's own rooms
  auto all = service_.list(admin_, {.all = true});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->total, 2);
  EXPECT_EQ(all->items[0].room.title, "B");

  auto refused = service_.list(editor_, {.all = true});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kForbidden);
}

TEST_F(RoomServiceTest, ListValidatesPaging) {
  EXPECT_EQ(service_.list(owner_, {.limit = 0}).error().field, "limit");
  EXPECT_EQ(service_.list(owner_, {.limit = 101}).error().field, "limit");
  EXPECT_EQ(service_.list(owner_, {.offset = -1}).error().field, "offset");
  EXPECT_EQ(service_.list(owner_, {.q = std::string(201, 'q')}).error().field, "q");
  EXPECT_TRUE(service_.list(owner_, {.limit = 100}));
  EXPECT_TRUE(service_.list(owner_, {.limit = 1}));
}

TEST_F(RoomServiceTest, ListSearchesInChineseAndEnglish) {
  make_room("沖壓機異常停機");
  make_room("Line 3 conveyor", "Building B");
  auto titles = [&](const std::string& q) {
    std::vector<std::string> out;
    for (const auto& v : service_.list(viewer_, {.q = q}).value().items)
      out.push_back(v.room.title);
    return out;
  };
  EXPECT_EQ(titles("沖壓"), std::vector<std::string>{"沖壓機異常停機"});
  EXPECT_EQ(titles("  line 3 "), std::vector<std::string>{"Line 3 conveyor"});
}

// ---- update ----

TEST_F(RoomServiceTest, PatchBumpsTheVersionAndAppendsEvents) {
  auto room = make_room();
  RoomPatch patch;
  patch.severity = Severity::kCritical;
  patch.title = "沖壓機異常停機（2 號機）";
  auto v = service_.update(editor_, room.room.room_id, patch, room.room.version);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->room.version, 2);
  EXPECT_EQ(v->room.severity, Severity::kCritical);
  EXPECT_EQ(v->room.updated_at, clock_.now_ms());
  EXPECT_EQ(v->role, Role::kEditor);
  ASSERT_EQ(bus_.types(), (std::vector<std::string>{"room_updated", "message"}));
  EXPECT_EQ(bus_.events[0].seq, 2);
  EXPECT_EQ(bus_.events[1].seq, 3);
  auto updated = frame(bus_.events[0])["room"].as_object();
  EXPECT_EQ(updated["version"], 2);
  EXPECT_EQ(updated["last_seq"], 3);
  auto msg = last_message();
  EXPECT_EQ(msg["content"],
            "李四 renamed the room to 「沖壓機異常停機（2 號機）」, changed the severity from high "
            "to critical");
  auto changes = msg["metadata"].as_object()["changes"].as_object();
  EXPECT_EQ(changes["severity"].as_object()["from"], "high");
  EXPECT_EQ(changes["severity"].as_object()["to"], "critical");
}

TEST_F(RoomServiceTest, StaleIfMatchIsAPreconditionFailure) {
  auto room = make_room();
  ASSERT_TRUE(service_.update(owner_, room.room.room_id, {.location = "B棟"}, 1));
  auto stale = service_.update(editor_, room.room.room_id, {.location = "C棟"}, 1);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::kPreconditionFailed);
  EXPECT_EQ(service_.get(owner_, room.room.room_id).value().room.location, "B棟");
  // Without If-Match, the change applies to whatever is current.
  EXPECT_EQ(service_.update(editor_, room.room.room_id, {.location = "C棟"}, std::nullopt)
                .value()
                .room.version,
            3);
}

TEST_F(RoomServiceTest, APatchThatChangesNothingWritesNothing) {
  auto room = make_room();
  auto v = service_.update(editor_, room.room.room_id,
                           {.title = "沖壓機異常停機", .severity = Severity::kHigh}, 1);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->room.version, 1);
  EXPECT_TRUE(bus_.events.empty());
}

TEST_F(RoomServiceTest, ViewersCannotEdit) {
  auto room = make_room();
  auto v = service_.update(viewer_, room.room.room_id, {.title = "x"}, std::nullopt);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ErrorCode::kForbidden);
  EXPECT_TRUE(audit_.entries.empty());  // members are not audited
}

TEST_F(RoomServiceTest, PatchValidatesValues) {
  auto room = make_room();
  EXPECT_EQ(service_.update(owner_, room.room.room_id, {.title = " "}, std::nullopt).error().field,
            "title");
  EXPECT_EQ(
      service_
          .update(owner_, room.room.room_id, {.description = std::string(10001, 'd')}, std::nullopt)
          .error()
          .field,
      "description");
  EXPECT_EQ(service_.get(owner_, room.room.room_id).value().room.version, 1);
}

TEST_F(RoomServiceTest, ResolveReopenAndArchiveFollowTheTransitions) {
  auto room = make_room();
  const auto id = room.room.room_id;
  auto resolved = service_.update(
      editor_, id, {.status = RoomStatus::kResolved, .resolution_notes = "更換模具後恢復生產"},
      std::nullopt);
  ASSERT_TRUE(resolved);
  EXPECT_EQ(resolved->room.status, RoomStatus::kResolved);
  EXPECT_EQ(resolved->room.resolved_at, clock_.now_ms());
  EXPECT_EQ(last_message()["content"], "李四 resolved the incident, updated the resolution notes");

  clock_.advance_ms(5);
  auto reopened = service_.update(editor_, id, {.status = RoomStatus::kActive}, std::nullopt);
  ASSERT_TRUE(reopened);
  EXPECT_FALSE(reopened->room.resolved_at.has_value());

  // Editors may not archive; owners may.
  auto editor_archive =
      service_.update(editor_, id, {.status = RoomStatus::kArchived}, std::nullopt);
  ASSERT_FALSE(editor_archive);
  EXPECT_EQ(editor_archive.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(service_.archive(editor_, id).error().code, ErrorCode::kForbidden);
  auto archived = service_.archive(owner_, id);
  ASSERT_TRUE(archived);
  EXPECT_EQ(archived->room.status, RoomStatus::kArchived);
  EXPECT_EQ(archived->room.archived_at, clock_.now_ms());
  // Archiving again changes nothing.
  bus_.events.clear();
  EXPECT_EQ(service_.archive(owner_, id).value().room.version, archived->room.version);
  EXPECT_TRUE(bus_.events.empty());

  // archived -> resolved is not a transition.
  auto invalid = service_.update(owner_, id, {.status = RoomStatus::kResolved}, std::nullopt);
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().code, ErrorCode::kInvalidTransition);
}

TEST_F(RoomServiceTest, AnArchivedRoomIsReadOnlyUntilAnOwnerReopensIt) {
  auto room = make_room();
  const auto id = room.room.room_id;
  ASSERT_TRUE(service_.archive(owner_, id));
  EXPECT_EQ(service_.update(editor_, id, {.title = "new"}, std::nullopt).error().code,
            ErrorCode::kRoomArchived);
  EXPECT_EQ(service_.add_member(owner_, id, {"outsider", Role::kViewer}).error().code,
            ErrorCode::kRoomArchived);
  EXPECT_EQ(service_.change_role(owner_, id, viewer_.user_id, Role::kEditor).error().code,
            ErrorCode::kRoomArchived);
  EXPECT_EQ(service_.remove_member(owner_, id, viewer_.user_id).error().code,
            ErrorCode::kRoomArchived);
  EXPECT_EQ(service_.remove_member(viewer_, id, viewer_.user_id).error().code,
            ErrorCode::kRoomArchived);
  EXPECT_EQ(service_.transfer_ownership(owner_, id, editor_.user_id).error().code,
            ErrorCode::kRoomArchived);
  // Editors cannot bring it back; owners and admins can (fields may change too).
  EXPECT_EQ(
      service_.update(editor_, id, {.status = RoomStatus::kActive}, std::nullopt).error().code,
      ErrorCode::kForbidden);
  auto reopened = service_.update(admin_, id, {.title = "重新開啟", .status = RoomStatus::kActive},
                                  std::nullopt);
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->room.status, RoomStatus::kActive);
  EXPECT_FALSE(reopened->room.archived_at.has_value());
  EXPECT_EQ(reopened->room.title, "重新開啟");
  EXPECT_EQ(last_message()["content"],
            "系統管理員 reopened the archived room, renamed the room to 「重新開啟」");
}
// ---- templates ----

TEST_F(RoomServiceTest, OnlyAdminsChangeTemplates) {
  NewTemplate t;
  t.name = "客訴";
  t.incident_type = IncidentType::kQualityIssue;
  EXPECT_EQ(template_service_.create(owner_, t).error().code, ErrorCode::kForbidden);
  auto created = template_service_.create(admin_, t);
  ASSERT_TRUE(created);
  EXPECT_EQ(template_service_.list(viewer_).value().size(), 4u);
  EXPECT_EQ(template_service_.update(owner_, created->template_id, {.name = "x"}).error().code,
            ErrorCode::kForbidden);
  auto renamed = template_service_.update(admin_, created->template_id, {.name = "客訴處理"});
  ASSERT_TRUE(renamed);
  EXPECT_EQ(renamed->name, "客訴處理");
  EXPECT_EQ(renamed->incident_type, IncidentType::kQualityIssue);
  EXPECT_EQ(template_service_.remove(owner_, created->template_id).error().code,
            ErrorCode::kForbidden);
  ASSERT_TRUE(template_service_.remove(admin_, created->template_id));
  EXPECT_EQ(template_service_.get(viewer_, created->template_id).error().code,
            ErrorCode::kNotFound);
}

TEST_F(RoomServiceTest, TemplateValidation) {
  NewTemplate t;
  t.name = " ";
  EXPECT_EQ(template_service_.create(admin_, t).error().field, "name");
  t.name = "設備故障";
  EXPECT_EQ(template_service_.create(admin_, t).error().code, ErrorCode::kConflict);
  t.name = "new";
  t.default_members = {{"li", Role::kEditor}, {"ghost", Role::kViewer}};
  EXPECT_EQ(template_service_.create(admin_, t).error().field, "default_members[1].username");
  t.default_members = {{"li", Role::kEditor}, {"ldap.zhang", Role::kViewer}};
  EXPECT_TRUE(template_service_.create(admin_, t));
}

}  // namespace
}  // namespace tr
