#include "realtime/room_hub.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <deque>

namespace tr::realtime {
namespace {

// Records what the hub sends.
class FakeConnection final : public Connection {
 public:
  FakeConnection(std::uint64_t id, std::string user, std::string session = "s")
      : info_{id, std::move(user), "Name", std::move(session)} {}
  const ConnectionInfo& info() const override { return info_; }
  void send(Frame frame, bool) override { frames.push_back(boost::json::parse(*frame).as_object()); }
  void close(std::uint16_t code, std::string_view) override { closed_with = code; }
  bool congested() const override { return frames.size() >= congest_at; }
  void when_drained(std::function<void()> callback) override { on_drained = std::move(callback); }

  std::size_t congest_at = SIZE_MAX;
  std::function<void()> on_drained;

  std::vector<std::int64_t> seqs(const std::string& type = "message") const {
    std::vector<std::int64_t> out;
    for (const auto& f : frames) {
      if (f.at("type").as_string() == type) out.push_back(f.at("seq").as_int64());
    }
    return out;
  }
  std::vector<boost::json::object> of_type(const std::string& type) const {
    std::vector<boost::json::object> out;
    for (const auto& f : frames) if (f.at("type").as_string() == type) out.push_back(f);
    return out;
  }

  ConnectionInfo info_;
  std::vector<boost::json::object> frames;
  int closed_with = 0;
};

RoomEvent event(const std::string& room, std::int64_t seq, const std::string& type = "message",
                std::vector<std::string> affected = {}) {
  RoomEvent e;
  e.room_id = room;
  e.seq = seq;
  e.type = type;
  e.frame = boost::json::serialize(boost::json::object{{"type", type}, {"room_id", room}, {"seq", seq}});
  e.affected_user_ids = std::move(affected);
  return e;
}

class RoomHubTest : public ::testing::Test {
 protected:
  RoomHubTest()
      : hub_([this](const std::string& room, std::int64_t after, int limit) -> Result<std::vector<RoomEvent>> {
               reads++;
               std::vector<RoomEvent> out;
               for (const auto& e : store_[room]) {
                 if (e.seq > after && static_cast<int>(out.size()) < limit) out.push_back(e);
               }
               return out;
             },
             [this](const std::string& room) -> Result<std::vector<std::string>> { return members_[room]; },
             [this](std::function<void()> work) { queued_.push_back(std::move(work)); }, clock_,
             HubOptions{.catch_up_page = 3}) {}

  // Commits an event to the fake store (does not publish).
  RoomEvent commit(const std::string& room, const std::string& type = "message",
                   std::vector<std::string> affected = {}) {
    auto e = event(room, static_cast<std::int64_t>(store_[room].size()) + 1, type, std::move(affected));
    store_[room].push_back(e);
    return e;
  }
  void run_queued() {
    while (!queued_.empty()) {
      auto work = std::move(queued_.front());
      queued_.pop_front();
      work();
    }
  }
  std::shared_ptr<FakeConnection> connect(std::uint64_t id, const std::string& user,
                                          const std::string& session = "s") {
    auto c = std::make_shared<FakeConnection>(id, user, session);
    hub_.add_connection(c);
    return c;
  }
  std::int64_t last_seq(const std::string& room) { return static_cast<std::int64_t>(store_[room].size()); }

  ManualClock clock_;
  std::map<std::string, std::vector<RoomEvent>> store_;
  std::map<std::string, std::vector<std::string>> members_;
  std::deque<std::function<void()>> queued_;
  int reads = 0;
  RoomHub hub_;
};

TEST_F(RoomHubTest, SubscribeReplaysMissedEventsInPagesThenGoesLive) {
  for (int i = 0; i < 7; ++i) commit("r1");
  auto c = connect(1, "alice");
  hub_.subscribe(1, "r1", last_seq("r1"), 2);
  ASSERT_EQ(c->frames.front().at("type").as_string(), "subscribed");
  EXPECT_EQ(c->frames.front().at("last_seq").as_int64(), 7);
  run_queued();
  EXPECT_EQ(c->seqs(), (std::vector<std::int64_t>{3, 4, 5, 6, 7}));
  hub_.publish(commit("r1"));
  EXPECT_EQ(c->seqs().back(), 8);
  EXPECT_TRUE(queued_.empty());
}

TEST_F(RoomHubTest, LiveEventsDuringCatchUpAreNeitherLostNorDuplicated) {
  for (int i = 0; i < 4; ++i) commit("r1");
  auto c = connect(1, "alice");
  hub_.subscribe(1, "r1", 4, 0);
  // Two commits are published before the catch-up read runs.
  hub_.publish(commit("r1"));
  hub_.publish(commit("r1"));
  run_queued();
  EXPECT_EQ(c->seqs(), (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));
}

TEST_F(RoomHubTest, CatchUpFollowsTheClientsPace) {
  for (int i = 0; i < 10; ++i) commit("r1");
  auto c = connect(1, "alice");
  c->congest_at = 4;  // "subscribed" + 3 events fill the queue
  hub_.subscribe(1, "r1", 10, 0);
  run_queued();
  EXPECT_EQ(c->seqs(), (std::vector<std::int64_t>{1, 2, 3}));
  ASSERT_TRUE(c->on_drained);
  c->frames.clear();  // the client read everything
  c->congest_at = SIZE_MAX;
  auto drained = std::move(c->on_drained);
  drained();
  run_queued();
  EXPECT_EQ(c->seqs(), (std::vector<std::int64_t>{4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(c->closed_with, 0);
}

TEST_F(RoomHubTest, OutOfOrderPublicationIsDeliveredInOrder) {
  auto c = connect(1, "alice");
  hub_.subscribe(1, "r1", 0, -1);
  run_queued();
  auto e1 = commit("r1");
  auto e2 = commit("r1");
  hub_.publish(e2);  // the second commit is published first
  hub_.publish(e1);
  run_queued();
  EXPECT_EQ(c->seqs(), (std::vector<std::int64_t>{1, 2}));
}

TEST_F(RoomHubTest, TwoSubscribersEachGetEveryEventOnce) {
  auto a = connect(1, "alice");
  auto b = connect(2, "bob");
  hub_.subscribe(1, "r1", 0, -1);
  hub_.subscribe(2, "r1", 0, -1);
  run_queued();
  for (int i = 0; i < 5; ++i) hub_.publish(commit("r1"));
  EXPECT_EQ(a->seqs(), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(b->seqs(), a->seqs());
}

TEST_F(RoomHubTest, PresenceOnFirstSubscriptionAndAfterTheLastGoes) {
  auto a = connect(1, "alice");
  hub_.subscribe(1, "r1", 0, -1);
  auto b1 = connect(2, "bob");
  auto b2 = connect(3, "bob");
  hub_.subscribe(2, "r1", 0, -1);
  hub_.subscribe(3, "r1", 0, -1);
  auto online = a->of_type("presence");
  ASSERT_EQ(online.size(), 1u);  // bob's second device adds nothing
  EXPECT_EQ(online[0].at("user_id").as_string(), "bob");
  EXPECT_TRUE(online[0].at("online").as_bool());
  EXPECT_EQ(b1->of_type("presence").size(), 1u);  // told that alice is online
  hub_.remove_connection(2);
  EXPECT_EQ(a->of_type("presence").size(), 1u);
  hub_.remove_connection(3);
  ASSERT_EQ(a->of_type("presence").size(), 2u);
  EXPECT_FALSE(a->of_type("presence")[1].at("online").as_bool());
}

TEST_F(RoomHubTest, TypingIsThrottledAndExpiresWithAnExplicitFalse) {
  auto a = connect(1, "alice");
  auto b = connect(2, "bob");
  hub_.subscribe(1, "r1", 0, -1);
  hub_.subscribe(2, "r1", 0, -1);
  hub_.typing(1, "r1", true);
  hub_.typing(1, "r1", true);  // within the throttle: not re-sent
  ASSERT_EQ(b->of_type("typing").size(), 1u);
  EXPECT_TRUE(a->of_type("typing").empty());
  clock_.advance_ms(4000);
  hub_.tick();
  EXPECT_EQ(b->of_type("typing").size(), 1u);  // refreshed at 0 s, not expired yet
  clock_.advance_ms(1100);
  hub_.tick();
  auto typing = b->of_type("typing");
  ASSERT_EQ(typing.size(), 2u);
  EXPECT_FALSE(typing[1].at("is_typing").as_bool());
  const auto before = a->frames.size();
  hub_.typing(2, "r2", true);  // not subscribed there: ignored
  EXPECT_EQ(a->frames.size(), before);
}

TEST_F(RoomHubTest, RoomActivityReachesConnectedMembersWhoAreNotSubscribed) {
  members_["r1"] = {"alice", "carol"};
  auto carol = connect(5, "carol");
  auto outsider = connect(6, "mallory");
  hub_.publish(commit("r1"));
  auto activity = carol->of_type("room_activity");
  ASSERT_EQ(activity.size(), 1u);
  EXPECT_EQ(activity[0].at("last_seq").as_int64(), 1);
  EXPECT_TRUE(outsider->frames.empty());
}

TEST_F(RoomHubTest, RemovedMembersStopReceivingAtOnce) {
  auto b = connect(2, "bob");
  hub_.subscribe(2, "r1", 0, -1);
  run_queued();
  hub_.publish(commit("r1", "member_removed", {"bob"}));
  hub_.publish(commit("r1"));
  EXPECT_EQ(b->seqs("member_removed"), (std::vector<std::int64_t>{1}));
  EXPECT_TRUE(b->seqs().empty());
  EXPECT_FALSE(hub_.is_subscribed(2, "r1"));
}

TEST_F(RoomHubTest, ClosingASessionClosesOnlyItsConnections) {
  auto a = connect(1, "alice", "session-a");
  auto a2 = connect(2, "alice", "session-b");
  hub_.close_session("session-a");
  EXPECT_EQ(a->closed_with, 4401);
  EXPECT_EQ(a2->closed_with, 0);
}

}  // namespace
}  // namespace tr::realtime
