#pragma once
// SqlMessageStore: MessageStore on SQLite or PostgreSQL. Posts go through a
// group committer: one thread takes every post waiting (up to max_batch, and
// up to 256 KiB of text) and writes them in one transaction (each post is
// checked first, so a refused one writes nothing; a database error retries
// each post alone). Every caller
// learns its result only after COMMIT returned, i.e. once the batch is
// durable, on a delivery thread that gives the answers batch after batch in
// commit order while the committer writes the next batch (a batch of a few
// posts, when no post waits and no answers are still being given, the
// committer answers itself, sparing a thread wake-up on every quiet commit).
// Other calls run on the calling thread. On SQLite, message search reads a
// MessageIndex that a thread of its own keeps up to date (message_index.hpp).
// Thread-safe.

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "adapters/sql/database.hpp"
#include "adapters/sql/message_index.hpp"
#include "ports/message_store.hpp"

namespace tr::sql {

class SqlMessageStore final : public MessageStore {
 public:
  explicit SqlMessageStore(Database& db, std::size_t max_batch = 512);
  ~SqlMessageStore() override;  // finishes queued posts, then stops

  // ports::MessageStore
  Result<PostResult> post(const PostRequest& request) override;
  void post_async(PostRequest request, std::function<void(Result<PostResult>)> done) override;
  Result<Message> find(const std::string& room_id, const std::string& message_id) override;
  Result<MessagePage> history(const HistoryQuery& query) override;
  Result<MessageChange> edit(const std::string& room_id, const std::string& message_id,
                             const std::string& content, const std::string& editor_id,
                             EpochMs at) override;
  Result<MessageChange> remove(const std::string& room_id, const std::string& message_id,
                               const std::string& actor_id, EpochMs at) override;
  Result<MessageChange> react(const std::string& room_id, const std::string& message_id,
                              const std::string& user_id, const std::string& emoji, bool add,
                              EpochMs at) override;
  Result<std::vector<Message>> search(const std::string& room_id, const std::string& query,
                                      int limit) override;
  Result<void> mark_read(const std::string& room_id, const std::string& user_id, std::int64_t seq,
                         EpochMs at) override;
  Result<std::int64_t> read_position(const std::string& room_id,
                                     const std::string& user_id) override;

  // Batches committed so far, and posts in them (for metrics and tests).
  std::uint64_t batches_committed() const { return batches_.load(); }

 private:
  struct Pending {
    PostRequest request;
    std::function<void(Result<PostResult>)> done;
  };
  // A committed (or refused) batch's answers, given in commit order.
  struct Delivery {
    std::vector<std::function<void(Result<PostResult>)>> dones;
    std::vector<Result<PostResult>> results;
  };
  void run_committer();
  void run_deliverer();
  void give(Delivery& delivery);  // calls its dones, in order
  bool posts_waiting();
  void commit_batch(std::vector<Pending>& batch);

  Database& db_;
  const std::size_t max_batch_;
  std::atomic<std::uint64_t> batches_{0};
  std::unique_ptr<MessageIndex> index_;  // SQLite only; outlives the committer

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;  // guarded by mu_
  bool stopping_ = false;      // guarded by mu_

  std::mutex delivery_mu_;
  std::condition_variable delivery_cv_;
  std::deque<Delivery> deliveries_;  // guarded by delivery_mu_
  bool delivery_stopping_ = false;   // guarded by delivery_mu_
  bool delivering_ = false;          // guarded by delivery_mu_; the deliverer gives a batch
  std::thread deliverer_;            // started before, stopped after the committer
  std::thread committer_;
};

}  // namespace tr::sql
