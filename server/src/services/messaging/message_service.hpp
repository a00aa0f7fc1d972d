#pragma once
// MessageService: the rules of a room's conversation (SPEC.md section 4):
// who may post, edit, delete and react; message size and rate limits; the
// history, the event log and read positions. Every change is stored with
// its event (next seq, same transaction) and published after commit.
// All methods block except post_async. Thread-safe.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/change_counter.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "domain/actor.hpp"
#include "domain/message.hpp"
#include "ports/event_bus.hpp"
#include "ports/message_store.hpp"
#include "ports/room_store.hpp"
#include "services/messaging/rate_limiter.hpp"
#include "services/rooms/room_service.hpp"

namespace tr {

struct MessageLimits {
  std::size_t max_bytes = 8 * 1024;  // message text
  double rate_per_second = 20;       // per user, REST and WebSocket together
  double burst = 50;
};

struct NewMessage {
  std::string room_id;
  std::string content;
  std::optional<std::string> client_id;  // idempotency key, at most 64 characters
  std::optional<std::string> reply_to;
};

struct EventPage {
  std::vector<RoomEvent> items;
  bool has_more = false;
};

class MessageService {
 public:
  MessageService(MessageStore& messages, RoomStore& rooms, RoomService& room_service,
                 EventBus& bus, AuditLog& audit, const Clock& clock, ChangeCounter& room_lists,
                 MessageLimits limits = {});

  // Validates at once (kValidationFailed, kMessageTooLarge, kRateLimited);
  // the rest (kForbidden, kRoomArchived, kNotFound) comes through `done`,
  // which runs after the message is durable (or refused), on a store thread.
  void post_async(const Actor& actor, NewMessage message,
                  std::function<void(Result<PostResult>)> done);
  Result<PostResult> post(const Actor& actor, NewMessage message);

  Result<Message> edit(const Actor& actor, const std::string& room_id,
                       const std::string& message_id, const std::string& content);
  Result<void> remove(const Actor& actor, const std::string& room_id,
                      const std::string& message_id);
  Result<Message> react(const Actor& actor, const std::string& room_id,
                        const std::string& message_id, const std::string& emoji, bool add);

  Result<MessagePage> history(const Actor& actor, const HistoryQuery& query);
  Result<EventPage> events(const Actor& actor, const std::string& room_id, std::int64_t after_seq,
                           int limit);
  Result<std::vector<Message>> search(const Actor& actor, const std::string& room_id,
                                      const std::string& query, int limit);
  Result<void> mark_read(const Actor& actor, const std::string& room_id, std::int64_t seq);

  // The room's last_seq if the actor may read it (kForbidden audited, kNotFound).
  Result<std::int64_t> open_room(const Actor& actor, const std::string& room_id);

 private:
  Result<RoomView> readable(const Actor& actor, const std::string& room_id);
  std::optional<Error> check_text(const std::string& content) const;

  MessageStore& messages_;
  RoomStore& rooms_;
  RoomService& room_service_;
  EventBus& bus_;
  AuditLog& audit_;
  const Clock& clock_;
  ChangeCounter& room_lists_;  // bumped by mark_read: unread counts changed
  MessageLimits limits_;
  RateLimiter rate_;
};

// A short Unicode sequence: 1 to 8 code points, at most 32 bytes, no ASCII
// letters, digits, spaces or control characters.
bool is_valid_emoji(const std::string& emoji);

}  // namespace tr
