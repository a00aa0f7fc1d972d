#pragma once
// MemoryRoomStore: the in-memory fake of RoomStore for service unit tests and
// the contract suite, which proves it behaves like SqlRoomStore (same order,
// same errors, same gap-free seqs, same substring search ignoring ASCII case).
// Member usernames and display names are the ones given to create() and
// add_member() (there is no users table to join). Thread-safe (one mutex).

#include <map>
#include <mutex>

#include "ports/room_store.hpp"

namespace tr {

class MemoryRoomStore final : public RoomStore {
 public:
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

  // Test helpers: the messages stored for a room, in seq order.
  std::vector<Message> messages(const std::string& room_id);

 private:
  struct Record {
    Room room;
    std::map<std::string, Member> members;  // by user id
    std::vector<RoomEvent> events;          // seq order
    std::vector<Message> messages;          // seq order
  };

  // Appends `batch` to `rec` (room already changed); the store's mutex is held.
  RoomChange append_locked(Record& rec, const EventBatch& batch);
  Result<Record*> writable_locked(const std::string& room_id);

  std::mutex mu_;
  std::map<std::string, Record> rooms_;  // guarded by mu_
};

}  // namespace tr
