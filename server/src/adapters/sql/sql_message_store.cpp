#include "adapters/sql/sql_message_store.hpp"

#include <future>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "adapters/sql/sql_error.hpp"
#include "adapters/sql/sql_timeline.hpp"
#include "adapters/sql/sql_user_store.hpp"
#include "core/strings.hpp"
#include "domain/permissions.hpp"
#include "domain/room.hpp"
#include "domain/timeline.hpp"

namespace tr::sql {
namespace {

Error no_message() { return Error{ErrorCode::kNotFound, "no such message", "message_id"}; }
Error no_room() { return Error{ErrorCode::kNotFound, "no such room", "room_id"}; }
Error archived() { return Error{ErrorCode::kRoomArchived, "the room is archived: reopen it first"}; }

std::optional<Message> find_in(soci::session& s, const std::string& room_id,
                               const std::string& message_id) {
  auto found = read_messages(s, MessageQuery{"m.room_id = :r AND m.message_id = :m",
                                             {room_id, message_id}, {}, "m.seq", 1});
  if (found.empty()) return std::nullopt;
  return found.front();
}

// Claims one seq for a change to an existing message, renders and stores its
// event. The room must exist (the message does).
Result<RoomEvent> append_change(const Lease& lease, const std::string& room_id,
                                const TimelineChange& change, const std::string& actor_id,
                                EpochMs at) {
  auto claim = claim_seqs(lease, room_id, 1, at);
  if (!claim) return no_room();
  if (claim->status == "archived") return archived();
  RoomEvent event = render_event(room_id, claim->last_seq, change, at);
  insert_event(lease, event, actor_id);
  return event;
}

struct SenderSlots {
  std::string room_id, user_id, status, role, display_name;
  soci::indicator role_ind = soci::i_null;
};

struct ExistingSlots {
  std::string room_id, key, found;  // key: the reply_to message id or the client_id
  std::string sender_id;
};

// A room archived between post_one's check and its seq claim (another
// instance, PostgreSQL): the batch is rolled back and its posts retried alone.
struct ArchivedMeanwhile : std::runtime_error {
  ArchivedMeanwhile() : std::runtime_error("the room was archived during the post") {}
};

// One post inside the batch transaction. Every refusal is decided before the
// post writes anything, so a refused post leaves the batch untouched and needs
// no savepoint (which would also make SQLite flush the search index per post).
Result<PostResult> post_one(const Lease& lease, const PostRequest& req) {
  const Message& in = req.message;
  StatementCache& statements = lease.statements();
  // The room's status, the sender's role in it (if any) and display name.
  auto sender = statements.get<SenderSlots>(
      "SELECT r.status, m.role, u.display_name FROM rooms r JOIN users u ON u.user_id = :u "
      "LEFT JOIN room_members m ON m.room_id = r.room_id AND m.user_id = u.user_id "
      "WHERE r.room_id = :r",
      [](soci::statement& st, SenderSlots& v) {
        st.exchange(soci::use(v.user_id));
        st.exchange(soci::use(v.room_id));
        st.exchange(soci::into(v.status));
        st.exchange(soci::into(v.role, v.role_ind));
        st.exchange(soci::into(v.display_name));
      });
  sender->room_id = in.room_id;
  sender->user_id = in.sender_id;
  sender->role_ind = soci::i_null;
  const bool found = sender.execute(true);
  std::optional<Role> role;
  if (found && sender->role_ind == soci::i_ok) role = parse_role(sender->role);
  if (!allowed(Action::kSendMessage, role, req.sender_is_admin, false)) {
    return Error{ErrorCode::kForbidden,
                 role ? "viewers cannot send messages" : "you are not a member of this room"};
  }
  if (!found) return no_room();
  if (sender->status == "archived") return archived();
  if (in.reply_to) {
    auto reply = statements.get<ExistingSlots>(
        "SELECT message_id FROM messages WHERE room_id = :r AND message_id = :m",
        [](soci::statement& st, ExistingSlots& v) {
          st.exchange(soci::use(v.room_id));
          st.exchange(soci::use(v.key));
          st.exchange(soci::into(v.found));
        });
    reply->room_id = in.room_id;
    reply->key = *in.reply_to;
    if (!reply.execute(true)) {
      return Error{ErrorCode::kValidationFailed, "reply_to is not a message of this room",
                   "reply_to"};
    }
  }
  if (in.client_id) {
    auto existing = statements.get<ExistingSlots>(
        "SELECT message_id FROM messages WHERE room_id = :r AND sender_id = :u AND "
        "client_id = :c",
        [](soci::statement& st, ExistingSlots& v) {
          st.exchange(soci::use(v.room_id));
          st.exchange(soci::use(v.sender_id));
          st.exchange(soci::use(v.key));
          st.exchange(soci::into(v.found));
        });
    existing->room_id = in.room_id;
    existing->sender_id = in.sender_id;
    existing->key = *in.client_id;
    if (existing.execute(true)) {
      auto stored = find_in(*lease, in.room_id, existing->found);
      if (!stored) return no_message();
      return PostResult{*stored, true, std::nullopt};
    }
  }
  auto claim = claim_seqs(lease, in.room_id, 1, in.created_at);
  if (!claim) return no_room();
  if (claim->status == "archived") throw ArchivedMeanwhile();
  Message m = in;
  m.seq = claim->last_seq;
  m.sender_name = sender->display_name;
  insert_message(lease, m);
  RoomEvent event = render_event(m.room_id, m.seq, MessagePosted{m, {}}, m.created_at);
  insert_event(lease, event, m.sender_id);
  return PostResult{std::move(m), false, std::move(event)};
}

}  // namespace

SqlMessageStore::SqlMessageStore(Database& db, std::size_t max_batch)
    : db_(db), max_batch_(max_batch), committer_([this] { run_committer(); }) {}

SqlMessageStore::~SqlMessageStore() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  committer_.join();
}

void SqlMessageStore::post_async(PostRequest request,
                                 std::function<void(Result<PostResult>)> done) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      done(Error{ErrorCode::kUnavailable, "the server is shutting down"});
      return;
    }
    queue_.push_back(Pending{std::move(request), std::move(done)});
  }
  cv_.notify_one();
}

Result<PostResult> SqlMessageStore::post(const PostRequest& request) {
  std::promise<Result<PostResult>> promise;
  auto future = promise.get_future();
  post_async(request, [&promise](Result<PostResult> r) { promise.set_value(std::move(r)); });
  return future.get();
}

void SqlMessageStore::run_committer() {
  std::vector<Pending> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to write
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    commit_batch(batch);
    batch.clear();
  }
}

void SqlMessageStore::commit_batch(std::vector<Pending>& batch) {
  std::vector<Result<PostResult>> results;
  results.reserve(batch.size());
  try {
    auto lease = db_.acquire();
    Transaction tx(lease);
    for (auto& item : batch) results.push_back(post_one(lease, item.request));
    tx.commit();
    batches_++;
  } catch (const std::exception& e) {
    if (batch.size() > 1) {
      // One post broke the batch (e.g. a constraint a concurrent writer on
      // another instance broke first): the batch is undone; each post is
      // tried again in a transaction of its own.
      for (auto& item : batch) {
        std::vector<Pending> single;
        single.push_back(std::move(item));
        commit_batch(single);
      }
      return;
    }
    results.assign(1, database_error("messages.post", e));
  }
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
}

Result<Message> SqlMessageStore::find(const std::string& room_id, const std::string& message_id) {
  return guarded("messages.find", [&]() -> Result<Message> {
    auto s = db_.acquire();
    auto m = find_in(*s, room_id, message_id);
    if (!m) return no_message();
    return *m;
  });
}

Result<MessagePage> SqlMessageStore::history(const HistoryQuery& q) {
  return guarded("messages.history", [&]() -> Result<MessagePage> {
    auto s = db_.acquire();
    MessageQuery mq;
    mq.strings = {q.room_id};
    mq.where = "m.room_id = :r";
    mq.limit = q.limit + 1;  // one more tells whether there is more
    bool newest_first = true;
    if (q.after_seq) {
      mq.where += " AND m.seq > :a";
      mq.numbers.push_back(*q.after_seq);
      newest_first = false;
    }
    if (q.before_seq) {
      mq.where += " AND m.seq < :b";
      mq.numbers.push_back(*q.before_seq);
      newest_first = !q.after_seq;
    }
    mq.order = newest_first ? "m.seq DESC" : "m.seq ASC";
    MessagePage page;
    page.items = read_messages(*s, mq);
    if (static_cast<int>(page.items.size()) > q.limit) {
      page.has_more = true;
      page.items.pop_back();
    }
    if (newest_first) std::reverse(page.items.begin(), page.items.end());
    return page;
  });
}

Result<MessageChange> SqlMessageStore::edit(const std::string& room_id,
                                            const std::string& message_id,
                                            const std::string& content,
                                            const std::string& editor_id, EpochMs at) {
  return guarded("messages.edit", [&]() -> Result<MessageChange> {
    auto lease = db_.acquire();
    soci::session& s = *lease;
    Transaction tx(lease);
    auto m = find_in(s, room_id, message_id);
    if (!m) return no_message();
    if (m->deleted) return Error{ErrorCode::kConflict, "a deleted message cannot be edited"};
    if (m->content == content) return MessageChange{*m, std::nullopt};
    const long long at_ms = at;
    s << "INSERT INTO message_edits (message_id, edited_at, editor_id, previous_content) "
         "VALUES (:m, :t, :e, :c)",
        soci::use(message_id), soci::use(at_ms), soci::use(editor_id), soci::use(m->content);
    s << "UPDATE messages SET content = :c, edited_at = :t WHERE message_id = :m",
        soci::use(content), soci::use(at_ms), soci::use(message_id);
    m->content = content;
    m->edited_at = at;
    auto event = append_change(lease, room_id, MessageEdited{*m}, editor_id, at);
    if (!event) return event.error();
    tx.commit();
    return MessageChange{*m, std::move(*event)};
  });
}

Result<MessageChange> SqlMessageStore::remove(const std::string& room_id,
                                              const std::string& message_id,
                                              const std::string& actor_id, EpochMs at) {
  return guarded("messages.remove", [&]() -> Result<MessageChange> {
    auto lease = db_.acquire();
    soci::session& s = *lease;
    Transaction tx(lease);
    auto m = find_in(s, room_id, message_id);
    if (!m) return no_message();
    if (m->deleted) return MessageChange{*m, std::nullopt};
    s << "UPDATE messages SET content = '', deleted = 1 WHERE message_id = :m",
        soci::use(message_id);
    s << "DELETE FROM message_reactions WHERE message_id = :m", soci::use(message_id);
    m->content.clear();
    m->deleted = true;
    m->reactions.clear();
    auto event = append_change(lease, room_id, MessageDeleted{message_id}, actor_id, at);
    if (!event) return event.error();
    tx.commit();
    return MessageChange{*m, std::move(*event)};
  });
}

Result<MessageChange> SqlMessageStore::react(const std::string& room_id,
                                             const std::string& message_id,
                                             const std::string& user_id, const std::string& emoji,
                                             bool add, EpochMs at) {
  return guarded("messages.react", [&]() -> Result<MessageChange> {
    auto lease = db_.acquire();
    soci::session& s = *lease;
    Transaction tx(lease);
    auto m = find_in(s, room_id, message_id);
    if (!m) return no_message();
    if (m->deleted) return Error{ErrorCode::kConflict, "a deleted message cannot get reactions"};
    int present = 0;
    s << "SELECT COUNT(*) FROM message_reactions WHERE message_id = :m AND emoji = :e AND "
         "user_id = :u",
        soci::use(message_id), soci::use(emoji), soci::use(user_id), soci::into(present);
    if ((present > 0) == add) return MessageChange{*m, std::nullopt};  // already so
    const long long at_ms = at;
    if (add) {
      s << "INSERT INTO message_reactions (message_id, emoji, user_id, created_at) "
           "VALUES (:m, :e, :u, :t)",
          soci::use(message_id), soci::use(emoji), soci::use(user_id), soci::use(at_ms);
    } else {
      s << "DELETE FROM message_reactions WHERE message_id = :m AND emoji = :e AND user_id = :u",
          soci::use(message_id), soci::use(emoji), soci::use(user_id);
    }
    auto event = append_change(lease, room_id, ReactionChanged{message_id, emoji, user_id, add},
                               user_id, at);
    if (!event) return event.error();
    auto updated = find_in(s, room_id, message_id);
    tx.commit();
    return MessageChange{updated.value_or(*m), std::move(*event)};
  });
}

Result<std::vector<Message>> SqlMessageStore::search(const std::string& room_id,
                                                     const std::string& query, int limit) {
  return guarded("messages.search", [&]() -> Result<std::vector<Message>> {
    auto s = db_.acquire();
    MessageQuery mq;
    mq.strings = {room_id};
    mq.order = "m.seq DESC";
    mq.limit = limit;
    const std::string text = trim(query);
    if (db_.is_sqlite() && utf8_length(text) >= 3) {
      std::string phrase = "\"";
      for (char c : text) {
        if (c == '"') phrase.push_back('"');
        phrase.push_back(c);
      }
      phrase.push_back('"');
      mq.where =
          "m.room_id = :r AND m.deleted = 0 AND m.message_id IN (SELECT i.message_id FROM "
          "message_search f JOIN message_search_ids i ON i.search_id = f.rowid WHERE "
          "message_search MATCH :q)";
      mq.strings.push_back(phrase);
    } else {
      mq.where = std::string("m.room_id = :r AND m.deleted = 0 AND m.type <> 'system' AND ") +
                 (db_.is_sqlite() ? "m.content LIKE :q ESCAPE '\\'" : "m.content ILIKE :q ESCAPE '\\'");
      mq.strings.push_back("%" + escape_like(text) + "%");
    }
    return read_messages(*s, mq);
  });
}

Result<void> SqlMessageStore::mark_read(const std::string& room_id, const std::string& user_id,
                                        std::int64_t seq, EpochMs at) {
  return guarded("messages.mark_read", [&]() -> Result<void> {
    auto s = db_.acquire();
    const long long v = seq, at_ms = at;
    *s << "INSERT INTO read_positions (room_id, user_id, seq, updated_at) VALUES (:r, :u, :s, :t) "
          "ON CONFLICT (room_id, user_id) DO UPDATE SET seq = excluded.seq, updated_at = "
          "excluded.updated_at WHERE read_positions.seq < excluded.seq",
        soci::use(room_id), soci::use(user_id), soci::use(v), soci::use(at_ms);
    return {};
  });
}

Result<std::int64_t> SqlMessageStore::read_position(const std::string& room_id,
                                                    const std::string& user_id) {
  return guarded("messages.read_position", [&]() -> Result<std::int64_t> {
    auto s = db_.acquire();
    long long seq = 0;
    *s << "SELECT seq FROM read_positions WHERE room_id = :r AND user_id = :u", soci::use(room_id),
        soci::use(user_id), soci::into(seq);
    return s->got_data() ? static_cast<std::int64_t>(seq) : 0;
  });
}

}  // namespace tr::sql
