#include "adapters/sql/sql_timeline.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <map>

namespace tr::sql {

namespace {

struct ClaimSlots {
  long long n = 0, at = 0;
  std::string room_id;
  SeqClaim claim;
};

struct MessageSlots {
  std::string message_id, room_id, sender_id, type, content, metadata, reply_to, client_id;
  long long seq = 0, created_at = 0, edited_at = 0;
  int deleted = 0;
  soci::indicator sender_ind = soci::i_null, reply_ind = soci::i_null,
                  edited_ind = soci::i_null, client_ind = soci::i_null;
};

struct EventSlots {
  std::string room_id, type, frame, actor_id;
  long long seq = 0, created_at = 0;
  soci::indicator actor_ind = soci::i_null;
};

}  // namespace

std::optional<SeqClaim> claim_seqs(const Lease& lease, const std::string& room_id, long long n,
                                   EpochMs at) {
  auto q = lease.statements().get<ClaimSlots>(
      "UPDATE rooms SET last_seq = last_seq + :n, last_activity_at = :at WHERE room_id = :id "
      "RETURNING last_seq, status, version",
      [](soci::statement& st, ClaimSlots& v) {
        st.exchange(soci::use(v.n));
        st.exchange(soci::use(v.at));
        st.exchange(soci::use(v.room_id));
        st.exchange(soci::into(v.claim.last_seq));
        st.exchange(soci::into(v.claim.status));
        st.exchange(soci::into(v.claim.version));
      });
  q->n = n;
  q->at = at;
  q->room_id = room_id;
  if (!q.execute()) return std::nullopt;
  return q->claim;
}

namespace {

void bind_message(soci::statement& st, MessageSlots& v) {
  st.exchange(soci::use(v.message_id));
  st.exchange(soci::use(v.room_id));
  st.exchange(soci::use(v.seq));
  st.exchange(soci::use(v.sender_id, v.sender_ind));
  st.exchange(soci::use(v.type));
  st.exchange(soci::use(v.content));
  st.exchange(soci::use(v.metadata));
  st.exchange(soci::use(v.reply_to, v.reply_ind));
  st.exchange(soci::use(v.created_at));
  st.exchange(soci::use(v.edited_at, v.edited_ind));
  st.exchange(soci::use(v.deleted));
  st.exchange(soci::use(v.client_id, v.client_ind));
}

void fill_message(MessageSlots& v, const Message& m) {
  v.message_id = m.message_id;
  v.room_id = m.room_id;
  v.seq = m.seq;
  v.sender_id = m.sender_id;
  v.sender_ind = m.sender_id.empty() ? soci::i_null : soci::i_ok;
  v.type = std::string(to_string(m.type));
  v.content = m.content;
  v.metadata = boost::json::serialize(m.metadata);
  v.reply_to = m.reply_to.value_or("");
  v.reply_ind = m.reply_to ? soci::i_ok : soci::i_null;
  v.created_at = m.created_at;
  v.edited_at = m.edited_at.value_or(0);
  v.edited_ind = m.edited_at ? soci::i_ok : soci::i_null;
  v.deleted = m.deleted ? 1 : 0;
  v.client_id = m.client_id.value_or("");
  v.client_ind = m.client_id ? soci::i_ok : soci::i_null;
}

void bind_event(soci::statement& st, EventSlots& v) {
  st.exchange(soci::use(v.room_id));
  st.exchange(soci::use(v.seq));
  st.exchange(soci::use(v.type));
  st.exchange(soci::use(v.frame));
  st.exchange(soci::use(v.actor_id, v.actor_ind));
  st.exchange(soci::use(v.created_at));
}

void fill_event(EventSlots& v, const EventRow& row) {
  v.room_id = row.event->room_id;
  v.seq = row.event->seq;
  v.type = row.event->type;
  v.frame = row.event->frame;
  v.actor_id = row.actor_id;
  v.actor_ind = row.actor_id.empty() ? soci::i_null : soci::i_ok;
  v.created_at = row.event->created_at;
}

constexpr const char* kInsertMessages =
    "INSERT INTO messages (message_id, room_id, seq, sender_id, type, content, metadata, "
    "reply_to, created_at, edited_at, deleted, client_id)";
constexpr std::size_t kMessageColumns = 12;
constexpr const char* kInsertEvents =
    "INSERT INTO room_events (room_id, seq, event_type, frame, actor_id, created_at)";
constexpr std::size_t kEventColumns = 6;

// `head` VALUES with `rows` rows of `columns` numbered placeholders.
std::string values_sql(const char* head, std::size_t columns, std::size_t rows) {
  std::string sql = std::string(head) + " VALUES ";
  for (std::size_t r = 0; r < rows; ++r) {
    sql += r ? ", (" : "(";
    for (std::size_t c = 0; c < columns; ++c) {
      sql += (c ? ", :p" : ":p") + std::to_string(r * columns + c);
    }
    sql += ")";
  }
  return sql;
}

// Inserts items[i...] in statements of N rows while N are left.
template <std::size_t N, class Slots, class Item, class Bind, class Fill>
void insert_chunks(const Lease& lease, const char* head, std::size_t columns,
                   const std::vector<Item>& items, std::size_t& i, Bind bind, Fill fill) {
  if (items.size() - i < N) return;
  const std::string sql = values_sql(head, columns, N);
  using Rows = std::array<Slots, N>;
  while (items.size() - i >= N) {
    auto q = lease.statements().get<Rows>(sql, [&](soci::statement& st, Rows& rows) {
      for (auto& row : rows) bind(st, row);
    });
    for (std::size_t k = 0; k < N; ++k) fill(q.slots()[k], items[i + k]);
    q.execute();
    i += N;
  }
}

// Every item, 32 rows a statement, then 8, then 1: a few cached statement
// shapes serve any count.
template <class Slots, class Item, class Bind, class Fill>
void insert_all(const Lease& lease, const char* head, std::size_t columns,
                const std::vector<Item>& items, Bind bind, Fill fill) {
  std::size_t i = 0;
  insert_chunks<32, Slots>(lease, head, columns, items, i, bind, fill);
  insert_chunks<8, Slots>(lease, head, columns, items, i, bind, fill);
  insert_chunks<1, Slots>(lease, head, columns, items, i, bind, fill);
}

}  // namespace

void insert_messages(const Lease& lease, const std::vector<Message>& messages) {
  insert_all<MessageSlots>(lease, kInsertMessages, kMessageColumns, messages, bind_message,
                           fill_message);
}

void insert_message(const Lease& lease, const Message& m) { insert_messages(lease, {m}); }

void insert_events(const Lease& lease, const std::vector<EventRow>& events) {
  insert_all<EventSlots>(lease, kInsertEvents, kEventColumns, events, bind_event, fill_event);
}

void insert_event(const Lease& lease, const RoomEvent& event, const std::string& actor_id) {
  insert_events(lease, {EventRow{&event, actor_id}});
}

std::vector<Message> read_messages(soci::session& s, const MessageQuery& q) {
  std::vector<Message> out;
  {
    Message m;
    std::string type, metadata, reply, client, sender_id, sender_name;
    long long seq = 0, created = 0, edited = 0;
    int deleted = 0;
    soci::indicator sender_ind, name_ind, reply_ind, edited_ind, client_ind;
    soci::statement st(s);
    st.exchange(soci::into(m.message_id));
    st.exchange(soci::into(m.room_id));
    st.exchange(soci::into(seq));
    st.exchange(soci::into(sender_id, sender_ind));
    st.exchange(soci::into(sender_name, name_ind));
    st.exchange(soci::into(type));
    st.exchange(soci::into(m.content));
    st.exchange(soci::into(metadata));
    st.exchange(soci::into(reply, reply_ind));
    st.exchange(soci::into(created));
    st.exchange(soci::into(edited, edited_ind));
    st.exchange(soci::into(deleted));
    st.exchange(soci::into(client, client_ind));
    for (const auto& v : q.strings) st.exchange(soci::use(v));
    for (const auto& v : q.numbers) st.exchange(soci::use(v));
    const int limit = q.limit;
    st.exchange(soci::use(limit));
    st.alloc();
    st.prepare(
        "SELECT m.message_id, m.room_id, m.seq, m.sender_id, u.display_name, m.type, m.content, "
        "m.metadata, m.reply_to, m.created_at, m.edited_at, m.deleted, m.client_id FROM messages m "
        "LEFT JOIN users u ON u.user_id = m.sender_id WHERE " +
        q.where + " ORDER BY " + q.order + " LIMIT :limit");
    st.define_and_bind();
    st.execute();
    while (st.fetch()) {
      Message row = m;
      row.seq = seq;
      row.sender_id = sender_ind == soci::i_ok ? sender_id : "";
      row.sender_name = name_ind == soci::i_ok ? sender_name : "";
      row.type = parse_message_type(type).value_or(MessageType::kText);
      boost::system::error_code ec;
      auto meta = boost::json::parse(metadata, ec);
      if (!ec && meta.is_object()) row.metadata = meta.as_object();
      if (reply_ind == soci::i_ok) row.reply_to = reply;
      row.created_at = created;
      if (edited_ind == soci::i_ok) row.edited_at = edited;
      row.deleted = deleted != 0;
      if (client_ind == soci::i_ok) row.client_id = client;
      if (row.deleted) row.content.clear();
      out.push_back(std::move(row));
    }
  }
  if (out.empty()) return out;
  // Reactions of these messages, oldest first, grouped by emoji in order of
  // first use.
  std::map<std::string, std::size_t> index;
  std::string in_list;
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < out.size(); ++i) {
    index[out[i].message_id] = i;
    ids.push_back(out[i].message_id);
    in_list += (i ? ", :p" : ":p") + std::to_string(i);
  }
  std::string message_id, emoji, user_id;
  soci::statement st(s);
  st.exchange(soci::into(message_id));
  st.exchange(soci::into(emoji));
  st.exchange(soci::into(user_id));
  for (const auto& id : ids) st.exchange(soci::use(id));
  st.alloc();
  st.prepare("SELECT message_id, emoji, user_id FROM message_reactions WHERE message_id IN (" +
             in_list + ") ORDER BY created_at, emoji, user_id");
  st.define_and_bind();
  st.execute();
  while (st.fetch()) {
    auto& msg = out[index[message_id]];
    auto it = std::find_if(msg.reactions.begin(), msg.reactions.end(),
                           [&](const Reaction& r) { return r.emoji == emoji; });
    if (it == msg.reactions.end()) {
      msg.reactions.push_back(Reaction{emoji, {user_id}});
    } else {
      it->user_ids.push_back(user_id);
    }
  }
  return out;
}

}  // namespace tr::sql
