#pragma once
// SqlRoomStore: RoomStore on the rooms, room_members, room_events and
// messages tables (SQLite or PostgreSQL, server/migrations/003_rooms.sql).
// Each mutating call is one transaction (BEGIN IMMEDIATE on SQLite); its first
// statement bumps rooms.last_seq, which also serialises concurrent changes to
// the same room on PostgreSQL (row lock), so the in-transaction checks (last
// owner, archived, version) see every earlier commit.
// Search is the one dialect-specific part: see search_clause().
// Thread-safe: each call borrows its own pooled session.

#include "adapters/sql/database.hpp"
#include "ports/room_store.hpp"

namespace tr::sql {

class SqlRoomStore final : public RoomStore {
 public:
  // An all-rooms text search on SQLite with more than `walk_index_above`
  // matches walks the sort index instead of sorting every match (see
  // list()); tests lower it to cover both plans with a few rooms.
  explicit SqlRoomStore(Database& db, std::int64_t walk_index_above = 1000)
      : db_(db), walk_index_above_(walk_index_above) {}

  // ports::RoomStore
  Result<RoomChange> create(const Room& room, const std::vector<Member>& members,
                            const EventBatch& batch) override;
  Result<RoomView> find(const std::string& room_id, const std::string& viewer_id) override;
  Result<RoomPage> list(const RoomQuery& query) override;
  Result<std::vector<Member>> members(const std::string& room_id) override;
  Result<std::optional<Member>> member(const std::string& room_id,
                                       const std::string& user_id) override;
  Result<RoomChange> update(const Room& room, std::int64_t expected_version,
                            const EventBatch& batch) override;
  Result<RoomChange> add_member(const Member& member, const EventBatch& batch) override;
  Result<RoomChange> set_role(const std::string& room_id, const std::string& user_id, Role role,
                              const EventBatch& batch) override;
  Result<RoomChange> remove_member(const std::string& room_id, const std::string& user_id,
                                   const EventBatch& batch) override;
  Result<RoomChange> transfer_ownership(const std::string& room_id, const std::string& to_user_id,
                                        const std::optional<std::string>& demote_user_id,
                                        const EventBatch& batch) override;
  Result<std::vector<RoomEvent>> events_after(const std::string& room_id, std::int64_t after_seq,
                                              int limit) override;

 private:
  Database& db_;
  const std::int64_t walk_index_above_;
};

}  // namespace tr::sql
