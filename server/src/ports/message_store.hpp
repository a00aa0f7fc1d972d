#pragma once
// MessageStore: messages, reactions, edit history and read positions, and
// the timeline events their changes append (SPEC.md section 4). Each
// mutating call makes its change and appends its event with the room's next
// seq in ONE transaction (gap-free seqs, shared with RoomStore's events) and
// returns the stored event for publishing after commit. Blocking;
// thread-safe.
//
// post() is group-committed: concurrent posts are written in one transaction,
// and a post returns (or calls back) only once that transaction is durable.
//
// Common errors: kUnavailable (database), kNotFound (room or message).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "domain/message.hpp"
#include "domain/room_event.hpp"

namespace tr {

// A message to post. The store checks, inside the transaction, that the
// sender may write in the room: kForbidden for non-members and viewers
// (unless `sender_is_admin`), kRoomArchived for archived rooms.
struct PostRequest {
  Message message;  // message_id, room_id, sender_id, type, content, metadata,
                    // reply_to, client_id, created_at; seq is assigned
  bool sender_is_admin = false;
};

struct PostResult {
  Message message;                 // as stored (with seq and sender_name)
  bool duplicate = false;          // client_id seen before: nothing was stored
  std::optional<RoomEvent> event;  // the `message` event (absent for duplicates)
};

// A change to an existing message and the event it appended.
struct MessageChange {
  Message message;  // after the change
  std::optional<RoomEvent> event;  // absent when nothing changed (idempotent)
};

struct MessagePage {
  std::vector<Message> items;  // in seq order
  bool has_more = false;       // more messages beyond the page in its direction
};

struct HistoryQuery {
  std::string room_id;
  std::optional<std::int64_t> before_seq;  // messages with seq < before_seq
  std::optional<std::int64_t> after_seq;   // messages with seq > after_seq
  int limit = 50;
};

class MessageStore {
 public:
  virtual ~MessageStore() = default;

  virtual Result<PostResult> post(const PostRequest& request) = 0;
  // The same, without blocking: `done` runs on a store thread after commit.
  virtual void post_async(PostRequest request, std::function<void(Result<PostResult>)> done) = 0;

  virtual Result<Message> find(const std::string& room_id, const std::string& message_id) = 0;

  // Without a cursor: the newest `limit` messages. With before_seq: the
  // `limit` messages just before it. With after_seq: just after it.
  virtual Result<MessagePage> history(const HistoryQuery& query) = 0;

  // Replaces the text, keeping the previous one in the edit history, and
  // appends `message_edited`. kRoomArchived for archived rooms.
  virtual Result<MessageChange> edit(const std::string& room_id, const std::string& message_id,
                                     const std::string& content, const std::string& editor_id,
                                     EpochMs at) = 0;
  // Soft delete: content and reactions removed, deleted = true; appends
  // `message_deleted`. Deleting twice changes nothing (no event).
  virtual Result<MessageChange> remove(const std::string& room_id, const std::string& message_id,
                                       const std::string& actor_id, EpochMs at) = 0;
  // Adds or removes one user's reaction; appends `reaction_added` /
  // `reaction_removed`, or nothing when it was already so.
  virtual Result<MessageChange> react(const std::string& room_id, const std::string& message_id,
                                      const std::string& user_id, const std::string& emoji,
                                      bool add, EpochMs at) = 0;

  // Messages whose text contains `query` (Chinese included), newest first.
  virtual Result<std::vector<Message>> search(const std::string& room_id, const std::string& query,
                                              int limit) = 0;

  // Moves the user's read position forward (never back).
  virtual Result<void> mark_read(const std::string& room_id, const std::string& user_id,
                                 std::int64_t seq, EpochMs at) = 0;
  virtual Result<std::int64_t> read_position(const std::string& room_id,
                                             const std::string& user_id) = 0;
};

}  // namespace tr
