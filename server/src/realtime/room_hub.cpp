#include "realtime/room_hub.hpp"

#include <boost/json.hpp>

#include "core/flush_scope.hpp"

namespace tr::realtime {
namespace {

Frame presence_frame(const std::string& room_id, const std::string& user_id, bool online) {
  return make_frame(boost::json::serialize(boost::json::object{
      {"type", "presence"}, {"room_id", room_id}, {"user_id", user_id}, {"online", online}}));
}

Frame typing_frame(const std::string& room_id, const std::string& user_id,
                   const std::string& display_name, bool is_typing) {
  return make_frame(boost::json::serialize(boost::json::object{{"type", "typing"},
                                                               {"room_id", room_id},
                                                               {"user_id", user_id},
                                                               {"display_name", display_name},
                                                               {"is_typing", is_typing}}));
}

}  // namespace

// One connection's subscription to one room, with its delivery cursor.
// Thread-safe; sends happen under its own small lock so that frames leave
// in seq order whichever thread delivers them.
class RoomHub::Subscription {
 public:
  Subscription(std::weak_ptr<Connection> conn, std::uint64_t connection_id, std::string room_id,
               std::string user_id, std::int64_t cursor)
      : conn_(std::move(conn)), connection_id_(connection_id), room_id_(std::move(room_id)),
        user_id_(std::move(user_id)), cursor_(cursor) {}

  std::uint64_t connection_id() const { return connection_id_; }
  const std::string& room_id() const { return room_id_; }
  const std::string& user_id() const { return user_id_; }
  std::shared_ptr<Connection> connection() const { return conn_.lock(); }

  // Sends the `subscribed` frame; must be the first thing the client sees.
  void start(const Frame& subscribed) {
    std::lock_guard lock(mu_);
    if (auto c = conn_.lock()) c->send(subscribed, false);
  }

  // A live event. Returns true when a catch-up read is needed.
  bool offer(std::int64_t seq, const Frame& frame) {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    if (catching_up_) {
      if (seq > cursor_) more_ = true;
      return false;
    }
    if (seq <= cursor_) return false;  // already sent
    if (seq == cursor_ + 1) {
      cursor_ = seq;
      if (auto c = conn_.lock()) c->send(frame, false);
      return false;
    }
    catching_up_ = true;  // a gap: read the missing events from the store
    return true;
  }

  std::int64_t cursor() const {
    std::lock_guard lock(mu_);
    return cursor_;
  }

  enum class Progress { kDone, kMore, kWaitForDrain };

  // Events read from the store after cursor(). Sends them in order until the
  // connection's queue is congested (catch-up follows the client's pace and
  // never overflows its queue). kMore: read again (a full page, or live
  // events arrived meanwhile); kWaitForDrain: read again once drained.
  Progress deliver(const std::vector<RoomEvent>& events, bool page_full) {
    std::lock_guard lock(mu_);
    auto c = conn_.lock();
    if (closed_ || !c) return Progress::kDone;
    for (const auto& e : events) {
      if (e.seq != cursor_ + 1) continue;
      if (c->congested()) return Progress::kWaitForDrain;
      cursor_ = e.seq;
      c->send(make_frame(e.frame), false);
    }
    if (page_full || more_) {
      more_ = false;
      return Progress::kMore;
    }
    catching_up_ = false;
    return Progress::kDone;
  }

  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
  }

 private:
  std::weak_ptr<Connection> conn_;
  const std::uint64_t connection_id_;
  const std::string room_id_;
  const std::string user_id_;
  mutable std::mutex mu_;
  std::int64_t cursor_;       // guarded by mu_
  bool catching_up_ = true;   // guarded by mu_; every subscription starts with one read
  bool more_ = false;         // guarded by mu_
  bool closed_ = false;       // guarded by mu_
};

RoomHub::RoomHub(EventReader read_events, MemberLister list_members, BlockingRunner run_blocking,
                 const Clock& clock, HubOptions options)
    : read_events_(std::move(read_events)), list_members_(std::move(list_members)),
      run_blocking_(std::move(run_blocking)), clock_(clock), options_(options) {}

RoomHub::~RoomHub() = default;

void RoomHub::add_connection(const std::shared_ptr<Connection>& conn) {
  std::lock_guard lock(mu_);
  const auto& info = conn->info();
  connections_[info.connection_id] = ConnState{conn, info, {}};
  by_user_[info.user_id].insert(info.connection_id);
}

void RoomHub::remove_connection(std::uint64_t connection_id) {
  std::vector<std::pair<std::string, Frame>> broadcasts;
  {
    std::lock_guard lock(mu_);
    auto it = connections_.find(connection_id);
    if (it == connections_.end()) return;
    const auto rooms = it->second.rooms;
    for (const auto& room_id : rooms) drop_subscription_locked(connection_id, room_id, broadcasts);
    auto user = by_user_.find(it->second.info.user_id);
    if (user != by_user_.end()) {
      user->second.erase(connection_id);
      if (user->second.empty()) by_user_.erase(user);
    }
    connections_.erase(it);
  }
  for (const auto& [room_id, frame] : broadcasts) broadcast(room_id, frame, true);
}

void RoomHub::drop_subscription_locked(std::uint64_t connection_id, const std::string& room_id,
                                       std::vector<std::pair<std::string, Frame>>& broadcasts) {
  auto conn = connections_.find(connection_id);
  if (conn == connections_.end() || !conn->second.rooms.erase(room_id)) return;
  auto room_it = rooms_.find(room_id);
  if (room_it == rooms_.end()) return;
  RoomState& room = room_it->second;
  for (auto it = room.subs.begin(); it != room.subs.end(); ++it) {
    if ((*it)->connection_id() == connection_id) {
      (*it)->close();
      room.subs.erase(it);
      break;
    }
  }
  const std::string& user_id = conn->second.info.user_id;
  if (--room.online[user_id] <= 0) {
    room.online.erase(user_id);
    if (room.typing.erase(user_id)) {
      broadcasts.emplace_back(room_id, typing_frame(room_id, user_id, conn->second.info.display_name, false));
    }
    broadcasts.emplace_back(room_id, presence_frame(room_id, user_id, false));
  }
  if (room.subs.empty()) rooms_.erase(room_it);
}

void RoomHub::subscribe(std::uint64_t connection_id, const std::string& room_id,
                        std::int64_t last_seq, std::int64_t since_seq) {
  const std::int64_t cursor = since_seq < 0 ? last_seq : std::min(since_seq, last_seq);
  std::shared_ptr<Subscription> sub;
  std::vector<Frame> others_online;
  bool came_online = false;
  std::string user_id;
  {
    std::lock_guard lock(mu_);
    auto conn = connections_.find(connection_id);
    if (conn == connections_.end()) return;
    if (conn->second.rooms.count(room_id)) return;  // already subscribed
    user_id = conn->second.info.user_id;
    sub = std::make_shared<Subscription>(conn->second.conn, connection_id, room_id, user_id, cursor);
    sub->start(make_frame(boost::json::serialize(boost::json::object{
        {"type", "subscribed"}, {"room_id", room_id}, {"last_seq", last_seq}})));
    RoomState& room = rooms_[room_id];
    for (const auto& [uid, count] : room.online) {
      if (uid != user_id) others_online.push_back(presence_frame(room_id, uid, true));
    }
    came_online = room.online[user_id]++ == 0;
    room.subs.push_back(sub);
    conn->second.rooms.insert(room_id);
  }
  if (auto c = sub->connection()) {
    for (const auto& f : others_online) c->send(f, true);
  }
  if (came_online) broadcast(room_id, presence_frame(room_id, user_id, true), true, connection_id);
  schedule_catch_up(sub);
}

void RoomHub::unsubscribe(std::uint64_t connection_id, const std::string& room_id) {
  std::vector<std::pair<std::string, Frame>> broadcasts;
  {
    std::lock_guard lock(mu_);
    drop_subscription_locked(connection_id, room_id, broadcasts);
  }
  for (const auto& [rid, frame] : broadcasts) broadcast(rid, frame, true);
}

bool RoomHub::is_subscribed(std::uint64_t connection_id, const std::string& room_id) const {
  std::lock_guard lock(mu_);
  auto it = connections_.find(connection_id);
  return it != connections_.end() && it->second.rooms.count(room_id) > 0;
}

void RoomHub::schedule_catch_up(const std::shared_ptr<Subscription>& sub) {
  run_blocking_([this, sub] { catch_up(sub); });
}

void RoomHub::catch_up(const std::shared_ptr<Subscription>& sub) {
  auto wait_for_drain = [this, sub] {
    if (auto c = sub->connection()) c->when_drained([this, sub] { schedule_catch_up(sub); });
  };
  for (;;) {
    auto c = sub->connection();
    if (!c) return;
    if (c->congested()) return wait_for_drain();
    auto events = read_events_(sub->room_id(), sub->cursor(), options_.catch_up_page);
    if (!events) {
      c->close(1011, "the timeline could not be read");
      return;
    }
    const bool full = static_cast<int>(events->size()) >= options_.catch_up_page;
    Subscription::Progress progress;
    {
      FlushScope scope;  // the page goes out in one write, from this thread
      progress = sub->deliver(*events, full);
    }
    switch (progress) {
      case Subscription::Progress::kDone: return;
      case Subscription::Progress::kMore: continue;
      case Subscription::Progress::kWaitForDrain: return wait_for_drain();
    }
  }
}

void RoomHub::publish(const RoomEvent& event) {
  FlushScope scope;  // each connection's frames go out in one write, from this thread
  const Frame frame = make_frame(event.frame);
  std::vector<std::shared_ptr<Subscription>> subs;
  {
    std::lock_guard lock(mu_);
    auto it = rooms_.find(event.room_id);
    if (it != rooms_.end()) subs = it->second.subs;
  }
  for (const auto& sub : subs) {
    if (sub->offer(event.seq, frame)) schedule_catch_up(sub);
    FlushScope::flush_if_many();
  }

  const bool membership_changed = event.type == "member_added" || event.type == "member_removed";
  if (membership_changed) {
    std::lock_guard lock(members_mu_);
    members_cache_.erase(event.room_id);
  }
  if (event.type == "member_removed") {
    // Delivery to removed members stops now (they received this event).
    std::vector<std::pair<std::string, Frame>> broadcasts;
    {
      std::lock_guard lock(mu_);
      for (const auto& user_id : event.affected_user_ids) {
        auto user = by_user_.find(user_id);
        if (user == by_user_.end()) continue;
        const auto conns = user->second;
        for (auto id : conns) drop_subscription_locked(id, event.room_id, broadcasts);
      }
    }
    for (const auto& [rid, f] : broadcasts) broadcast(rid, f, true);
  }

  // room_activity: connected members not subscribed to the room (unread
  // badges); subscribers have just received the event itself.
  std::vector<std::shared_ptr<Connection>> targets;
  const MemberIds members = members_of(event.room_id);
  {
    std::lock_guard lock(mu_);
    for (const auto& user_id : *members) {
      auto user = by_user_.find(user_id);
      if (user == by_user_.end()) continue;
      for (auto id : user->second) {
        auto conn = connections_.find(id);
        if (conn == connections_.end() || conn->second.rooms.count(event.room_id)) continue;
        if (auto c = conn->second.conn.lock()) targets.push_back(std::move(c));
      }
    }
  }
  if (targets.empty()) return;
  const Frame activity = make_frame(boost::json::serialize(boost::json::object{
      {"type", "room_activity"}, {"room_id", event.room_id}, {"last_seq", event.seq}}));
  for (const auto& c : targets) c->send(activity, true);
}

// Shared, not copied: a room of 500 members is read on every event.
RoomHub::MemberIds RoomHub::members_of(const std::string& room_id) {
  {
    std::lock_guard lock(members_mu_);
    auto it = members_cache_.find(room_id);
    if (it != members_cache_.end()) return it->second;
  }
  auto listed = list_members_(room_id);
  if (!listed) return std::make_shared<const std::vector<std::string>>();
  auto ids = std::make_shared<const std::vector<std::string>>(std::move(*listed));
  std::lock_guard lock(members_mu_);
  if (members_cache_.size() > 10'000) members_cache_.clear();
  members_cache_[room_id] = ids;
  return ids;
}

void RoomHub::typing(std::uint64_t connection_id, const std::string& room_id, bool is_typing) {
  Frame frame;
  {
    std::lock_guard lock(mu_);
    auto conn = connections_.find(connection_id);
    if (conn == connections_.end() || !conn->second.rooms.count(room_id)) return;
    RoomState& room = rooms_[room_id];
    const auto& info = conn->second.info;
    const EpochMs now = clock_.now_ms();
    auto existing = room.typing.find(info.user_id);
    if (is_typing) {
      if (existing != room.typing.end() &&
          now - existing->second.last_sent < options_.typing_throttle_ms) {
        existing->second.expires_at = now + options_.typing_ttl_ms;
        return;  // throttled: still typing, nothing new to say
      }
      room.typing[info.user_id] = RoomState::Typing{info.display_name, now + options_.typing_ttl_ms, now};
    } else {
      if (existing == room.typing.end()) return;
      room.typing.erase(existing);
    }
    frame = typing_frame(room_id, info.user_id, info.display_name, is_typing);
  }
  broadcast(room_id, frame, true, connection_id);
}

void RoomHub::tick() {
  std::vector<std::pair<std::string, Frame>> expired;
  {
    std::lock_guard lock(mu_);
    const EpochMs now = clock_.now_ms();
    for (auto& [room_id, room] : rooms_) {
      for (auto it = room.typing.begin(); it != room.typing.end();) {
        if (it->second.expires_at <= now) {
          expired.emplace_back(room_id, typing_frame(room_id, it->first, it->second.display_name, false));
          it = room.typing.erase(it);
        } else {
          ++it;
        }
      }
    }
  }
  for (const auto& [room_id, frame] : expired) broadcast(room_id, frame, true);
}

void RoomHub::broadcast(const std::string& room_id, const Frame& frame, bool ephemeral,
                        std::uint64_t except_connection) {
  std::vector<std::shared_ptr<Connection>> targets;
  {
    std::lock_guard lock(mu_);
    auto it = rooms_.find(room_id);
    if (it == rooms_.end()) return;
    for (const auto& sub : it->second.subs) {
      if (sub->connection_id() == except_connection) continue;
      if (auto c = sub->connection()) targets.push_back(std::move(c));
    }
  }
  for (const auto& c : targets) c->send(frame, ephemeral);
}

void RoomHub::close_session(const std::string& session_id) {
  std::vector<std::shared_ptr<Connection>> targets;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, state] : connections_) {
      if (state.info.session_id != session_id) continue;
      if (auto c = state.conn.lock()) targets.push_back(std::move(c));
    }
  }
  for (const auto& c : targets) c->close(4401, "session ended");
}

void RoomHub::close_all(std::uint16_t code, std::string_view reason) {
  std::vector<std::shared_ptr<Connection>> targets;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, state] : connections_) {
      if (auto c = state.conn.lock()) targets.push_back(std::move(c));
    }
  }
  for (const auto& c : targets) c->close(code, reason);
}

std::size_t RoomHub::connection_count() const {
  std::lock_guard lock(mu_);
  return connections_.size();
}

}  // namespace tr::realtime
