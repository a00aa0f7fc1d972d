#pragma once
// The fixture of the RoomStore contract suites (room_store_test.cpp: rooms,
// members, events; room_list_test.cpp: list and search): one store per
// backend (the fake, SQLite, PostgreSQL) with four people to put in rooms,
// and helpers to create rooms and list or search them.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "adapters/memory/memory_room_store.hpp"
#include "adapters/sql/sql_room_store.hpp"
#include "contract/test_database.hpp"
#include "core/ids.hpp"

namespace tr {

using testing::Backend;

inline constexpr EpochMs kT0 = 1'760'000'000'000;

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

inline Member with_role(Member m, Role role) {
  m.role = role;
  return m;
}

inline boost::json::object frame_of(const RoomEvent& e) {
  return boost::json::parse(e.frame).as_object();
}

}  // namespace tr
