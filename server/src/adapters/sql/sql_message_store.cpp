#include "adapters/sql/sql_message_store.hpp"

#include <algorithm>
#include <future>
#include <map>
#include <set>
#include <string_view>
#include <tuple>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "adapters/sql/search_text.hpp"
#include "adapters/sql/sql_error.hpp"
#include "adapters/sql/sql_timeline.hpp"
#include "adapters/sql/sql_user_store.hpp"
#include "core/flush_scope.hpp"
#include "core/strings.hpp"
#include "domain/permissions.hpp"
#include "domain/room.hpp"
#include "domain/timeline.hpp"
#include "core/thread_name.hpp"

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

struct CheckSlots {
  std::string room_id, user_id, client_id, status, role, display_name, existing_id;
  soci::indicator client_ind = soci::i_null, role_ind = soci::i_null,
                  existing_ind = soci::i_null;
};

struct ReplySlots {
  std::string room_id, message_id, found;
};

// A room archived (or gone) between a post's check and its seq claim (another
// instance, PostgreSQL): the batch is rolled back and its posts retried alone.
struct RoomChangedMeanwhile : std::runtime_error {
  RoomChangedMeanwhile() : std::runtime_error("the room changed during the post") {}
};

// What the batch learned about one post before writing anything.
struct Checked {
  std::string sender_name;
  std::optional<std::string> stored_id;  // the client_id was used before: that message
};

// A sender as the database sees them in a room: the same for all their posts
// in one batch, so it is read once per batch.
struct SenderInRoom {
  bool room_found = false;
  std::string room_status;
  std::optional<Role> role;
  std::string display_name;
};

// What check_post remembers from one post of a batch to the next.
struct BatchContext {
  std::map<std::pair<std::string, std::string>, SenderInRoom> senders;  // by (room, user)
  // (room_id, message_id) of the posts accepted so far, which reply_to may name;
  // views into the batch's requests, which outlive the batch's writing.
  std::set<std::pair<std::string_view, std::string_view>> ids;
};

struct StoredIdSlots {
  std::string room_id, user_id, client_id, message_id;
};

// The message an earlier post with this client_id stored, if any.
std::optional<std::string> stored_message_id(const Lease& lease, const Message& in) {
  auto q = lease.statements().get<StoredIdSlots>(
      "SELECT message_id FROM messages WHERE room_id = :r AND sender_id = :u AND client_id = :c",
      [](soci::statement& st, StoredIdSlots& v) {
        st.exchange(soci::use(v.room_id));
        st.exchange(soci::use(v.user_id));
        st.exchange(soci::use(v.client_id));
        st.exchange(soci::into(v.message_id));
      });
  q->room_id = in.room_id;
  q->user_id = in.sender_id;
  q->client_id = *in.client_id;
  if (!q.execute()) return std::nullopt;
  return q->message_id;
}

// The sender in the room and, in the same round trip, an earlier message
// with the post's client_id.
SenderInRoom read_sender(const Lease& lease, const Message& in,
                         std::optional<std::string>& stored_id) {
  auto q = lease.statements().get<CheckSlots>(
      "SELECT r.status, m.role, u.display_name, (SELECT x.message_id FROM messages x WHERE "
      "x.room_id = r.room_id AND x.sender_id = u.user_id AND x.client_id = :c) "
      "FROM rooms r JOIN users u ON u.user_id = :u "
      "LEFT JOIN room_members m ON m.room_id = r.room_id AND m.user_id = u.user_id "
      "WHERE r.room_id = :r",
      [](soci::statement& st, CheckSlots& v) {
        st.exchange(soci::use(v.client_id, v.client_ind));
        st.exchange(soci::use(v.user_id));
        st.exchange(soci::use(v.room_id));
        st.exchange(soci::into(v.status));
        st.exchange(soci::into(v.role, v.role_ind));
        st.exchange(soci::into(v.display_name));
        st.exchange(soci::into(v.existing_id, v.existing_ind));
      });
  q->room_id = in.room_id;
  q->user_id = in.sender_id;
  q->client_id = in.client_id.value_or("");
  q->client_ind = in.client_id ? soci::i_ok : soci::i_null;
  q->role_ind = q->existing_ind = soci::i_null;
  SenderInRoom sender;
  sender.room_found = q.execute();
  if (!sender.room_found) return sender;
  sender.room_status = q->status;
  if (q->role_ind == soci::i_ok) sender.role = parse_role(q->role);
  sender.display_name = q->display_name;
  if (q->existing_ind == soci::i_ok) stored_id = q->existing_id;
  return sender;
}

// Decides whether a post may be stored: room status, the sender's role and
// name (read once per sender and room in a batch), and an earlier message
// with the same client_id; one round trip per post.
Result<Checked> check_post(const Lease& lease, const PostRequest& req, BatchContext& batch) {
  const Message& in = req.message;
  Checked out;
  auto known = batch.senders.find({in.room_id, in.sender_id});
  if (known == batch.senders.end()) {
    known = batch.senders.emplace(std::pair{in.room_id, in.sender_id},
                                  read_sender(lease, in, out.stored_id)).first;
  } else if (in.client_id) {
    out.stored_id = stored_message_id(lease, in);
  }
  const SenderInRoom& sender = known->second;
  if (!allowed(Action::kSendMessage, sender.role, req.sender_is_admin, false)) {
    return Error{ErrorCode::kForbidden, sender.role ? "viewers cannot send messages"
                                                    : "you are not a member of this room"};
  }
  if (!sender.room_found) return no_room();
  if (sender.room_status == "archived") return archived();
  out.sender_name = sender.display_name;
  if (out.stored_id) return out;
  if (in.reply_to && !batch.ids.count({in.room_id, *in.reply_to})) {
    auto reply = lease.statements().get<ReplySlots>(
        "SELECT message_id FROM messages WHERE room_id = :r AND message_id = :m",
        [](soci::statement& st, ReplySlots& v) {
          st.exchange(soci::use(v.room_id));
          st.exchange(soci::use(v.message_id));
          st.exchange(soci::into(v.found));
        });
    reply->room_id = in.room_id;
    reply->message_id = *in.reply_to;
    if (!reply.execute()) {
      return Error{ErrorCode::kValidationFailed, "reply_to is not a message of this room",
                   "reply_to"};
    }
  }
  return out;
}

// Stores a batch of posts in the open transaction, in a few statements:
// every post is checked first (a refused post writes nothing, so it needs no
// savepoint), then each room's seqs are claimed at once and the messages and
// their events inserted several rows per statement. Fills results[i] for
// every post.
void write_batch(const Lease& lease, const std::vector<PostRequest*>& posts,
                 std::vector<Result<PostResult>>& results) {
  results.assign(posts.size(), Result<PostResult>(no_message()));
  std::vector<std::size_t> accepted;  // indexes into posts, in order
  std::vector<std::pair<std::size_t, std::size_t>> repeats;  // post, the accepted post it repeats
  // (room, sender, client_id) -> the post that used it first; views into the requests.
  std::map<std::tuple<std::string_view, std::string_view, std::string_view>, std::size_t>
      client_ids;
  BatchContext context;
  std::vector<Message> messages;  // parallel to accepted
  for (std::size_t i = 0; i < posts.size(); ++i) {
    const Message& in = posts[i]->message;
    if (in.client_id) {
      auto it = client_ids.find({in.room_id, in.sender_id, *in.client_id});
      if (it != client_ids.end()) {
        repeats.emplace_back(i, it->second);  // the same client_id twice in one batch
        continue;
      }
    }
    auto checked = check_post(lease, *posts[i], context);
    if (!checked) {
      results[i] = checked.error();
      continue;
    }
    if (checked->stored_id) {
      auto stored = find_in(*lease, in.room_id, *checked->stored_id);
      results[i] = stored ? Result<PostResult>(PostResult{*stored, true, std::nullopt})
                          : Result<PostResult>(no_message());
      continue;
    }
    if (in.client_id) client_ids[{in.room_id, in.sender_id, *in.client_id}] = i;
    context.ids.insert({in.room_id, in.message_id});
    accepted.push_back(i);
    messages.push_back(in);
    messages.back().sender_name = checked->sender_name;
  }

  // Each room's next seqs, claimed once for all its posts of the batch.
  std::map<std::string, std::vector<std::size_t>> by_room;  // room -> positions in messages
  for (std::size_t k = 0; k < messages.size(); ++k) by_room[messages[k].room_id].push_back(k);
  for (const auto& [room_id, positions] : by_room) {
    EpochMs latest = 0;
    for (auto k : positions) latest = std::max(latest, messages[k].created_at);
    auto claim = claim_seqs(lease, room_id, static_cast<long long>(positions.size()), latest);
    if (!claim || claim->status == "archived") throw RoomChangedMeanwhile();
    auto seq = claim->last_seq - static_cast<long long>(positions.size());
    for (auto k : positions) messages[k].seq = ++seq;
  }

  std::vector<RoomEvent> events;
  events.reserve(messages.size());
  for (auto& m : messages) {
    // The message is lent to its change for the rendering and taken back: not copied.
    TimelineChange change{MessagePosted{std::move(m), {}}};
    const Message& lent = std::get<MessagePosted>(change).message;
    events.push_back(render_event(lent.room_id, lent.seq, change, lent.created_at));
    m = std::move(std::get<MessagePosted>(change).message);
  }
  std::vector<EventRow> rows;
  rows.reserve(events.size());
  for (std::size_t k = 0; k < events.size(); ++k) rows.push_back(EventRow{&events[k], messages[k].sender_id});
  insert_messages(lease, messages);
  insert_events(lease, rows);

  for (std::size_t k = 0; k < accepted.size(); ++k) {
    results[accepted[k]] = PostResult{std::move(messages[k]), false, std::move(events[k])};
  }
  for (const auto& [i, first] : repeats) {
    if (results[first]) results[i] = PostResult{results[first]->message, true, std::nullopt};
  }
}

constexpr std::size_t kMaxGivenByCommitter = 4;  // posts in a batch the committer answers itself

// A batch's events reach each reader of its room at once, faster than any
// socket drains: its text is kept to a quarter of a WebSocket connection's
// queue bound (1 MiB by default), so a reader that keeps up is never over
// the bound because of the way posts happened to be batched. (Throughput
// does not suffer: 256 KiB is hundreds of ordinary messages.)
constexpr std::size_t kMaxBatchBytes = 256 * 1024;

}  // namespace

SqlMessageStore::SqlMessageStore(Database& db, std::size_t max_batch)
    : db_(db),
      max_batch_(max_batch),
      index_(db.is_sqlite() ? std::make_unique<MessageIndex>(db.sqlite_path()) : nullptr),
      deliverer_([this] {
        name_this_thread("tr-deliver");
        run_deliverer();
      }),
      committer_([this] {
        name_this_thread("tr-commit");
        run_committer();
      }) {}

SqlMessageStore::~SqlMessageStore() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  committer_.join();
  {
    std::lock_guard lock(delivery_mu_);
    delivery_stopping_ = true;
  }
  delivery_cv_.notify_all();
  deliverer_.join();  // after every answer queued so far has been given
}

// Gives each batch's answers (but the small ones the committer gives itself),
// in commit order, on a thread of its own, so the committer starts the next
// batch while this one's acks and events go out.
void SqlMessageStore::run_deliverer() {
  std::unique_lock lock(delivery_mu_);
  for (;;) {
    delivery_cv_.wait(lock, [this] { return delivery_stopping_ || !deliveries_.empty(); });
    if (deliveries_.empty()) return;  // stopping, and nothing left to give
    Delivery next = std::move(deliveries_.front());
    deliveries_.pop_front();
    delivering_ = true;
    lock.unlock();
    give(next);
    lock.lock();
    delivering_ = false;
  }
}

void SqlMessageStore::give(Delivery& delivery) {
  // The batch's acks and events leave each connection in one write, made here.
  FlushScope scope;
  for (std::size_t i = 0; i < delivery.dones.size(); ++i) {
    delivery.dones[i](std::move(delivery.results[i]));
  }
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
      std::size_t bytes = 0;
      while (!queue_.empty() && batch.size() < max_batch_) {
        const std::size_t next = queue_.front().request.message.content.size();
        if (!batch.empty() && bytes + next > kMaxBatchBytes) break;
        bytes += next;
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
  try {
    std::vector<PostRequest*> posts;
    posts.reserve(batch.size());
    for (auto& item : batch) posts.push_back(&item.request);
    auto lease = db_.acquire();
    Transaction tx(lease);
    write_batch(lease, posts, results);
    tx.commit();
    batches_++;
    if (index_) index_->notify();
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
  Delivery delivery;
  delivery.results = std::move(results);
  for (auto& item : batch) delivery.dones.push_back(std::move(item.done));
  {
    std::lock_guard lock(delivery_mu_);
    if (batch.size() > kMaxGivenByCommitter || !deliveries_.empty() || delivering_ ||
        posts_waiting()) {
      deliveries_.push_back(std::move(delivery));
      delivery_cv_.notify_one();
      return;
    }
  }
  // A small batch, nothing to write next and every earlier answer given: this
  // thread gives these itself, in commit order still, and spares the wake-up
  // of the other. (A big batch's answers set off many new posts: the
  // committer must be free to write them at once.)
  give(delivery);
}

bool SqlMessageStore::posts_waiting() {
  std::lock_guard lock(mu_);
  return !queue_.empty();
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
    if (index_) index_->notify();  // its text is queued for the index
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
    if (index_) index_->notify();  // its text is queued for the index
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
    MessageQuery mq;
    mq.strings = {room_id};
    mq.order = "m.seq DESC";
    mq.limit = limit;
    const std::string text = trim(query);
    if (index_ && utf8_length(text) >= 3) {
      const auto rowids = index_->find(room_id, fts5_phrase(text), limit);
      if (rowids.empty()) return std::vector<Message>{};
      // The index answered at its own snapshot: a message deleted since is left out here.
      mq.where = "m.room_id = :r AND m.deleted = 0 AND m.rowid IN (";
      for (std::size_t i = 0; i < rowids.size(); ++i) {
        mq.where += (i ? ", :n" : ":n") + std::to_string(i);
        mq.numbers.push_back(rowids[i]);
      }
      mq.where += ")";
    } else {
      mq.where = std::string("m.room_id = :r AND m.deleted = 0 AND m.type <> 'system' AND ") +
                 (db_.is_sqlite() ? "m.content LIKE :q ESCAPE '\\'" : "m.content ILIKE :q ESCAPE '\\'");
      mq.strings.push_back("%" + escape_like(text) + "%");
    }
    // A pool connection only now: the index may first have had a backlog to take in.
    auto s = db_.acquire();
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
