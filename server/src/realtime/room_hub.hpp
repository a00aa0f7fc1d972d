#pragma once
// RoomHub: who is subscribed to which room, and delivery of room events to
// them — in seq order, each exactly once, with catch-up from the store.
//
// Delivery model: every subscription keeps a cursor (the last seq sent).
// A live event is sent at once when it is the next one; an event beyond a
// gap (events can be published out of order by concurrent commits, or be
// missed by a reconnecting client) switches the subscription to catch-up:
// the store is read from the cursor on (in pages, on the worker pool) until
// the subscription has everything, then it goes live again. So the store is
// the source of truth and the live path only makes delivery fast.
//
// Also: presence (a user's first subscription to a room → online, last one
// gone → offline), typing (throttled, expiring after 5 s with an explicit
// is_typing:false), room_activity to every connected member of the room
// who is not subscribed to it (subscribers get the event itself), closing a revoked session's connections (4401) and
// stopping delivery to removed members at once.
//
// Thread-safe. Never blocks on a connection (Connection::send queues) and
// never holds its lock while sending.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "domain/room_event.hpp"
#include "realtime/connection.hpp"

namespace tr::realtime {

// Reads stored events with seq > after, in seq order, at most `limit`.
using EventReader =
    std::function<Result<std::vector<RoomEvent>>(const std::string& room_id, std::int64_t after,
                                                 int limit)>;
// The user ids of a room's members (for room_activity).
using MemberLister = std::function<Result<std::vector<std::string>>(const std::string& room_id)>;
// Runs blocking work off the caller's thread (the worker pool).
using BlockingRunner = std::function<void(std::function<void()>)>;

struct HubOptions {
  int catch_up_page = 200;
  EpochMs typing_ttl_ms = 5000;
  EpochMs typing_throttle_ms = 1500;  // repeated is_typing:true is re-sent at most this often
};

class RoomHub {
 public:
  RoomHub(EventReader read_events, MemberLister list_members, BlockingRunner run_blocking,
          const Clock& clock, HubOptions options = {});
  ~RoomHub();

  void add_connection(const std::shared_ptr<Connection>& conn);
  // Drops every subscription of the connection (presence offline if last).
  void remove_connection(std::uint64_t connection_id);

  // Subscribes; the caller has checked that the user may read the room.
  // Sends `subscribed {room_id, last_seq}`, then every event with
  // seq > since_seq in order (since_seq < 0: only events after last_seq).
  void subscribe(std::uint64_t connection_id, const std::string& room_id, std::int64_t last_seq,
                 std::int64_t since_seq);
  void unsubscribe(std::uint64_t connection_id, const std::string& room_id);
  bool is_subscribed(std::uint64_t connection_id, const std::string& room_id) const;

  // A committed event (from the EventBus).
  void publish(const RoomEvent& event);

  // A typing indicator from a subscribed connection.
  void typing(std::uint64_t connection_id, const std::string& room_id, bool is_typing);
  // Expires typing indicators; call about once a second.
  void tick();

  // Closes every connection of the session with 4401.
  void close_session(const std::string& session_id);
  // Closes every connection (server shutdown: 1001 going away).
  void close_all(std::uint16_t code, std::string_view reason);

  std::size_t connection_count() const;

 private:
  class Subscription;
  struct RoomState {
    std::vector<std::shared_ptr<Subscription>> subs;
    std::map<std::string, int> online;  // user id -> subscriptions
    struct Typing {
      std::string display_name;
      EpochMs expires_at = 0;
      EpochMs last_sent = 0;
    };
    std::map<std::string, Typing> typing;  // user id -> state
  };
  struct ConnState {
    std::weak_ptr<Connection> conn;
    ConnectionInfo info;
    std::set<std::string> rooms;
  };

  void schedule_catch_up(const std::shared_ptr<Subscription>& sub);
  void catch_up(const std::shared_ptr<Subscription>& sub);
  // Removes one subscription; returns frames to broadcast (presence).
  void drop_subscription_locked(std::uint64_t connection_id, const std::string& room_id,
                                std::vector<std::pair<std::string, Frame>>& broadcasts);
  void broadcast(const std::string& room_id, const Frame& frame, bool ephemeral,
                 std::uint64_t except_connection = 0);
  using MemberIds = std::shared_ptr<const std::vector<std::string>>;
  MemberIds members_of(const std::string& room_id);

  EventReader read_events_;
  MemberLister list_members_;
  BlockingRunner run_blocking_;
  const Clock& clock_;
  HubOptions options_;

  mutable std::mutex mu_;
  std::unordered_map<std::string, RoomState> rooms_;               // guarded by mu_
  std::unordered_map<std::uint64_t, ConnState> connections_;       // guarded by mu_
  std::unordered_map<std::string, std::set<std::uint64_t>> by_user_;  // guarded by mu_

  std::mutex members_mu_;
  std::unordered_map<std::string, MemberIds> members_cache_;  // guarded by members_mu_
};

}  // namespace tr::realtime
