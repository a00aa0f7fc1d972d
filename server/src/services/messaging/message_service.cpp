#include "services/messaging/message_service.hpp"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <utility>

#include "core/ids.hpp"
#include "core/strings.hpp"
#include "domain/permissions.hpp"

namespace tr {
namespace {

Error forbidden(const char* why) { return Error{ErrorCode::kForbidden, why}; }

}  // namespace

bool is_valid_emoji(const std::string& emoji) {
  if (emoji.empty() || emoji.size() > 32 || !is_clean_utf8(emoji)) return false;
  const std::size_t points = utf8_length(emoji);
  if (points < 1 || points > 8) return false;
  for (unsigned char c : emoji) {
    if (c < 0x80 && c != '#' && c != '*') return false;  // keycap bases aside, no ASCII
  }
  return true;
}

MessageService::MessageService(MessageStore& messages, RoomStore& rooms, RoomService& room_service,
                               EventBus& bus, AuditLog& audit, const Clock& clock,
                               ChangeCounter& room_lists, MessageLimits limits)
    : messages_(messages),
      rooms_(rooms),
      room_service_(room_service),
      bus_(bus),
      audit_(audit),
      clock_(clock),
      room_lists_(room_lists),
      limits_(limits), rate_(limits.rate_per_second, limits.burst) {}

Result<RoomView> MessageService::readable(const Actor& actor, const std::string& room_id) {
  // RoomService::get applies the permission table and audits refusals.
  return room_service_.get(actor, room_id);
}

Result<std::int64_t> MessageService::open_room(const Actor& actor, const std::string& room_id) {
  auto view = readable(actor, room_id);
  if (!view) return view.error();
  return view->room.last_seq;
}

std::optional<Error> MessageService::check_text(const std::string& content) const {
  if (content.size() > limits_.max_bytes) {
    return Error{ErrorCode::kMessageTooLarge,
                 "a message may hold at most " + std::to_string(limits_.max_bytes) + " bytes",
                 "content"};
  }
  if (!is_clean_utf8(content)) return invalid_field("content", "content must be plain UTF-8 text");
  if (trim(content).empty()) return invalid_field("content", "content must not be empty");
  return std::nullopt;
}

void MessageService::post_async(const Actor& actor, NewMessage in,
                                std::function<void(Result<PostResult>)> done) {
  if (auto e = check_text(in.content)) return done(*e);
  if (in.client_id && (in.client_id->empty() || in.client_id->size() > 64 ||
                       !is_clean_utf8(*in.client_id))) {
    return done(invalid_field("client_id", "client_id must be 1 to 64 characters"));
  }
  const EpochMs now = clock_.now_ms();
  if (!rate_.try_take(actor.user_id, now)) {
    Error e{ErrorCode::kRateLimited, "too many messages; slow down"};
    e.retry_after_s = 1;
    return done(e);
  }
  PostRequest request;
  request.sender_is_admin = actor.is_admin;
  Message& m = request.message;
  m.message_id = new_id();
  m.room_id = in.room_id;
  m.sender_id = actor.user_id;
  m.type = MessageType::kText;
  m.content = std::move(in.content);
  m.reply_to = std::move(in.reply_to);
  m.client_id = std::move(in.client_id);
  m.created_at = now;
  messages_.post_async(std::move(request),
                       [this, actor, room_id = in.room_id, done = std::move(done)](
                           Result<PostResult> result) {
                         if (!result && result.error().code == ErrorCode::kForbidden) {
                           audit_.append(AuditEntry{"", clock_.now_ms(), "room.access_denied",
                                                    actor.user_id, actor.username, actor.client_ip,
                                                    actor.user_agent, room_id, "send message"});
                         }
                         // The sender hears first: its ack is not held up by the
                         // room's fan-out (the event is on disk either way).
                         std::optional<RoomEvent> event;
                         if (result) event = std::exchange(result->event, std::nullopt);
                         done(std::move(result));
                         if (event) bus_.publish(*event);
                       });
}

Result<PostResult> MessageService::post(const Actor& actor, NewMessage message) {
  std::optional<Result<PostResult>> out;
  std::mutex mu;
  std::condition_variable cv;
  post_async(actor, std::move(message), [&](Result<PostResult> r) {
    std::lock_guard lock(mu);
    out.emplace(std::move(r));
    cv.notify_one();
  });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return out.has_value(); });
  return std::move(*out);
}

Result<Message> MessageService::edit(const Actor& actor, const std::string& room_id,
                                     const std::string& message_id, const std::string& content) {
  if (auto e = check_text(content)) return *e;
  auto view = readable(actor, room_id);
  if (!view) return view.error();
  auto existing = messages_.find(room_id, message_id);
  if (!existing) return existing.error();
  const bool own = existing->sender_id == actor.user_id && existing->type == MessageType::kText;
  if (!own) return forbidden("only the author can edit a message");
  if (!allowed(Action::kEditOwnMessage, view->role, actor.is_admin, own)) {
    return forbidden("you cannot edit messages in this room");
  }
  auto change = messages_.edit(room_id, message_id, content, actor.user_id, clock_.now_ms());
  if (!change) return change.error();
  if (change->event) bus_.publish(*change->event);
  return change->message;
}

Result<void> MessageService::remove(const Actor& actor, const std::string& room_id,
                                    const std::string& message_id) {
  auto view = readable(actor, room_id);
  if (!view) return view.error();
  auto existing = messages_.find(room_id, message_id);
  if (!existing) return existing.error();
  if (existing->type == MessageType::kSystem) return forbidden("system messages cannot be deleted");
  const bool own = existing->sender_id == actor.user_id;
  if (!allowed(Action::kDeleteMessage, view->role, actor.is_admin, own)) {
    return forbidden("you cannot delete this message");
  }
  auto change = messages_.remove(room_id, message_id, actor.user_id, clock_.now_ms());
  if (!change) return change.error();
  if (change->event) bus_.publish(*change->event);
  return {};
}

Result<Message> MessageService::react(const Actor& actor, const std::string& room_id,
                                      const std::string& message_id, const std::string& emoji,
                                      bool add) {
  if (!is_valid_emoji(emoji)) return invalid_field("emoji", "emoji must be a short emoji sequence");
  auto view = readable(actor, room_id);
  if (!view) return view.error();
  if (!allowed(Action::kReact, view->role, actor.is_admin)) return forbidden("viewers cannot react");
  if (!rate_.try_take(actor.user_id, clock_.now_ms())) {
    Error e{ErrorCode::kRateLimited, "too many changes; slow down"};
    e.retry_after_s = 1;
    return e;
  }
  auto change = messages_.react(room_id, message_id, actor.user_id, emoji, add, clock_.now_ms());
  if (!change) return change.error();
  if (change->event) bus_.publish(*change->event);
  return change->message;
}

Result<MessagePage> MessageService::history(const Actor& actor, const HistoryQuery& query) {
  auto view = readable(actor, query.room_id);
  if (!view) return view.error();
  return messages_.history(query);
}

Result<EventPage> MessageService::events(const Actor& actor, const std::string& room_id,
                                         std::int64_t after_seq, int limit) {
  auto view = readable(actor, room_id);
  if (!view) return view.error();
  auto events = rooms_.events_after(room_id, after_seq, limit + 1);
  if (!events) return events.error();
  EventPage page;
  page.items = std::move(*events);
  if (static_cast<int>(page.items.size()) > limit) {
    page.has_more = true;
    page.items.pop_back();
  }
  return page;
}

Result<std::vector<Message>> MessageService::search(const Actor& actor, const std::string& room_id,
                                                    const std::string& query, int limit) {
  if (trim(query).empty()) return invalid_field("q", "q must not be empty");
  if (query.size() > 200 || !is_clean_utf8(query)) return invalid_field("q", "q must be short plain text");
  auto view = readable(actor, room_id);
  if (!view) return view.error();
  return messages_.search(room_id, query, limit);
}

Result<void> MessageService::mark_read(const Actor& actor, const std::string& room_id,
                                       std::int64_t seq) {
  if (seq < 0) return invalid_field("seq", "seq must not be negative");
  auto view = readable(actor, room_id);
  if (!view) return view.error();
  auto marked = messages_.mark_read(room_id, actor.user_id, std::min(seq, view->room.last_seq),
                                    clock_.now_ms());
  if (marked) room_lists_.bump();
  return marked;
}

}  // namespace tr
