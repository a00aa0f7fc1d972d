// Contract suite for the SQL MessageStore on SQLite and PostgreSQL: group
// commit keeps every post's own answer (a refused post never disturbs the
// rest of its batch), seqs stay gap-free, client_id is idempotent, and edits,
// deletions, reactions, history, search and read positions behave alike.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <future>
#include <set>
#include <thread>

#include "adapters/sql/sql_message_store.hpp"
#include "adapters/sql/sql_room_store.hpp"
#include "contract/test_database.hpp"
#include "core/ids.hpp"

namespace tr {
namespace {

using testing::Backend;

constexpr EpochMs kT0 = 1'760'000'000'000;

class MessageStoreContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<testing::TestDatabase>(GetParam(), 6);
    rooms_ = std::make_unique<sql::SqlRoomStore>(db_->db());
    messages_ = std::make_unique<sql::SqlMessageStore>(db_->db());
    for (const auto& [id, name] : {std::pair{"u_owner", "王小明"}, std::pair{"u_viewer", "陳美玲"},
                                   std::pair{"u_stranger", "Outsider"}}) {
      auto s = db_->db().acquire();
      const std::string user_id = id, display = name;
      const long long at = kT0;
      *s << "INSERT INTO users (user_id, username, username_key, display_name, source, "
            "created_at, updated_at) VALUES (:id, :u, :k, :d, 'local', :c, :m)",
          soci::use(user_id), soci::use(user_id), soci::use(user_id), soci::use(display),
          soci::use(at), soci::use(at);
    }
    room_id_ = create_room("沖壓機異常停機");
  }

  std::string create_room(const std::string& title) {
    Room r;
    r.room_id = new_id();
    r.title = title;
    r.created_by = "u_owner";
    r.created_at = r.updated_at = r.last_activity_at = kT0;
    std::vector<Member> members;
    for (const auto& [id, role] : {std::pair{"u_owner", Role::kOwner}, std::pair{"u_viewer", Role::kViewer}}) {
      Member m;
      m.room_id = r.room_id;
      m.user_id = id;
      m.role = role;
      m.added_at = kT0;
      m.added_by = "u_owner";
      members.push_back(m);
    }
    EXPECT_TRUE(rooms_->create(r, members, EventBatch{"u_owner", kT0, {}}));
    return r.room_id;
  }

  PostRequest post(const std::string& sender, const std::string& text,
                   std::optional<std::string> client_id = std::nullopt,
                   const std::string& room_id = "") {
    PostRequest req;
    req.message.message_id = new_id();
    req.message.room_id = room_id.empty() ? room_id_ : room_id;
    req.message.sender_id = sender;
    req.message.type = MessageType::kText;
    req.message.content = text;
    req.message.client_id = std::move(client_id);
    req.message.created_at = kT0 + 1;
    return req;
  }

  // Queues every request before waiting, so they share group commits.
  std::vector<Result<PostResult>> post_together(std::vector<PostRequest> requests) {
    std::vector<std::promise<Result<PostResult>>> promises(requests.size());
    std::vector<std::future<Result<PostResult>>> futures;
    for (auto& p : promises) futures.push_back(p.get_future());
    for (std::size_t i = 0; i < requests.size(); ++i) {
      messages_->post_async(std::move(requests[i]), [&promises, i](Result<PostResult> r) {
        promises[i].set_value(std::move(r));
      });
    }
    std::vector<Result<PostResult>> out;
    for (auto& f : futures) out.push_back(f.get());
    return out;
  }

  std::vector<std::int64_t> event_seqs(const std::string& room_id) {
    auto events = rooms_->events_after(room_id, 0, 10'000);
    EXPECT_TRUE(events);
    std::vector<std::int64_t> seqs;
    if (events) {
      for (const auto& e : *events) seqs.push_back(e.seq);
    }
    return seqs;
  }

  std::unique_ptr<testing::TestDatabase> db_;
  std::unique_ptr<sql::SqlRoomStore> rooms_;
  std::unique_ptr<sql::SqlMessageStore> messages_;
  std::string room_id_;
};

void expect_gap_free(const std::vector<std::int64_t>& seqs) {
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    ASSERT_EQ(seqs[i], static_cast<std::int64_t>(i + 1)) << "seq gap or duplicate at " << i;
  }
}

TEST_P(MessageStoreContract, RefusedPostsLeaveTheirBatchIntact) {
  const std::string archived_room = create_room("Archived");
  {
    auto room = rooms_->find(archived_room, "u_owner").value().room;
    room.status = RoomStatus::kArchived;
    room.archived_at = kT0 + 1;
    ASSERT_TRUE(rooms_->update(room, room.version, EventBatch{"u_owner", kT0 + 1, {RoomUpdated{}}}));
  }
  auto reply_to_nothing = post("u_owner", "re: ?");
  reply_to_nothing.message.reply_to = "no-such-message";
  auto results = post_together({
      post("u_owner", "first"),
      post("u_viewer", "viewers cannot send"),
      post("u_stranger", "not a member"),
      post("u_owner", "to an archived room", std::nullopt, archived_room),
      post("u_owner", "to no room", std::nullopt, "no-such-room"),
      std::move(reply_to_nothing),
      post("u_owner", "second", "c-1"),
      post("u_owner", "second again", "c-1"),
      post("u_owner", "third"),
  });
  ASSERT_EQ(results.size(), 9u);
  ASSERT_TRUE(results[0]);
  EXPECT_EQ(results[0]->message.seq, 1);
  EXPECT_EQ(results[0]->message.sender_name, "王小明");
  EXPECT_EQ(results[1].error().code, ErrorCode::kForbidden);
  EXPECT_EQ(results[2].error().code, ErrorCode::kForbidden);
  EXPECT_EQ(results[3].error().code, ErrorCode::kRoomArchived);
  EXPECT_EQ(results[4].error().code, ErrorCode::kForbidden);  // not a member of a room that is not
  EXPECT_EQ(results[5].error().code, ErrorCode::kValidationFailed);
  ASSERT_TRUE(results[6]);
  ASSERT_TRUE(results[7]);
  EXPECT_TRUE(results[7]->duplicate);
  EXPECT_EQ(results[7]->message.message_id, results[6]->message.message_id);
  EXPECT_EQ(results[7]->message.content, "second");
  ASSERT_TRUE(results[8]);
  EXPECT_EQ(results[8]->message.seq, 3);
  expect_gap_free(event_seqs(room_id_));
  EXPECT_EQ(event_seqs(room_id_).size(), 3u);
  EXPECT_EQ(event_seqs(archived_room).size(), 1u);  // only the room update
}

// A sender's later posts in a batch reuse what was read about them for the
// first one; their client_ids are still checked against earlier batches.
TEST_P(MessageStoreContract, ASendersLaterPostsInABatchStillFindEarlierClientIds) {
  auto stored = post_together({post("u_owner", "stored earlier", "c-9")});
  ASSERT_TRUE(stored[0]);
  auto results = post_together({
      post("u_owner", "first of the batch", "c-10"),
      post("u_owner", "a retry of the earlier one", "c-9"),
      post("u_owner", "new", "c-11"),
      post("u_viewer", "viewers cannot send"),
      post("u_viewer", "still cannot", "c-12"),
  });
  ASSERT_TRUE(results[0]);
  ASSERT_TRUE(results[1]);
  EXPECT_TRUE(results[1]->duplicate);
  EXPECT_EQ(results[1]->message.message_id, stored[0]->message.message_id);
  EXPECT_EQ(results[1]->message.content, "stored earlier");
  ASSERT_TRUE(results[2]);
  EXPECT_FALSE(results[2]->duplicate);
  EXPECT_EQ(results[2]->message.seq, results[0]->message.seq + 1);
  EXPECT_EQ(results[3].error().code, ErrorCode::kForbidden);
  EXPECT_EQ(results[4].error().code, ErrorCode::kForbidden);
  expect_gap_free(event_seqs(room_id_));
  EXPECT_EQ(event_seqs(room_id_).size(), 3u);
}

// Many retries in one batch, next to new posts: each is found by room, sender
// and client_id (the same client_id from another sender, or in another room,
// is another post).
TEST_P(MessageStoreContract, ABatchOfRetriesFindsEveryEarlierPost) {
  std::vector<PostRequest> first;
  for (int i = 0; i < 45; ++i) {
    first.push_back(post("u_owner", "first " + std::to_string(i), "r-" + std::to_string(i)));
  }
  const auto stored = post_together(std::move(first));
  const std::string other_room = create_room("第二條產線");

  std::vector<PostRequest> again;
  std::vector<int> retry_of;  // by position in `again`: the earlier post, or -1 for a new one
  for (int i = 44; i >= 0; --i) {
    again.push_back(post("u_owner", "retry", "r-" + std::to_string(i)));
    retry_of.push_back(i);
    if (i % 9 == 0) {
      again.push_back(post("u_owner", "new", "n-" + std::to_string(i)));
      retry_of.push_back(-1);
    }
  }
  PostRequest admin = post("u_stranger", "an admin's own", "r-0");
  admin.sender_is_admin = true;
  again.push_back(std::move(admin));
  retry_of.push_back(-1);
  again.push_back(post("u_owner", "in the other room", "r-1", other_room));
  retry_of.push_back(-1);

  const auto results = post_together(std::move(again));
  ASSERT_EQ(results.size(), retry_of.size());
  for (std::size_t k = 0; k < results.size(); ++k) {
    ASSERT_TRUE(results[k]) << k;
    if (retry_of[k] < 0) {
      EXPECT_FALSE(results[k]->duplicate) << k;
      continue;
    }
    const auto& earlier = stored[static_cast<std::size_t>(retry_of[k])];
    ASSERT_TRUE(earlier);
    EXPECT_TRUE(results[k]->duplicate) << k;
    EXPECT_EQ(results[k]->message.message_id, earlier->message.message_id) << k;
    EXPECT_EQ(results[k]->message.content, earlier->message.content) << k;
  }
  expect_gap_free(event_seqs(room_id_));
  EXPECT_EQ(event_seqs(room_id_).size(), 45u + 5u + 1u);
}

// A batch's events reach each reader of the room at once: however many large
// posts wait, a batch holds at most 256 KiB of text, well under a WebSocket
// reader's queue bound. (Without the limit, the 99 posts that queue up
// behind the first commit would go in one batch of 790 KB.)
TEST_P(MessageStoreContract, ABatchHoldsAtMostAQuarterMebibyteOfText) {
  const std::uint64_t before = messages_->batches_committed();
  std::vector<PostRequest> requests;
  for (int i = 0; i < 100; ++i) {
    requests.push_back(post("u_owner", std::string(8000, 'x') + std::to_string(i)));
  }
  auto results = post_together(std::move(requests));
  for (const auto& r : results) ASSERT_TRUE(r) << r.error().message;
  EXPECT_GE(messages_->batches_committed() - before, 4u)
      << "800 KB of text in batches of 256 KiB at most";
  expect_gap_free(event_seqs(room_id_));
  EXPECT_EQ(event_seqs(room_id_).size(), 100u);
}

TEST_P(MessageStoreContract, AReplyMayNameAMessageOfTheSameBatch) {
  auto question = post("u_owner", "哪條線停了？");
  auto answer = post("u_owner", "Line 3");
  answer.message.reply_to = question.message.message_id;
  auto elsewhere = post("u_owner", "wrong room", std::nullopt, create_room("Other"));
  elsewhere.message.reply_to = question.message.message_id;  // not a message of that room
  auto results = post_together({question, answer, elsewhere});
  ASSERT_TRUE(results[0]);
  ASSERT_TRUE(results[1]) << results[1].error().message;
  EXPECT_EQ(results[1]->message.reply_to, question.message.message_id);
  EXPECT_EQ(results[1]->message.seq, results[0]->message.seq + 1);
  ASSERT_FALSE(results[2]);
  EXPECT_EQ(results[2].error().code, ErrorCode::kValidationFailed);
}

TEST_P(MessageStoreContract, AdminsMayPostWithoutMembership) {
  auto req = post("u_stranger", "admin note");
  req.sender_is_admin = true;
  auto r = messages_->post(req);
  ASSERT_TRUE(r) << r.error().message;
  auto to_nowhere = post("u_stranger", "x", std::nullopt, "no-such-room");
  to_nowhere.sender_is_admin = true;
  EXPECT_EQ(messages_->post(to_nowhere).error().code, ErrorCode::kNotFound);
}

TEST_P(MessageStoreContract, ConcurrentPostersGetGapFreeSeqsAndEveryAckIsStored) {
  constexpr int kThreads = 4, kEach = 40;
  std::vector<std::thread> threads;
  std::vector<std::vector<std::int64_t>> acked(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = messages_->post(
            post("u_owner", "m", "t" + std::to_string(t) + "-" + std::to_string(i)));
        if (r) acked[t].push_back(r->message.seq);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::int64_t> all;
  for (const auto& a : acked) all.insert(a.begin(), a.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kEach));
  auto seqs = event_seqs(room_id_);
  EXPECT_EQ(seqs.size(), all.size());
  expect_gap_free(seqs);
}

TEST_P(MessageStoreContract, HistoryPagesBothWays) {
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(messages_->post(post("u_owner", "m" + std::to_string(i))));
  auto newest = messages_->history(HistoryQuery{room_id_, std::nullopt, std::nullopt, 2}).value();
  ASSERT_EQ(newest.items.size(), 2u);
  EXPECT_EQ(newest.items[0].seq, 4);
  EXPECT_EQ(newest.items[1].seq, 5);
  EXPECT_TRUE(newest.has_more);
  auto before = messages_->history(HistoryQuery{room_id_, 2, std::nullopt, 10}).value();
  ASSERT_EQ(before.items.size(), 1u);
  EXPECT_FALSE(before.has_more);
  auto after = messages_->history(HistoryQuery{room_id_, std::nullopt, 3, 10}).value();
  ASSERT_EQ(after.items.size(), 2u);
  EXPECT_EQ(after.items[0].content, "m4");
}

TEST_P(MessageStoreContract, EditsDeletionsAndReactionsAppendEvents) {
  auto posted = messages_->post(post("u_owner", "原文")).value().message;
  auto edited = messages_->edit(room_id_, posted.message_id, "改過", "u_owner", kT0 + 2);
  ASSERT_TRUE(edited);
  EXPECT_EQ(edited->message.content, "改過");
  ASSERT_TRUE(edited->event);
  auto added = messages_->react(room_id_, posted.message_id, "u_viewer", "👍", true, kT0 + 3);
  ASSERT_TRUE(added && added->event);
  auto again = messages_->react(room_id_, posted.message_id, "u_viewer", "👍", true, kT0 + 4);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->event);  // one reaction per user per emoji
  ASSERT_EQ(again->message.reactions.size(), 1u);
  EXPECT_EQ(again->message.reactions[0].user_ids, std::vector<std::string>{"u_viewer"});
  auto removed = messages_->remove(room_id_, posted.message_id, "u_owner", kT0 + 5);
  ASSERT_TRUE(removed && removed->event);
  EXPECT_TRUE(removed->message.deleted);
  EXPECT_TRUE(removed->message.content.empty());
  auto twice = messages_->remove(room_id_, posted.message_id, "u_owner", kT0 + 6);
  ASSERT_TRUE(twice);
  EXPECT_FALSE(twice->event);
  auto seqs = event_seqs(room_id_);
  EXPECT_EQ(seqs.size(), 4u);  // posted, edited, reaction added, deleted
  expect_gap_free(seqs);
}

TEST_P(MessageStoreContract, SearchFindsChineseAndEnglishText) {
  ASSERT_TRUE(messages_->post(post("u_owner", "沖壓機卡料，已停機")));
  ASSERT_TRUE(messages_->post(post("u_owner", "Line 3 conveyor restarted")));
  ASSERT_TRUE(messages_->post(post("u_owner", "unrelated")));
  auto texts = [&](const std::string& q) {
    std::set<std::string> out;
    for (const auto& m : messages_->search(room_id_, q, 20).value()) out.insert(m.content);
    return out;
  };
  EXPECT_EQ(texts("沖壓機"), std::set<std::string>{"沖壓機卡料，已停機"});
  EXPECT_EQ(texts("卡料"), std::set<std::string>{"沖壓機卡料，已停機"});  // two characters
  EXPECT_EQ(texts("line 3"), std::set<std::string>{"Line 3 conveyor restarted"});
  EXPECT_TRUE(texts("missing").empty());
}

TEST_P(MessageStoreContract, SearchFollowsEditsAndDeletions) {
  auto texts = [&](const std::string& q) {
    std::set<std::string> out;
    for (const auto& m : messages_->search(room_id_, q, 20).value()) out.insert(m.content);
    return out;
  };
  auto first = messages_->post(post("u_owner", "沖壓機卡料")).value();
  auto second = messages_->post(post("u_owner", "焊接不良 line 7")).value();
  EXPECT_EQ(texts("沖壓機"), std::set<std::string>{"沖壓機卡料"});  // found at once
  ASSERT_TRUE(messages_->edit(room_id_, first.message.message_id, "輸送帶停止", "u_owner", kT0 + 1));
  EXPECT_TRUE(texts("沖壓機").empty());
  EXPECT_EQ(texts("輸送帶"), std::set<std::string>{"輸送帶停止"});
  // Edited again after the index took the first edit (and cleared its log).
  ASSERT_TRUE(messages_->edit(room_id_, first.message.message_id, "馬達過熱", "u_owner", kT0 + 2));
  EXPECT_TRUE(texts("輸送帶").empty());
  EXPECT_EQ(texts("馬達過熱"), std::set<std::string>{"馬達過熱"});
  ASSERT_TRUE(messages_->remove(room_id_, second.message.message_id, "u_owner", kT0 + 2));
  EXPECT_TRUE(texts("焊接不良").empty());
  EXPECT_TRUE(texts("line 7").empty());
}

TEST_P(MessageStoreContract, ALostSearchIndexIsRebuilt) {
  if (GetParam() != Backend::kSqlite) GTEST_SKIP() << "the index file is SQLite's";
  ASSERT_TRUE(messages_->post(post("u_owner", "沖壓機卡料")));
  ASSERT_FALSE(messages_->search(room_id_, "沖壓機", 20).value().empty());
  messages_.reset();  // stops the indexer and closes its file
  const std::string index = sql::message_index_path(db_->db().sqlite_path());
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(index + suffix);
  messages_ = std::make_unique<sql::SqlMessageStore>(db_->db());
  auto found = messages_->search(room_id_, "沖壓機", 20).value();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].content, "沖壓機卡料");
}

TEST_P(MessageStoreContract, ReadPositionsOnlyMoveForward) {
  ASSERT_TRUE(messages_->mark_read(room_id_, "u_viewer", 5, kT0));
  ASSERT_TRUE(messages_->mark_read(room_id_, "u_viewer", 3, kT0 + 1));
  EXPECT_EQ(messages_->read_position(room_id_, "u_viewer").value(), 5);
  EXPECT_EQ(messages_->read_position(room_id_, "u_owner").value(), 0);
}

INSTANTIATE_TEST_SUITE_P(SqlBackends, MessageStoreContract,
                         ::testing::ValuesIn(testing::all_backends(/*with_memory=*/false)),
                         testing::BackendName{});

}  // namespace
}  // namespace tr
